"""The engine's operations over its loaded rulesets: models, one rating, a batch of ratings.

Rulesets are loaded, checked and compiled once (:meth:`RatingService.load`); a broken one
raises :class:`~rating_engine.ruleset.RulesetError` there, so the service never starts with it.
The HTTP paths take raw JSON bytes and answer JSON bytes; :meth:`RatingService.score` is the
typed form of the same rating.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from prometheus_client import Counter
from pydantic import TypeAdapter, ValidationError

from guarantee_shared.errors import PROBLEM_BASE, NotFound
from guarantee_shared.logging import get_logger
from guarantee_shared.schemas.rating import (
    MAX_BATCH,
    ModelsIndex,
    ModelSummary,
    RatingRequest,
    RatingResult,
)
from rating_engine.compiled import CompiledRuleset, compile_ruleset
from rating_engine.ruleset import Ruleset, RulesetError, load_rulesets
from rating_engine.scoring import Wire, rate

log = get_logger(__name__)

RATINGS = Counter(
    "rating_engine_ratings_total",
    "Ratings produced, by ruleset version and customer class",
    ["model_version", "customer_class"],
)
# The RATINGS child per (version, class), looked up once: ``labels()`` takes a lock each call.
_RATINGS_CHILDREN: dict[tuple[str, str], Any] = {}
BATCH_ITEM_ERRORS = Counter(
    "rating_engine_batch_item_errors_total", "Batch items answered with an error entry"
)

_REQUEST = TypeAdapter(RatingRequest)
# The model's own core validator, called directly on the hot path: the same validation without
# TypeAdapter's Python layer around it.
_VALIDATOR = RatingRequest.__pydantic_validator__
# JSON numbers pass through a binary float when pydantic parses JSON itself. Up to 15
# significant digits that is exact; a body with a longer run of digits and points (17
# characters hold 16 digits and a point) is parsed with Decimal instead. The run is found by
# mapping digits and points to "0" and everything else to " ": two C-speed passes.
_DIGITS = bytes(0x30 if chr(i) in "0123456789." else 0x20 for i in range(256))
_LONG_RUN = b"0" * 17


def _body_error(loc: list[str | int], msg: str, kind: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", *loc), "msg": msg, "type": kind}])


def _issues(exc: ValidationError, prefix: tuple[str | int, ...]) -> list[dict[str, Any]]:
    return [
        {"loc": [*prefix, *err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def parse_request(body: bytes) -> RatingRequest:
    """Validate one JSON rating request; raise a 422 :class:`RequestValidationError` if bad."""
    try:
        if _LONG_RUN not in body.translate(_DIGITS):
            request: RatingRequest = _VALIDATOR.validate_json(body)
            return request
        return _REQUEST.validate_python(json.loads(body, parse_float=Decimal))
    except ValidationError as exc:
        raise RequestValidationError(_issues(exc, ("body",))) from exc
    except ValueError as exc:  # json.loads on the Decimal path
        raise _body_error([], f"JSON decode error: {exc}", "json_invalid") from exc


def _item_error(status: int, detail: str, issues: list[dict[str, Any]]) -> Wire:
    slug, title = (
        ("validation-error", "Validation failed")
        if status == 422
        else ("internal-error", "Internal server error")
    )
    return {
        "error": {
            "type": PROBLEM_BASE + slug,
            "title": title,
            "status": status,
            "detail": detail,
            "errors": issues,
        }
    }


def _parse_batch(body: bytes) -> list[Any]:
    try:
        # Decimal floats: money given as a JSON number must keep every digit.
        document = json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        raise _body_error([], f"JSON decode error: {exc}", "json_invalid") from exc
    if not isinstance(document, dict):
        raise _body_error([], 'Input should be an object {"requests": [...]}', "model_type")
    extra = sorted(set(document) - {"requests"})
    if extra:
        raise _body_error([extra[0]], "Extra inputs are not permitted", "extra_forbidden")
    items = document.get("requests")
    if not isinstance(items, list):
        kind = "missing" if "requests" not in document else "list_type"
        raise _body_error(["requests"], "Input should be a list of rating requests", kind)
    if len(items) > MAX_BATCH:
        raise _body_error(["requests"], f"List should have at most {MAX_BATCH} items", "too_long")
    return items


@dataclass(frozen=True)
class RatingService:
    active: str
    rulesets: dict[str, CompiledRuleset]

    @classmethod
    def load(cls, directory: Path, *, active: str) -> RatingService:
        loaded = load_rulesets(directory)
        if active not in loaded:
            raise RulesetError(
                f"the active model version {active!r} has no ruleset in {directory} "
                f"(found: {', '.join(sorted(loaded))})"
            )
        return cls(active=active, rulesets={v: compile_ruleset(r) for v, r in loaded.items()})

    def ruleset(self, version: str | None = None) -> CompiledRuleset:
        """The compiled ruleset ``version`` (the active one when ``None``); 404 if not loaded."""
        found = self.rulesets.get(version or self.active)
        if found is None:
            raise NotFound(f"No ruleset has model version {version!r}", model_version=version)
        return found

    def models(self) -> ModelsIndex:
        summaries = [
            ModelSummary(
                version=r.source.version,
                name=r.source.name,
                effective_from=r.source.effective_from,
                description=r.source.description,
            )
            for _, r in sorted(self.rulesets.items())
        ]
        return ModelsIndex(active=self.active, available=summaries)

    def document(self, version: str) -> Ruleset:
        return self.ruleset(version).source

    def score(self, request: RatingRequest, *, version: str | None = None) -> RatingResult:
        """The typed rating of one validated request."""
        return RatingResult.model_validate(self._rate(request, self.ruleset(version)))

    def score_json(self, body: bytes, *, version: str | None = None) -> bytes:
        """Rate one raw JSON request body; the rating as JSON bytes (422 if the body is bad)."""
        rules = self.ruleset(version)
        return orjson.dumps(self._rate(parse_request(body), rules))

    def _rate(self, request: RatingRequest, rules: CompiledRuleset) -> Wire:
        result = rate(request, rules)
        key = (rules.version, result["customer_class"])
        counter = _RATINGS_CHILDREN.get(key)
        if counter is None:
            counter = _RATINGS_CHILDREN[key] = RATINGS.labels(*key)
        counter.inc()
        return result

    def score_batch(self, body: bytes, *, version: str | None = None) -> bytes:
        """Rate a raw ``{"requests": [...]}`` body; answer ``{"results": [...]}`` as JSON bytes.

        Items are validated one by one, so a bad item becomes an error entry in its own slot and
        the others are still rated. A body that is not such an object is a 422 for the whole
        request (raised as :class:`RequestValidationError`). CPU-bound: call it off the loop.
        """
        rules = self.ruleset(version)
        items = _parse_batch(body)
        results: list[Wire] = []
        append = results.append
        validate = _REQUEST.validate_python
        counts: dict[str, int] = {}
        for index, item in enumerate(items):
            try:
                result = rate(validate(item), rules)
            except ValidationError as exc:
                issues = _issues(exc, ("body", "requests", index))
                detail = f"{'.'.join(str(p) for p in issues[0]['loc'])}: {issues[0]['msg']}"
                append(_item_error(422, detail, issues))
                continue
            except Exception:  # one item's fault must not fail the other 9,999
                log.exception("batch_item_failed", index=index, model_version=rules.version)
                append(_item_error(500, "This item could not be rated; it has been logged.", []))
                continue
            counts[result["customer_class"]] = counts.get(result["customer_class"], 0) + 1
            append(result)
        for customer_class, n in counts.items():
            RATINGS.labels(rules.version, customer_class).inc(n)
        if failed := len(results) - sum(counts.values()):
            BATCH_ITEM_ERRORS.inc(failed)
        return orjson.dumps({"results": results})
