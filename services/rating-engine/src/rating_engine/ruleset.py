"""The ruleset file: pydantic models of every section, cross-checks, and the loader.

A ruleset is data a risk officer reads and edits (``rulesets/v1.yaml``). Loading checks more
than shape: bins ordered with points monotone in the declared direction (so improving a ratio
never lowers the score), neutral "missing" points inside each factor's range, every grade,
tier and class covered, size bounds falling from large to small, and every feature name known.
Any failure raises :class:`RulesetError` naming the file and the offending entry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from guarantee_shared.schemas.rating import CreditGrade, CustomerClass, RiskTier, SizeClass
from rating_engine.features import BOOLEAN_FEATURES, CATEGORICAL_FEATURES, NUMERIC_FEATURES

Op = Literal["lt", "le", "gt", "ge", "eq", "ne", "in"]
Unit = Literal["ratio", "times", "number", "count", "years", "days"]
_ORDERED_OPS = frozenset({"lt", "le", "gt", "ge"})


class RulesetError(Exception):
    """A ruleset that cannot be used; the message says which file and entry, and why."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scaling(_Model):
    """``score = offset - factor * ln(pd / (1 - pd))``, clipped to [min_score, max_score].

    DOMAIN.md §5 writes it with 387.6 and 72.13: 600 points at odds 1:19, 50 to double them.
    """

    offset: float
    factor: float = Field(gt=0)
    min_score: int = 0
    max_score: int = 1000

    @model_validator(mode="after")
    def _range(self) -> Scaling:
        if not 0 <= self.min_score < self.max_score:
            raise ValueError("min_score must be 0 or more and below max_score")
        return self


class NumericBin(_Model):
    lt: float | None = Field(default=None, description="upper bound, exclusive; none on the last")
    points: int
    note: str = ""


class NumericFactor(_Model):
    kind: Literal["numeric"]
    id: str
    name: str
    group: str
    feature: str
    unit: Unit
    direction: Literal["higher_is_better", "lower_is_better"]
    missing_points: int = 0
    bins: list[NumericBin] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered_and_monotone(self) -> NumericFactor:
        if self.feature not in NUMERIC_FEATURES:
            raise ValueError(f"unknown numeric feature {self.feature!r}")
        bounds = [b.lt for b in self.bins[:-1] if b.lt is not None]
        if self.bins[-1].lt is not None or len(bounds) != len(self.bins) - 1:
            raise ValueError("every bin but the last needs `lt`; the last takes the rest")
        if any(a >= b for a, b in pairwise(bounds)):
            raise ValueError("bin bounds must increase")
        points = [b.points for b in self.bins]
        pairs = list(pairwise(points))
        rising = self.direction == "higher_is_better"
        if any((b < a) if rising else (b > a) for a, b in pairs):
            raise ValueError(f"points must be monotone ({self.direction}): {points}")
        if not min(points) <= self.missing_points <= max(points):
            raise ValueError("missing_points must lie within the bins' points (neutral)")
        return self


class CategoricalFactor(_Model):
    kind: Literal["categorical"]
    id: str
    name: str
    group: str
    feature: str
    categories: dict[str, int]
    notes: dict[str, str] = Field(default_factory=dict)
    missing_points: int = 0

    @model_validator(mode="after")
    def _known_categories(self) -> CategoricalFactor:
        allowed = CATEGORICAL_FEATURES.get(self.feature)
        if allowed is None:
            raise ValueError(f"unknown categorical feature {self.feature!r}")
        if set(self.categories) != allowed:
            raise ValueError(f"categories must be exactly {sorted(allowed)}")
        if not set(self.notes) <= allowed:
            raise ValueError("notes name a category that does not exist")
        points = self.categories.values()
        if not min(points) <= self.missing_points <= max(points):
            raise ValueError("missing_points must lie within the categories' points (neutral)")
        return self


Factor = Annotated[NumericFactor | CategoricalFactor, Field(discriminator="kind")]


