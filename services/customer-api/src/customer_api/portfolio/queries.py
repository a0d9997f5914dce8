"""The portfolio's SQL: each figure is aggregated by PostgreSQL in one statement.

Rows are never loaded into Python to be summed: at a million contracts that would move the whole
book over the wire for every request. The statements are plain SQL because they are mostly
CTEs and FILTER aggregates, which read more clearly here than as SQLAlchemy expressions; the
only text spliced in is a grouping expression taken from the closed map :data:`GROUP_KEYS`.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import JSON, BindParameter, TextClause, bindparam, text

from guarantee_shared.schemas.portfolio import GroupBy

IN_FORCE: Final = "('active', 'overdue')"

# `cu` is the customer, `c` the contract. Keys are text so every group_by shares one shape.
GROUP_KEYS: Final[dict[GroupBy, str]] = {
    GroupBy.NONE: "NULL::text",
    GroupBy.RISK_TIER: "cu.risk_tier",
    GroupBy.CUSTOMER_CLASS: "cu.customer_class",
    GroupBy.SIZE_CLASS: "cu.size_class",
    GroupBy.INDUSTRY_SECTION: "cu.industry_section",
    GroupBy.PRODUCT: "c.product",
    GroupBy.LENDER: "c.lender",
    GroupBy.CUSTOMER: "c.customer_id::text",
}

_INDICATORS = """
WITH stock AS (
    SELECT {key} AS key,
           count(DISTINCT c.customer_id) AS customers,
           count(*) AS contracts,
           sum(c.outstanding_balance) AS outstanding_balance,
           sum(c.outstanding_balance * c.guarantee_ratio) AS guarantee_liability,
           sum(c.overdue_amount) AS overdue_amount,
           coalesce(sum(c.outstanding_balance) FILTER (WHERE c.status = 'overdue'), 0)
               AS overdue_balance
    FROM customer.contracts c
    LEFT JOIN customer.customers cu ON cu.id = c.customer_id
    WHERE c.status IN {in_force} {page}
    GROUP BY 1
),
collateral AS (
    SELECT {key} AS key, sum(col.appraised_value * (1 - col.haircut)) AS collateral_value
    FROM customer.contracts c
    JOIN customer.collaterals col ON col.contract_id = c.id
    LEFT JOIN customer.customers cu ON cu.id = c.customer_id
    WHERE c.status IN {in_force} {page}
    GROUP BY 1
),
released AS (
    SELECT {key} AS key, sum(c.principal) AS released_amount
    FROM customer.contracts c
    LEFT JOIN customer.customers cu ON cu.id = c.customer_id
    WHERE c.released_on BETWEEN :window_start AND :as_of {page}
    GROUP BY 1
),
-- The compensation side of the ledger is read through ix_contract_events_type_occurred, which
-- covers contract_id and amount, and summed straight into the groups.
flows AS (
    SELECT {key} AS key,
           coalesce(sum(e.amount) FILTER (
               WHERE e.type = 'compensation' AND e.occurred_on >= :window_start), 0)
               AS compensated,
           coalesce(sum(e.amount) FILTER (
               WHERE e.type = 'recovery' AND e.occurred_on >= :window_start), 0) AS recovered,
           coalesce(sum(e.amount) FILTER (
               WHERE e.type = 'write_off' AND e.occurred_on >= :window_start), 0) AS written_off,
           coalesce(sum(CASE WHEN e.type = 'compensation' THEN e.amount ELSE -e.amount END)
               FILTER (WHERE e.occurred_on < :window_start), 0) AS balance_at_start,
           coalesce(sum(CASE WHEN e.type = 'compensation' THEN e.amount ELSE -e.amount END), 0)
               AS balance_at_end
    FROM customer.contract_events e
    JOIN customer.contracts c ON c.id = e.contract_id
    LEFT JOIN customer.customers cu ON cu.id = c.customer_id
    WHERE e.type IN ('compensation', 'recovery', 'write_off') AND e.occurred_on <= :as_of
      {page}
    GROUP BY 1
),
parts AS (
    SELECT key, customers, contracts, outstanding_balance, guarantee_liability, overdue_amount,
           overdue_balance, 0 AS collateral_value, 0 AS released_amount, 0 AS compensated,
           0 AS recovered, 0 AS written_off, 0 AS balance_at_start, 0 AS balance_at_end
    FROM stock
    UNION ALL
    SELECT key, 0, 0, 0, 0, 0, 0, collateral_value, 0, 0, 0, 0, 0, 0 FROM collateral
    UNION ALL
    SELECT key, 0, 0, 0, 0, 0, 0, 0, released_amount, 0, 0, 0, 0, 0 FROM released
    UNION ALL
    SELECT key, 0, 0, 0, 0, 0, 0, 0, 0, compensated, recovered, written_off, balance_at_start,
           balance_at_end
    FROM flows
),
totals AS (
    SELECT {total_key} AS key,
           coalesce(sum(customers), 0)::int AS customers,
           coalesce(sum(contracts), 0)::int AS contracts,
           coalesce(sum(outstanding_balance), 0) AS outstanding_balance,
           coalesce(sum(guarantee_liability), 0) AS guarantee_liability,
           coalesce(sum(collateral_value), 0) AS collateral_value,
           coalesce(sum(overdue_amount), 0) AS overdue_amount,
           coalesce(sum(overdue_balance), 0) AS overdue_balance,
           coalesce(sum(released_amount), 0) AS released_amount,
           coalesce(sum(compensated), 0) AS compensated_amount,
           coalesce(sum(recovered), 0) AS recovered_amount,
           coalesce(sum(written_off), 0) AS loss_amount,
           coalesce(sum(balance_at_start), 0) AS balance_at_start,
           coalesce(sum(balance_at_end), 0) AS compensation_balance
    FROM parts
    {group}
)
SELECT t.key, {name} AS name, t.customers, t.contracts, t.outstanding_balance,
       t.guarantee_liability, t.collateral_value,
       t.collateral_value / nullif(t.guarantee_liability, 0) AS coverage_ratio,
       t.overdue_amount,
       t.overdue_balance / nullif(t.outstanding_balance, 0) AS overdue_rate,
       t.released_amount, t.compensated_amount,
       t.compensated_amount / nullif(t.released_amount, 0) AS compensation_rate,
       t.recovered_amount,
       t.recovered_amount / nullif(t.balance_at_start + t.compensated_amount, 0) AS recovery_rate,
       t.compensation_balance, t.loss_amount,
       t.loss_amount / nullif(t.released_amount, 0) AS loss_rate
