"""/v1/imports: upload a ledger file as a job, follow it, download a template."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import File, Form, Query, UploadFile
from fastapi.responses import Response

from customer_api.deps import (
    ContractsWrite,
    CustomersRead,
    CustomersWrite,
    IdempotencyDep,
    ImportRunnerDep,
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
from guarantee_shared.pagination import DEFAULT_LIMIT, Page
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


@router.post(
    "",
    status_code=202,
    response_model=ImportOut,
    summary="Import a CSV or XLSX ledger file as a job",
    description=_UPLOAD_DOC,
    responses={413: {"description": "The file exceeds the configured size"}},
)
async def create_import(
    session: SessionDep,
    principal: CustomersWrite,
    _: ContractsWrite,
    runner: ImportRunnerDep,
    idempotency: IdempotencyDep,
    file: Annotated[UploadFile, File(description="The CSV or XLSX file")],
    kind: Annotated[
        ImportKind | None, Form(description="CSV only: the records the file holds")
    ] = None,
    dry_run: Annotated[bool, Query(description="Validate and report; keep nothing")] = False,
) -> Response:
    upload = await service.receive(file, kind=kind)
    try:
        request = ImportRequest(
            filename=upload.filename, sha256=upload.sha256, dry_run=dry_run, kind=upload.kind
        )
        if (replayed := await idempotency.replay(request)) is not None:
            return replayed
        job = await service.create_job(session, upload, dry_run=dry_run, actor=principal.sub)
    finally:
        upload.discard()
    response = await idempotency.remember(
        json_response(
            ImportOut.model_validate(job), status_code=202, location=f"/v1/imports/{job.id}"
        )
    )
    await session.commit()  # the worker must see the job before it is woken
    runner.wake()
    return response


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
    rows, next_cursor = await service.list_rows(
        session, import_id, outcome=outcome, limit=limit, cursor=cursor
    )
    return Page[ImportRowOut](
        items=[ImportRowOut.model_validate(r) for r in rows], next_cursor=next_cursor
    )