class Scorecard(_Model):
    base_points: int
    factors: list[Factor] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Scorecard:
        ids = [f.id for f in self.factors]
        if len(ids) != len(set(ids)):
            raise ValueError("factor ids must be unique")
        return self


ClauseValue = bool | float | str | list[str]


class AllOf(_Model):
    all: list[Expr] = Field(min_length=1)


class AnyOf(_Model):
    any: list[Expr] = Field(min_length=1)


# A clause is `[feature, op, value]`; a feature whose value is unknown makes it false.
Clause = tuple[str, Op, ClauseValue]
Expr = Clause | AllOf | AnyOf
AllOf.model_rebuild()
AnyOf.model_rebuild()


def _check_expr(expr: Expr) -> None:
    if isinstance(expr, AllOf | AnyOf):
        for part in expr.all if isinstance(expr, AllOf) else expr.any:
            _check_expr(part)
        return
    feature, op, value = expr
    if feature in NUMERIC_FEATURES:
        ok = op != "in" and isinstance(value, float | int) and not isinstance(value, bool)
    elif feature in CATEGORICAL_FEATURES:
        names = value if isinstance(value, list) else [value]
        ok = op in ("eq", "ne", "in") and all(n in CATEGORICAL_FEATURES[feature] for n in names)
        ok = ok and (op == "in") == isinstance(value, list)
    elif feature in BOOLEAN_FEATURES:
        ok = op in ("eq", "ne") and isinstance(value, bool)
    else:
        raise ValueError(f"unknown feature {feature!r}")
    if not ok:
        raise ValueError(f"clause {list(expr)} does not fit the type of {feature!r}")


class Condition(_Model):
    id: str
    text: str
    when: Expr

    @model_validator(mode="after")
    def _typed(self) -> Condition:
        _check_expr(self.when)
        return self


class ClassRules(_Model):
    """Class conditions (DOMAIN.md §4); precedence high_risk > premium > general."""

    high_risk: list[Condition]
    premium: list[Condition]
    general: list[Condition]
    premium_never_in_tier: list[RiskTier] = Field(default_factory=list)

    @model_validator(mode="after")
    def _prefixed_ids(self) -> ClassRules:
        for name in ("high_risk", "premium", "general"):
            for condition in getattr(self, name):
                if not condition.id.startswith(name + "."):
                    raise ValueError(f"condition {condition.id!r} must start with {name!r}.")
        return self


class Knockouts(_Model):
    max_grade: CreditGrade = Field(description="a knocked-out customer is graded no better")
    zero_limit: bool = Field(description="recommend no new guarantee while knocked out")
    rules: list[Condition]


class GradeCut(_Model):
    grade: CreditGrade
    max_pd: float = Field(gt=0, le=1)


class Limits(_Model):
    equity_multiple: dict[RiskTier, Decimal]
    revenue_multiple: dict[RiskTier, Decimal]
    single_customer_share: Decimal = Field(ge=0, le=1)
    group_share: Decimal = Field(ge=0, le=1)


class SizeBounds(_Model):
    employees: int | None = Field(default=None, ge=0)
    revenue: Decimal | None = Field(default=None, ge=0, description="万元")
    total_assets: Decimal | None = Field(default=None, ge=0, description="万元")


class SizeRow(_Model):
    id: str
    name: str
    codes: list[str] = Field(description="GB/T 4754 code prefixes; empty for the catch-all row")
    large: SizeBounds
    medium: SizeBounds
    small: SizeBounds

    @model_validator(mode="after")
    def _falling_bounds(self) -> SizeRow:
        for metric in ("employees", "revenue", "total_assets"):
            seq = [getattr(b, metric) for b in (self.large, self.medium, self.small)]
            if any(v is None for v in seq) and any(v is not None for v in seq):
                raise ValueError(f"{metric} must be bounded in every class or none")
            if seq[0] is not None and not seq[0] >= seq[1] >= seq[2]:
                raise ValueError(f"{metric} bounds must fall from large to small")
        return self


