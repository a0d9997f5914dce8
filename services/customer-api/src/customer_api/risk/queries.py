"""The SQL of expected loss, reserves and stress tests (docs/DOMAIN.md §16).

One statement computes expected loss for every use: the plain figures are the statement with
no shock, so a stress test without a shock answers the unstressed EL by construction. A shock's
filter is spliced in from fixed templates (:data:`FILTER_TEMPLATES`) with its values bound, never
written into the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import TextClause, text

from customer_api.portfolio.queries import GROUP_KEYS, IN_FORCE
from guarantee_shared.schemas.portfolio import GroupBy

# `e` is one exposure (a contract) carrying its customer's attributes; each template is true
# when the attribute is one of the bound values.
FILTER_TEMPLATES: Final[Mapping[str, str]] = {
    "industry_section": "e.industry_section = ANY(CAST(:{p} AS text[]))",
    "region_code": "EXISTS (SELECT 1 FROM unnest(CAST(:{p} AS text[])) AS prefix "
    "WHERE starts_with(e.region_code, prefix))",
    "size_class": "e.size_class = ANY(CAST(:{p} AS text[]))",
    "risk_tier": "e.risk_tier = ANY(CAST(:{p} AS text[]))",
    "product": "e.product = ANY(CAST(:{p} AS text[]))",
}
# Narrows a haircut add to collateral of these kinds (`col` is the collateral row).
COLLATERAL_KIND_TEMPLATE: Final = "col.kind = ANY(CAST(:{p} AS text[]))"


@dataclass(frozen=True)
class ShockSql:
    """A shock as the statement needs it: its filter values by field, and its factors."""

    filters: Mapping[str, Sequence[str]]
    collateral_kinds: Sequence[str]
    pd_multiplier: Decimal | None
    haircut_add: Decimal | None


_EXPECTED_LOSS = """
WITH exposure AS (
    -- docs/DOMAIN.md §16: in-force liability, and the compensation balance still outstanding.
    SELECT c.id AS contract_id, c.customer_id, {key} AS key,
           c.status = 'compensated' AS compensated,
           CASE WHEN c.status = 'compensated'
                THEN c.compensated_amount - c.recovered_amount - c.loss_amount
                ELSE c.outstanding_balance * c.guarantee_ratio END AS ead,
           cu.industry_section, cu.region_code, cu.size_class, cu.risk_tier, c.product
    FROM customer.contracts c
    JOIN customer.customers cu ON cu.id = c.customer_id
    WHERE (c.status IN {in_force}
           OR (c.status = 'compensated'
               AND c.compensated_amount > c.recovered_amount + c.loss_amount))
      {page}
),
collateral AS (
    SELECT e.customer_id,
           sum(col.appraised_value * (1 - least(1, col.haircut + {haircut_add}))) AS value
    FROM exposure e
    JOIN customer.collaterals col ON col.contract_id = e.contract_id
    GROUP BY e.customer_id
),
per_customer AS (
    SELECT e.customer_id, sum(e.ead) AS ead FROM exposure e GROUP BY e.customer_id
),
risk AS (
    -- LGD per customer on all its exposure; greatest() skips the NULL of an EAD of zero. The
    -- latest rating is looked up after the aggregate, one index probe per customer.
    SELECT p.customer_id, rating.pd AS rated_pd,
           greatest(CAST(:lgd_floor AS numeric),
                    1 - coalesce(col.value, 0) / nullif(p.ead, 0)) AS lgd
    FROM per_customer p
    LEFT JOIN collateral col ON col.customer_id = p.customer_id
    LEFT JOIN LATERAL (
        SELECT CAST(r.result ->> 'pd' AS numeric) AS pd
        FROM customer.ratings r
        WHERE r.customer_id = p.customer_id
        ORDER BY r.rated_at DESC, r.id DESC
        LIMIT 1
    ) AS rating ON TRUE
),
contributions AS (
    SELECT e.key, e.customer_id, e.ead, e.compensated, r.lgd,
           CASE WHEN r.rated_pd IS NULL AND NOT e.compensated THEN e.ead ELSE 0 END AS unrated_ead,
           CASE WHEN e.compensated THEN 1
                ELSE least(1, coalesce(r.rated_pd, CAST(:default_pd AS numeric)) * {pd_factor})
           END AS pd
    FROM exposure e
    JOIN risk r ON r.customer_id = e.customer_id
),
totals AS (
    SELECT {total_key} AS key,
           count(DISTINCT customer_id)::int AS customers,
           coalesce(sum(ead), 0) AS ead,
           coalesce(sum(pd * ead), 0) AS expected_default,
           coalesce(sum(pd * lgd * ead), 0) AS expected_loss,
           coalesce(sum(unrated_ead), 0) AS unrated_ead,
           coalesce(sum(pd * ead) FILTER (WHERE NOT compensated), 0) AS expected_compensations
    FROM contributions
    {group}
)
SELECT t.key, {name} AS name, t.customers, t.ead,
       t.expected_default / nullif(t.ead, 0) AS pd,
       -- Weighted by expected default, so that EL = PD x LGD x EAD holds for the group too.
       t.expected_loss / nullif(t.expected_default, 0) AS lgd,
       t.expected_loss, t.unrated_ead, t.expected_compensations
