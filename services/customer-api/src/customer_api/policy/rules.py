"""The rules of docs/DOMAIN.md §14 over figures already gathered: pure, no I/O, no clock.

Each rule compares one figure "after" the contract with its limit; a figure equal to its limit
passes ("above the limit" is what fails). Choices the domain leaves open (ours):
- The knock-outs are the latest rating's: the engine alone decides §3, and a rating older than
  its review interval is itself flagged.
- A rating without a limit (neither equity nor revenue known) skips the limit rule, with a warning.
- Concentration and leverage count financing guarantees only (§9): a performance guarantee adds
  no weighted liability, so it cannot be what breaks those limits.
- Net assets net of investments in other guarantors at or below zero leave no room for any
  financing guarantee: the leverage rule fails with a null value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from guarantee_shared.types import money_str, ratio_num


class Rule(StrEnum):
    knockout = "knockout"
    limit = "limit"
    single_customer = "single_customer"
    related_group = "related_group"
    leverage = "leverage"
    related_party = "related_party"
    rating = "rating"


# No approval lifts these (DOMAIN §9: no guarantee at all for the company's own related parties).
NEVER_OVERRIDDEN = frozenset({Rule.related_party})


@dataclass(frozen=True)
class Finding:
    rule: Rule
    limit: str | float | int | None
    value: str | float | int | list[str] | None
    message: str


@dataclass(frozen=True)
class RatingFacts:
    knockouts: list[str]
    # min(equity x m, revenue x r) before the liability the rating saw was deducted.
    gross_limit: Decimal | None
    age_days: int
    review_interval_days: int


@dataclass(frozen=True)
class Facts:
    related_party: bool
    rating: RatingFacts | None
    financing: bool
    current_liability: Decimal
    new_liability: Decimal
    net_assets: Decimal
    customer_financing_after: Decimal
    group_financing_after: Decimal
    related_group: str | None
    leverage_after: Decimal | None
    leverage_cap: int
    single_customer_share: Decimal
    group_share: Decimal

    @property
    def exposure_after(self) -> Decimal:
        return self.current_liability + self.new_liability


@dataclass(frozen=True)
class Outcome:
    violations: list[Finding]
    warnings: list[Finding]

    @property
    def allowed(self) -> bool:
        return not self.violations


def evaluate(facts: Facts, *, require_rating: bool) -> Outcome:
    violations: list[Finding] = []
    warnings: list[Finding] = []
    if facts.related_party:
        violations.append(
            Finding(
                Rule.related_party,
                None,
                None,
                "The customer is a related party of the company (its controlling shareholder, "
                "actual controller or an affiliate): no guarantee may be given",
            )
        )
    _rating_rules(facts, violations, warnings, require_rating=require_rating)
    if facts.financing:
        _concentration(facts, violations)
        _leverage(facts, violations)
    return Outcome(violations=violations, warnings=warnings)


def _rating_rules(
    facts: Facts, violations: list[Finding], warnings: list[Finding], *, require_rating: bool
) -> None:
    rating = facts.rating
    missing = violations if require_rating else warnings
    if rating is None:
        missing.append(
            Finding(Rule.rating, None, None, "The customer is unrated; the limit is not checked")
        )
        return
    if rating.age_days > rating.review_interval_days:
        missing.append(
            Finding(
                Rule.rating,
                rating.review_interval_days,
                rating.age_days,
                f"The latest rating is {rating.age_days} days old, beyond its review interval "
                f"of {rating.review_interval_days} days",
            )
        )
    if rating.knockouts:
        violations.append(
            Finding(
                Rule.knockout,
                None,
                list(rating.knockouts),
                "Knock-outs hold for the customer: " + ", ".join(rating.knockouts),
            )
        )
    if rating.gross_limit is None:
        warnings.append(
            Finding(
                Rule.limit, None, None, "The rating gives no limit (equity and revenue unknown)"
            )
        )
    elif facts.exposure_after > rating.gross_limit:
        violations.append(
            Finding(
                Rule.limit,
                money_str(rating.gross_limit),
                money_str(facts.exposure_after),
                f"Exposure after this contract, {money_str(facts.exposure_after)}, is above the "
                f"customer's limit of {money_str(rating.gross_limit)}",
            )
        )


def _share(part: Decimal, whole: Decimal) -> Decimal:
    return part / whole


def _concentration(facts: Facts, violations: list[Finding]) -> None:
    single = _share(facts.customer_financing_after, facts.net_assets)
    if single > facts.single_customer_share:
        violations.append(
            Finding(
                Rule.single_customer,
                ratio_num(facts.single_customer_share),
                ratio_num(single),
                f"The customer's financing-guarantee liability after this contract, "
                f"{money_str(facts.customer_financing_after)}, is above "
                f"{facts.single_customer_share:.0%} of net assets",
            )
        )
    group = _share(facts.group_financing_after, facts.net_assets)
    if group > facts.group_share:
        name = facts.related_group or "the customer alone"
        violations.append(
            Finding(
                Rule.related_group,
                ratio_num(facts.group_share),
                ratio_num(group),
                f"The related group's ({name}) financing-guarantee liability after this "
                f"contract, {money_str(facts.group_financing_after)}, is above "
                f"{facts.group_share:.0%} of net assets",
            )
        )


def _leverage(facts: Facts, violations: list[Finding]) -> None:
    leverage = facts.leverage_after
    if leverage is None or leverage > facts.leverage_cap:
        shown = "undefined" if leverage is None else f"{leverage:.4f}"
        violations.append(
            Finding(
                Rule.leverage,
                facts.leverage_cap,
                ratio_num(leverage),
                f"Leverage after this contract ({shown}) "
                f"is above the cap of {facts.leverage_cap}x net assets",
            )
        )
