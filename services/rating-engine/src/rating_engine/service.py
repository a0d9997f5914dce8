"""The engine's operations over its loaded rulesets: models, one rating, a batch of ratings.

Rulesets are loaded, checked and compiled once (:meth:`RatingService.load`); a broken one
raises :class:`~rating_engine.ruleset.RulesetError` there, so the service never starts with it.
The HTTP routes get their answers as JSON bytes (:meth:`~RatingService.score_json`,
:meth:`~RatingService.score_batch`); :meth:`~RatingService.score` is the typed form of a rating.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import jiter
import orjson
from fastapi.exceptions import RequestValidationError
from prometheus_client import Counter
from pydantic import BaseModel, ValidationError

from guarantee_shared.errors import PROBLEM_BASE, NotFound
from guarantee_shared.logging import get_logger
from guarantee_shared.schemas.rating import (
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

M = TypeVar("M", bound=BaseModel)


def _issues(exc: ValidationError, prefix: tuple[str | int, ...]) -> list[dict[str, Any]]:
    return [
        {"loc": [*prefix, *err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def parse_body(model: type[M], body: bytes) -> M:
    """``body`` as JSON validated by ``model``; a 422 :class:`RequestValidationError` if bad.

    JSON numbers are read as Decimals, never as binary floats, so money keeps every digit,
    whatever notation it came in (``1.5e1`` is ``Decimal("15")``). jiter reads the bytes as they
    are, at about half the cost of ``json`` with ``parse_float=Decimal``, and stops a body nested
    too deep with an error like any other malformed JSON.
    """
    try:
        data = jiter.from_json(body, float_mode="decimal", allow_inf_nan=False)
    except ValueError as exc:
        issue = {"loc": ("body",), "msg": f"JSON decode error: {exc}", "type": "json_invalid"}
        raise RequestValidationError([issue]) from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(_issues(exc, ("body",))) from exc


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

    def score_json(self, request: RatingRequest, *, version: str | None = None) -> bytes:
        """The rating of one validated request as JSON bytes."""
        return orjson.dumps(self._rate(request, self.ruleset(version)))

    def _rate(self, request: RatingRequest, rules: CompiledRuleset) -> Wire:
        result = rate(request, rules)
        key = (rules.version, result["customer_class"])
        counter = _RATINGS_CHILDREN.get(key)
        if counter is None:
            counter = _RATINGS_CHILDREN[key] = RATINGS.labels(*key)
        counter.inc()
        return result

    def score_batch(self, items: Sequence[object], *, version: str | None = None) -> bytes:
        """Rate each item of a batch; answer ``{"results": [...]}`` as JSON bytes.

        Items are parsed JSON, validated one by one here, so a bad item becomes an error entry
        in its own slot and the others are still rated. CPU-bound: call it off the event loop.
        """
        rules = self.ruleset(version)
        results: list[Wire] = []
        append = results.append
        validate = RatingRequest.model_validate
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