FROM totals t
{name_join}
ORDER BY {order}
{limit}
"""

_PAGE_FILTER: Final = "AND c.customer_id = ANY(CAST(:page_ids AS uuid[]))"


def _condition(index: int, shock: ShockSql, params: dict[str, Any]) -> str:
    parts = []
    for field, values in shock.filters.items():
        name = f"s{index}_{field}"
        params[name] = list(values)
        parts.append(FILTER_TEMPLATES[field].format(p=name))
    return " AND ".join(parts) if parts else "TRUE"


def expected_loss(
    group_by: GroupBy,
    *,
    shocks: Sequence[ShockSql] = (),
    paged: bool = False,
    top: int | None = None,
) -> tuple[TextClause, dict[str, Any]]:
    """The EL statement and the parameters its shocks bind; the caller adds ``lgd_floor``,
    ``default_pd`` and, if paged, ``page_ids``. ``top`` orders by expected loss, largest first,
    and keeps that many groups (the top contributors)."""
    params: dict[str, Any] = {}
    pd_terms = ["CAST(1 AS numeric)"]
    haircut_terms = ["0"]
    for index, shock in enumerate(shocks):
        condition = _condition(index, shock, params)
        if shock.pd_multiplier is not None:
            params[f"s{index}_pd"] = shock.pd_multiplier
            pd_terms.append(
                f"(CASE WHEN {condition} THEN CAST(:s{index}_pd AS numeric) ELSE 1 END)"
            )
        if shock.haircut_add is not None:
            params[f"s{index}_haircut"] = shock.haircut_add
            where = condition
            if shock.collateral_kinds:
                params[f"s{index}_kinds"] = list(shock.collateral_kinds)
                where += " AND " + COLLATERAL_KIND_TEMPLATE.format(p=f"s{index}_kinds")
            haircut_terms.append(
                f"(CASE WHEN {where} THEN CAST(:s{index}_haircut AS numeric) ELSE 0 END)"
            )
    is_customer = group_by is GroupBy.CUSTOMER
    sql = _EXPECTED_LOSS.format(
        key=GROUP_KEYS[group_by],
        in_force=IN_FORCE,
        page=_PAGE_FILTER if paged else "",
        haircut_add=" + ".join(haircut_terms),
        pd_factor=" * ".join(pd_terms),
        total_key="NULL::text" if group_by is GroupBy.NONE else "key",
        group="" if group_by is GroupBy.NONE else "GROUP BY key",
        name="n.name" if is_customer else "NULL::text",
        name_join="LEFT JOIN customer.customers n ON n.id = t.key::uuid" if is_customer else "",
        order="t.key NULLS LAST" if top is None else "t.expected_loss DESC, t.key",
        limit="" if top is None else f"LIMIT {int(top)}",
    )
    return text(sql), params


# Customers with exposure (docs/DOMAIN.md §16), walked by primary key from the cursor.
EXPOSURE_PAGE = text(
    """
SELECT cu.id
FROM customer.customers cu
WHERE (CAST(:after AS uuid) IS NULL OR cu.id > CAST(:after AS uuid))
  AND EXISTS (
      SELECT 1 FROM customer.contracts c
      WHERE c.customer_id = cu.id
        AND (c.status IN ('active', 'overdue')
             OR (c.status = 'compensated'
                 AND c.compensated_amount > c.recovered_amount + c.loss_amount)))
ORDER BY cu.id
LIMIT :limit
"""
)


# docs/DOMAIN.md §16: principal × fee_rate × days in force in [:first_day, :last_day] / 365.
# A contract is in force from its activation day up to the day before it left force.
FEE_INCOME = text(
    """
SELECT coalesce(sum(c.principal * c.fee_rate
                    * (least(coalesce(c.released_on, CAST(:last_day AS date) + 1),
                             CAST(:last_day AS date) + 1)
                       - greatest(c.activated_on, CAST(:first_day AS date))) / 365), 0)
           AS fee_income,
       count(*) FILTER (WHERE c.fee_rate IS NULL) AS contracts_without_fee_rate
FROM customer.contracts c
WHERE c.activated_on IS NOT NULL AND c.activated_on <= CAST(:last_day AS date)
  AND (c.released_on IS NULL OR c.released_on > CAST(:first_day AS date))
"""
)

# The guarantee liability in force at the end of each year from the first activation to :year
# (that year ends on :year_end), read from the ledger in one pass: each event changes the
# contract's liability in force by the difference from its previous event, the changes are
# summed by year, and a running sum over the years gives each year-end. (A join of every
# ledger interval with every year-end cost a nested loop and, planned at millions of rows, JIT.)
YEAR_END_LIABILITY = text(
    """
WITH changes AS (
    SELECT e.occurred_on, CAST(extract(year FROM e.occurred_on) AS int) AS year,
           liability - coalesce(lag(liability) OVER (PARTITION BY e.contract_id ORDER BY e.seq), 0)
               AS change
    FROM customer.contract_events e
    JOIN customer.contracts c ON c.id = e.contract_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN e.status_after IN ('active', 'overdue')
                    THEN e.balance_after * c.guarantee_ratio ELSE 0 END AS liability
    ) AS after_event
),
by_year AS (
    SELECT year, sum(change) AS change
    FROM changes
    WHERE occurred_on <= CAST(:year_end AS date)
    GROUP BY year
),
first_year AS (
    SELECT coalesce(min(year), CAST(:year AS int)) AS year FROM by_year
)
SELECT y AS year,
       sum(coalesce(b.change, 0)) OVER (ORDER BY y) AS liability
FROM first_year f
CROSS JOIN generate_series(least(f.year, CAST(:year AS int)), CAST(:year AS int)) AS y
LEFT JOIN by_year b ON b.year = y
ORDER BY y
"""
)
