"""/v1/imports: upload a ledger file as a job, follow it, download a template."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import BackgroundTasks, Query, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from customer_api.deps import (
    CustomersRead,
    CustomersWrite,
    IdempotencyDep,
    ImportRunnerDep,
    ImportsWrite,
    SessionDep,
)
from customer_api.imports import service
from customer_api.imports.columns import ImportKind
from customer_api.imports.schemas import (
    ImportOut,
    ImportRequest,
    ImportRowOut,
    RowOutcome,
    TemplateFormat,
)
from customer_api.imports.template import csv_template, xlsx_template
from guarantee_shared.errors import InvalidInput
from guarantee_shared.pagination import DEFAULT_LIMIT, Page, page_of
from guarantee_shared.web.http import CursorQuery, LimitQuery, json_response
from guarantee_shared.web.routing import api_router

router = api_router(prefix="/v1/imports", tags=["imports"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_UPLOAD_DOC = """
Import customers, financial statements, guarantee contracts and collateral from a file.

* **XLSX**: one sheet per kind, named `customers`, `financial_statements`, `contracts`,
  `collaterals` (or 客户, 财务报表, 担保合同, 反担保); sheets are processed in that order.
* **CSV**: one kind per file, given by the `kind` form field or inferred from the headers;
  UTF-8 (with or without BOM) or GB18030.
* Headers are the contract's field names (see `GET /v1/imports/template`); the usual Chinese
  names are accepted, and every header and cell is NFKC-normalised (full-width characters).
* Keys: customers by `credit_code`; statements by `credit_code`, `period_end`, `period_type`;
  contracts by `contract_no` (with the customer's `credit_code`); collateral by `contract_no`,
  `kind`, `description`. An existing key is updated from the cells the row fills, or reported
  unchanged, so importing a file again duplicates nothing.
* Contract terms change only while `pending`. Optional ledger columns `activated_on`,
  `outstanding_balance`, `balance_as_of` bring a live guarantee in through `activate` and
  `repayment` events.
* Each row is written in its own savepoint: a rejected row leaves nothing and the others carry
  on. `dry_run=true` validates and tries every row, then keeps nothing.

A file whose sheets or headers are wrong is refused at once (422, naming them); otherwise the
answer is 202 with the job, to follow at `Location`.
"""


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The CSV or XLSX file",
                        },
                        "kind": {
                            "type": "string",
                            "enum": [k.value for k in ImportKind],
                            "description": "CSV only: the records the file holds",
                        },
                    },
                }
            }
        },
    }
}


@asynccontextmanager
async def _upload_form(request: Request) -> AsyncIterator[FormData]:
    """The multipart form, closed at the end. A body that is not a form of one file and at most
    one field is a 422 naming the body, as a body that is not JSON is elsewhere, rather than
    Starlette's 400."""
    try:
        form = await request.form(max_files=1, max_fields=1)
    except StarletteHTTPException as exc:
        raise InvalidInput(
            f"the multipart body cannot be read: {exc.detail}", loc=["body"], kind="multipart"
        ) from exc
    try:
        yield form
    finally:
        await form.close()


def _form_fields(form: FormData) -> tuple[UploadFile, ImportKind | None]:
    file, kind = form.get("file"), form.get("kind")
    if not isinstance(file, UploadFile):
        raise InvalidInput("a file is required (multipart field `file`)", loc=["body", "file"])
    if kind is None:
        return file, None
    try:
        return file, ImportKind(str(kind))
    except ValueError as exc:
        choices = ", ".join(k.value for k in ImportKind)
        raise InvalidInput(f"kind must be one of {choices}", loc=["body", "kind"]) from exc


@router.post(
    "",
    status_code=202,
    response_model=ImportOut,
    summary="Import a CSV or XLSX ledger file as a job",
    description=_UPLOAD_DOC,
    responses={413: {"description": "The file exceeds the configured size"}},
    openapi_extra=_UPLOAD_BODY,
)
async def create_import(
    request: Request,
    session: SessionDep,
    principal: ImportsWrite,
    runner: ImportRunnerDep,
    idempotency: IdempotencyDep,
    background: BackgroundTasks,
    dry_run: Annotated[bool, Query(description="Validate and report; keep nothing")] = False,
) -> Response:
    # The form is read only here: after the dependencies checked the caller's token and
    # scopes (a declared File parameter would be read before them), within the body limit
    # the middleware enforces for this path.
    async with _upload_form(request) as form:
        file, kind = _form_fields(form)
        upload = await service.receive(file, filename=file.filename or "upload", kind=kind)
    request_key = ImportRequest(
        filename=upload.filename, sha256=upload.sha256, dry_run=dry_run, kind=upload.kind
    )

    async def create() -> Response:
        job = await service.create_job(session, upload, dry_run=dry_run, actor=principal.sub)
        # After the response, so after the request's transaction committed the job.
        background.add_task(runner.wake)
        return json_response(
            ImportOut.model_validate(job), status_code=202, location=f"/v1/imports/{job.id}"
        )

    try:
        return await idempotency.run(request_key, create)
    finally:
        upload.discard()


@router.get(
    "/template",
    summary="A file to fill in: XLSX with a sheet per kind, or CSV for one kind",
    response_class=Response,
    responses={
        200: {
            "content": {XLSX_TYPE: {}, "text/csv": {}},
            "description": "Headers and one example row",
        }
    },
)
async def template(
    _: CustomersRead,
    format: TemplateFormat = TemplateFormat.xlsx,
    kind: Annotated[ImportKind | None, Query(description="Required for CSV")] = None,
) -> Response:
    if format is TemplateFormat.csv:
        if kind is None:
            raise InvalidInput("a CSV template is for one kind: give kind", loc=["query", "kind"])
        body, media, name = csv_template(kind), "text/csv; charset=utf-8", f"{kind.value}.csv"
    else:
        kinds = [kind] if kind else list(ImportKind)
        body, media, name = xlsx_template(kinds), XLSX_TYPE, "ledger-template.xlsx"
    return Response(
        content=body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/{import_id}", response_model=ImportOut, summary="An import's progress and errors")
async def get_import(import_id: uuid.UUID, session: SessionDep, _: CustomersRead) -> ImportOut:
    return ImportOut.model_validate(await service.get_job(session, import_id))


@router.post(
    "/{import_id}/cancel",
    response_model=ImportOut,
    summary="Stop a queued or running import; committed batches stay",
    responses={409: {"description": "The import has already finished"}},
)
async def cancel_import(import_id: uuid.UUID, session: SessionDep, _: CustomersWrite) -> ImportOut:
    return ImportOut.model_validate(await service.cancel(session, import_id))


@router.get(
    "/{import_id}/rows",
    response_model=Page[ImportRowOut],
    summary="What happened to each row, in file order",
)
async def list_rows(
    import_id: uuid.UUID,
    session: SessionDep,
    _: CustomersRead,
    outcome: RowOutcome | None = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[ImportRowOut]:
    return page_of(
        ImportRowOut,
        await service.list_rows(session, import_id, outcome=outcome, limit=limit, cursor=cursor),
    )