FROM totals t
{name_join}
ORDER BY t.key NULLS LAST
"""

_PAGE_FILTER = "AND c.customer_id = ANY(CAST(:page_ids AS uuid[]))"


# The longest industry watch-list prefix the customer's code falls under (null when none), so
# each customer counts under one entry only (docs/DOMAIN.md §15).
WATCH_KEY: Final = (
    "(SELECT w.industry_prefix FROM customer.industry_watch w"
    " WHERE starts_with(cu.industry_code, w.industry_prefix)"
    " ORDER BY length(w.industry_prefix) DESC LIMIT 1)"
)


def indicators_by_watch() -> TextClause:
    """The indicator statement grouped by :data:`WATCH_KEY`; binds ``as_of``, ``window_start``."""
    return text(
        _INDICATORS.format(
            key=WATCH_KEY,
            in_force=IN_FORCE,
            page="",
            total_key="key",
            group="GROUP BY key",
            name="NULL::text",
            name_join="",
        )
    )


def indicators(group_by: GroupBy, *, paged: bool) -> TextClause:
    """The indicator statement; binds ``as_of``, ``window_start`` and, if paged, ``page_ids``.

    group_by=none aggregates without GROUP BY, so an empty book still yields its one row of
    zeros (and null ratios).
    """
    is_customer = group_by is GroupBy.CUSTOMER
    sql = _INDICATORS.format(
        key=GROUP_KEYS[group_by],
        in_force=IN_FORCE,
        page=_PAGE_FILTER if paged else "",
        total_key="NULL::text" if group_by is GroupBy.NONE else "key",
        group="" if group_by is GroupBy.NONE else "GROUP BY key",
        name="n.name" if is_customer else "NULL::text",
        name_join="LEFT JOIN customer.customers n ON n.id = t.key::uuid" if is_customer else "",
    )
    return text(sql)


# A customer is listed when it has a contract in force, a release in the window or
# compensation history up to as_of: the same rows the grouped statement produces. Walking the
# primary key from the cursor keeps a page's cost independent of how deep it is.
CUSTOMER_PAGE = text(
    """