class SizeTable(_Model):
    unit_yuan: Decimal = Field(description="yuan per unit of revenue and total_assets bounds")
    rows: list[SizeRow]

    @model_validator(mode="after")
    def _one_catch_all(self) -> SizeTable:
        if sum(1 for r in self.rows if not r.codes) != 1:
            raise ValueError("exactly one row (the catch-all) must have no codes")
        return self


class Ruleset(_Model):
    version: str
    name: str
    description: str
    effective_from: date
    recent_window_months: int = Field(gt=0, le=120)
    scaling: Scaling
    scorecard: Scorecard
    grades: list[GradeCut]
    tiers: dict[CreditGrade, RiskTier]
    review_interval_days: dict[RiskTier, int]
    classes: ClassRules
    knockouts: Knockouts
    strategies: dict[CustomerClass, str]
    limits: Limits
    size_table: SizeTable

    @model_validator(mode="after")
    def _complete(self) -> Ruleset:
        if [g.grade for g in self.grades] != list(CreditGrade):
            raise ValueError("grades must list AAA ... C, best first")
        cuts = [g.max_pd for g in self.grades]
        if any(a >= b for a, b in pairwise(cuts)) or cuts[-1] != 1:
            raise ValueError("grade max_pd must increase and end at 1")
        order = list(RiskTier)
        if set(self.tiers) != set(CreditGrade):
            raise ValueError("tiers must map every grade")
        ranks = [order.index(self.tiers[g]) for g in CreditGrade]
        if ranks != sorted(ranks):
            raise ValueError("tiers must not improve as grades worsen")
        for name, mapping in (
            ("review_interval_days", self.review_interval_days),
            ("limits.equity_multiple", self.limits.equity_multiple),
            ("limits.revenue_multiple", self.limits.revenue_multiple),
        ):
            if set(mapping) != set(RiskTier):
                raise ValueError(f"{name} must give low, medium and high")
        if set(self.strategies) != set(CustomerClass):
            raise ValueError("strategies must give premium, general and high_risk")
        ids = [c.id for c in self.knockouts.rules]
        ids += [c.id for group in ("high_risk", "premium", "general") for c in
                getattr(self.classes, group)]  # fmt: skip
        if len(ids) != len(set(ids)):
            raise ValueError("condition and knock-out ids must be unique")
        return self


SIZE_CLASSES = (SizeClass.LARGE, SizeClass.MEDIUM, SizeClass.SMALL)


def _where(data: Any, loc: tuple[str | int, ...]) -> str:
    """``scorecard.factors.0 (debt_ratio).numeric``: a location with the ids a reader searches."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            named = isinstance(node, dict) and isinstance(node.get("id"), str)
            parts.append(f"{part} ({node['id']})" if named else str(part))
        else:
            node = node.get(part) if isinstance(node, dict) else None
            parts.append(str(part))
    return ".".join(parts) or "(top level)"


def _describe(exc: ValidationError, data: Any) -> str:
    return "\n".join(
        f"  at {_where(data, tuple(err['loc']))}: {err['msg']}"
        for err in exc.errors(include_url=False)
    )


def parse_ruleset(data: Any, *, source: str) -> Ruleset:
    """Validate parsed YAML; raise :class:`RulesetError` that names ``source``."""
    try:
        return Ruleset.model_validate(data)
    except ValidationError as exc:
        raise RulesetError(f"ruleset {source} is invalid:\n{_describe(exc, data)}") from exc


def load_ruleset(path: Path) -> Ruleset:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesetError(f"ruleset {path} cannot be read: {exc}") from exc
    ruleset = parse_ruleset(data, source=str(path))
    if ruleset.version != path.stem:
        raise RulesetError(
            f"ruleset {path} declares version {ruleset.version!r}; the file must be named "
            f"{ruleset.version}.yaml"
        )
    return ruleset


def load_rulesets(directory: Path) -> dict[str, Ruleset]:
    """Every ``*.yaml`` in ``directory`` by version; none found is an error too."""
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise RulesetError(f"no ruleset (*.yaml) found in {directory}")
    return {ruleset.version: ruleset for ruleset in map(load_ruleset, paths)}