SELECT cu.id
FROM customer.customers cu
WHERE (CAST(:after AS uuid) IS NULL OR cu.id > CAST(:after AS uuid))
  AND EXISTS (
      SELECT 1 FROM customer.contracts c
      WHERE c.customer_id = cu.id
        AND (c.status IN ('active', 'overdue')
             OR c.released_on BETWEEN :window_start AND :as_of
             OR (c.compensated_amount > 0 AND EXISTS (
                     SELECT 1 FROM customer.contract_events e
                     WHERE e.contract_id = c.id AND e.type = 'compensation'
                       AND e.occurred_on <= :as_of))))
ORDER BY cu.id
LIMIT :limit
"""
)

# Credit-event kinds that are adverse while unresolved (docs/DOMAIN.md §3, §10).
ADVERSE_KINDS: Final = (
    "loan_overdue",
    "default",
    "tax_arrears",
    "abnormal_operation",
    "litigation",
    "dishonest_executee",
    "administrative_penalty",
)

# Every branch yields (customer_id, kind, source_id, observed_at, number, word, grade, detail).
# Dates are China's (UTC+8, no daylight saving): timestamps are shifted by 8 hours first.
_SIGNALS = """
WITH ranked_ratings AS (
    -- The newest rating against the one before it: a worse tier is a downgrade.
    SELECT r.id, r.customer_id, r.rated_at, r.risk_tier,
           lead(r.risk_tier) OVER w AS previous_tier,
           row_number() OVER w AS recency
    FROM customer.ratings r
    WINDOW w AS (PARTITION BY r.customer_id ORDER BY r.rated_at DESC, r.id DESC)
),
latest_grades AS (
    -- A grade is superseded by the next one of its kind, so only the newest can signal.
    SELECT DISTINCT ON (e.customer_id, e.kind) e.*
    FROM customer.credit_events e
    WHERE e.kind IN ('tax_credit_grade', 'external_rating')
    ORDER BY e.customer_id, e.kind, e.occurred_on DESC, e.created_at DESC
),
annuals AS (
    SELECT s.id, s.customer_id, s.period_end, s.revenue,
           lead(s.revenue) OVER w AS previous_revenue,
           row_number() OVER w AS recency
    FROM customer.financial_statements s
    WHERE s.period_type = 'annual'
    WINDOW w AS (PARTITION BY s.customer_id ORDER BY s.period_end DESC)
),
latest_statement AS (
    -- docs/DOMAIN.md §2: the newest annual statement, a quarterly one only when there is no annual.
    SELECT DISTINCT ON (s.customer_id) s.*
    FROM customer.financial_statements s
    ORDER BY s.customer_id, (s.period_type = 'annual') DESC, s.period_end DESC
),
watched AS (
    -- docs/DOMAIN.md §15: the longest prefix of the customer's industry code on the list in effect.
    SELECT DISTINCT ON (cu.id) cu.id AS customer_id, cu.industry_code, w.id, w.industry_prefix,
           w.level, w.effective_from
    FROM customer.customers cu
    JOIN customer.industry_watch w
      ON starts_with(cu.industry_code, w.industry_prefix)
     AND w.effective_from <= CAST(:today AS date)
    ORDER BY cu.id, length(w.industry_prefix) DESC
),
latest_interaction AS (
    -- docs/DOMAIN.md §15: a later interaction answers an earlier one's follow-up, so only the
    -- customer's latest (by day, then by when it was recorded) can be overdue.
    SELECT DISTINCT ON (i.customer_id) i.*
    FROM customer.interactions i
    ORDER BY i.customer_id, i.occurred_on DESC, i.created_at DESC, i.id DESC
),
signals AS (
    SELECT c.customer_id, 'contract_overdue' AS kind, c.id AS source_id,
           coalesce(c.overdue_since, c.activated_on, c.start_date) AS observed_at,
           (CAST(:today AS date) - coalesce(c.overdue_since, c.activated_on, c.start_date))::numeric
               AS number,
           NULL::text AS word, NULL::text AS grade,
           'contract ' || c.contract_no || ': overdue amount ' || c.overdue_amount::text
               || ' of balance ' || c.outstanding_balance::text AS detail
    FROM customer.contracts c
    WHERE c.status = 'overdue'
    UNION ALL
    SELECT e.customer_id, 'adverse_event', e.id, e.occurred_on, NULL, e.kind, e.grade, e.detail
    FROM customer.credit_events e
    WHERE e.resolved_on IS NULL AND e.kind IN :adverse_kinds
    UNION ALL
    SELECT g.customer_id, 'adverse_event', g.id, g.occurred_on, NULL, g.kind, g.grade, g.detail
    FROM latest_grades g
    WHERE (g.kind = 'tax_credit_grade' AND g.grade IN ('C', 'D'))
       OR (g.kind = 'external_rating' AND g.grade IN ('CCC', 'CC', 'C'))
    UNION ALL
    SELECT a.customer_id, 'revenue_drop', a.id, a.period_end, a.revenue / a.previous_revenue - 1,
           NULL, NULL,
           'annual revenue ' || a.revenue::text || ' against ' || a.previous_revenue::text
    FROM annuals a
    WHERE a.recency = 1 AND a.previous_revenue > 0
      AND a.revenue / a.previous_revenue - 1 <= :revenue_drop
    UNION ALL
    SELECT s.customer_id, 'negative_operating_cash_flow', s.id, s.period_end, NULL,
           s.operating_cash_flow::text, NULL,
           s.period_type || ' statement ending ' || s.period_end::text
    FROM latest_statement s
    WHERE s.operating_cash_flow < 0
    UNION ALL
    SELECT s.customer_id, 'high_debt_ratio', s.id, s.period_end,
           s.total_liabilities / s.total_assets, NULL, NULL,
           s.period_type || ' statement ending ' || s.period_end::text
    FROM latest_statement s
    WHERE s.total_assets > 0 AND s.total_liabilities / s.total_assets > :high_debt_ratio
    UNION ALL
    SELECT cu.id, 'review_overdue', cu.id, cu.next_review_due,
           (CAST(:today AS date) - cu.next_review_due)::numeric, NULL, NULL,
           'review was due ' || cu.next_review_due::text
    FROM customer.customers cu
    WHERE cu.next_review_due < CAST(:today AS date)
    UNION ALL
    -- Unresolved complaints past their due time; a late resolution ends the signal.
    SELECT cm.customer_id, 'complaint_breached', cm.id,
           (cm.due_at AT TIME ZONE 'UTC' + interval '8 hours')::date,
           floor(extract(epoch FROM now() - cm.due_at) / 86400)::numeric, NULL, NULL,
           cm.severity || ' complaint (' || cm.category || ') was due '
               || to_char(cm.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    FROM customer.complaints cm
    WHERE cm.status IN ('open', 'assigned', 'responded') AND cm.due_at < now()
    UNION ALL
    SELECT rr.customer_id, 'tier_downgrade', rr.id,
           (rr.rated_at AT TIME ZONE 'UTC' + interval '8 hours')::date,
           NULL, rr.risk_tier, NULL,
           'risk tier ' || rr.previous_tier || ' -> ' || rr.risk_tier
    FROM ranked_ratings rr
    WHERE rr.recency = 1
      AND array_position(ARRAY['low', 'medium', 'high'], rr.risk_tier)
          > array_position(ARRAY['low', 'medium', 'high'], rr.previous_tier)
    UNION ALL
    SELECT wa.customer_id, 'industry_watch', wa.id, wa.effective_from, NULL, wa.level, NULL,
           'industry ' || wa.industry_code || ' is under ' || wa.industry_prefix
               || ' on the watch-list (' || wa.level || ')'
    FROM watched wa
    UNION ALL
    SELECT li.customer_id, 'follow_up_overdue', li.id, li.follow_up_on + 1,
           (CAST(:today AS date) - li.follow_up_on)::numeric, NULL, NULL,
           li.kind || ' on ' || li.occurred_on::text || ' promised a follow-up by '
               || li.follow_up_on::text
    FROM latest_interaction li
    WHERE li.follow_up_on < CAST(:today AS date)
    UNION ALL
    -- docs/DOMAIN.md §13: a finding still open the day after its due_on.
    SELECT f.customer_id, 'finding_overdue', f.id, f.due_on + 1,
           (CAST(:today AS date) - f.due_on)::numeric, NULL, NULL,
           f.severity || ' finding due ' || f.due_on::text || ': ' || left(f.description, 200)
    FROM customer.findings f
    WHERE f.status = 'open' AND f.due_on < CAST(:today AS date)
)
SELECT s.customer_id, cu.name AS customer_name, s.kind, s.source_id, s.observed_at, s.number,
       s.word, s.grade, s.detail
FROM signals s
JOIN customer.customers cu ON cu.id = s.customer_id
WHERE cu.status = 'active' {filters}
ORDER BY s.observed_at, s.customer_id, s.kind, s.source_id
LIMIT :limit
"""

SIGNAL_SINCE: Final = "AND s.observed_at >= :since"
SIGNAL_KINDS: Final = "AND s.kind IN :kinds"
SIGNAL_AFTER: Final = (
    "AND (s.observed_at, s.customer_id, s.kind, s.source_id)"
    " > (CAST(:after_observed AS date), CAST(:after_customer AS uuid), CAST(:after_kind AS text),"
    " CAST(:after_source AS uuid))"
)


def signals(filters: list[str]) -> TextClause:
    """The signal statement with the given fragments (constants of this module) in its WHERE."""
    expanding: list[BindParameter[Any]] = [bindparam("adverse_kinds", expanding=True)]
    if SIGNAL_KINDS in filters:
        expanding.append(bindparam("kinds", expanding=True))
    return text(_SIGNALS.format(filters=" ".join(filters))).bindparams(*expanding)


# docs/DOMAIN.md §9. Non-financing (performance-type) guarantees carry no weighted liability.
NON_FINANCING_PRODUCTS: Final = ("bid_bond", "performance_bond", "litigation_preservation")
# 借款类担保 of the 2018 measurement rules: guarantees of money lent or credit extended.
LOAN_TYPE_PRODUCTS: Final = ("loan", "bill_acceptance", "trade_finance")
# "AA级以上": the issuer's latest external rating is AA or above; AA- is below AA.
BOND_RATINGS_AT_80: Final = ("AAA", "AA+", "AA")

REGULATORY = (
    text(
        """
WITH in_force AS (
    SELECT c.customer_id, c.product, c.outstanding_balance AS balance,
           c.outstanding_balance * c.guarantee_ratio AS liability,
           c.product NOT IN :non_financing AS financing
    FROM customer.contracts c
    WHERE c.status IN ('active', 'overdue')
    -- A contract about to be activated (the policy check, DOMAIN §14): the figures "after" it.
    UNION ALL
    SELECT CAST(:proposed_customer AS uuid), CAST(:proposed_product AS text),
           CAST(:proposed_balance AS numeric),
           CAST(:proposed_balance AS numeric) * CAST(:proposed_ratio AS numeric),
           CAST(:proposed_product AS text) NOT IN :non_financing
    WHERE CAST(:proposed_customer AS uuid) IS NOT NULL
),
per_customer AS (
    SELECT f.customer_id,
           sum(f.balance) AS total_balance,
           count(*) FILTER (WHERE f.financing) AS financing_contracts,
           coalesce(sum(f.balance) FILTER (WHERE f.financing), 0) AS financing_balance,
           coalesce(sum(f.liability) FILTER (WHERE f.financing), 0) AS financing_liability,
           coalesce(sum(f.liability) FILTER (WHERE f.product IN :loan_type), 0) AS loan_liability,
           coalesce(sum(f.liability) FILTER (WHERE f.product = 'bond'), 0) AS bond_liability
    FROM in_force f
    GROUP BY f.customer_id
),
weighted AS (
    SELECT p.*, cu.name, cu.related_group,
           coalesce(cu.size_class IN ('small', 'micro'), FALSE) AS small_micro,
           CASE WHEN cu.size_class IN ('small', 'micro') AND p.total_balance <= :small_loan_ceiling
                THEN p.loan_liability ELSE 0 END AS liability_75,
           -- The issuer's latest external rating, looked up only for customers with bonds.
           CASE WHEN p.bond_liability > 0 AND (
                    SELECT r.grade IN :bond_grades
                    FROM customer.credit_events r
                    WHERE r.customer_id = p.customer_id AND r.kind = 'external_rating'
                    ORDER BY r.occurred_on DESC, r.created_at DESC
                    LIMIT 1)
                THEN p.bond_liability ELSE 0 END AS liability_80
    FROM per_customer p
    JOIN customer.customers cu ON cu.id = p.customer_id
    WHERE p.financing_contracts > 0
),
groups AS (
    SELECT coalesce(w.related_group, min(w.name)) AS name, w.related_group,
           count(*) AS customers, sum(w.financing_liability) AS liability
    FROM weighted w
    -- A customer in no group is a group of its own.
    GROUP BY w.related_group, CASE WHEN w.related_group IS NULL THEN w.customer_id END
)
SELECT coalesce(sum(financing_liability), 0) AS financing_liability,
       coalesce(sum(liability_75), 0) AS liability_75,
       coalesce(sum(liability_80), 0) AS liability_80,
       coalesce(sum(financing_balance), 0) AS financing_balance,
       coalesce(sum(financing_balance) FILTER (WHERE small_micro), 0) AS small_micro_balance,
       count(*) AS customers,
       count(*) FILTER (WHERE small_micro) AS small_micro_customers,
       (SELECT coalesce(json_agg(t), '[]'::json) FROM (
            SELECT customer_id, name, financing_liability::text AS liability
            FROM weighted ORDER BY financing_liability DESC, customer_id LIMIT :top) t
       ) AS top_customers,
       (SELECT coalesce(json_agg(t), '[]'::json) FROM (
            -- Qualified: the bare name would sort by the text output column.
            SELECT g.name, g.related_group, g.customers, g.liability::text AS liability
            FROM groups g ORDER BY g.liability DESC, g.name LIMIT :top) t
       ) AS top_groups,
       -- One customer's financing liability, and its related group's (itself when in none).
       coalesce(sum(financing_liability)
                FILTER (WHERE customer_id = CAST(:focus AS uuid)), 0) AS focus_liability,
       coalesce(sum(financing_liability) FILTER (
           WHERE customer_id = CAST(:focus AS uuid) OR related_group = (
               SELECT f.related_group FROM customer.customers f
               WHERE f.id = CAST(:focus AS uuid))), 0) AS focus_group_liability
FROM weighted
"""
    )
    .bindparams(
        bindparam("non_financing", expanding=True),
        bindparam("loan_type", expanding=True),
        bindparam("bond_grades", expanding=True),
    )
    .columns(top_customers=JSON, top_groups=JSON)
)
