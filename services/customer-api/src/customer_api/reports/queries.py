"""The review report's own SQL; each section is aggregated by PostgreSQL in one statement.

Book indicators and regulatory figures are not here: the report reuses the portfolio's
statements (:mod:`customer_api.portfolio.queries`). Like those, these are plain SQL because they
are CTEs, FILTER aggregates and grouping sets; nothing is spliced in but bound parameters.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import JSON, bindparam, text

# Longest list a section carries; its counts always cover everything.
LIST_MAX: Final = 1000

# Ratings are stamped in UTC; the business day is China's (guarantee_shared.clock). A fixed
# offset, so no time-zone database is needed (and no POSIX sign trap).
_CHINA_DATE: Final = "((r.rated_at AT TIME ZONE 'UTC') + interval '8 hours')::date"

_LIABILITY = """
liability AS (
    SELECT c.customer_id, sum(c.outstanding_balance * c.guarantee_ratio) AS liability
    FROM customer.contracts c
    WHERE c.status IN ('active', 'overdue')
    GROUP BY c.customer_id
)"""

# (fact, SQL test). Text facts count when not blank; credit_code is required by the schema and
# listed so the table reads as the plan's list.
FACTS: Final = (
    ("name", "btrim(cu.name) <> ''"),
    ("credit_code", "cu.credit_code IS NOT NULL"),
    ("legal_representative", "btrim(cu.legal_representative) <> ''"),
    ("registered_capital", "cu.registered_capital IS NOT NULL"),
    ("established_on", "cu.established_on IS NOT NULL"),
    ("industry_code", "btrim(cu.industry_code) <> ''"),
    ("main_business", "btrim(cu.main_business) <> ''"),
    ("employees", "cu.employees IS NOT NULL"),
)

_FACT_COLUMNS = ",\n       ".join(f"coalesce({test}, FALSE) AS {fact}" for fact, test in FACTS)
_FACT_COUNTS = ",\n       ".join(f"count(*) FILTER (WHERE f.{fact}) AS {fact}" for fact, _ in FACTS)
_ALL_FACTS = " AND ".join(f"f.{fact}" for fact, _ in FACTS)

_TIER_RANK = "CASE {col} WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 END"

# The fragments the statements below are assembled from: constants of this module only.
_PARTS: Final = {
    "liability": _LIABILITY,
    "china_date": _CHINA_DATE,
    "fact_columns": _FACT_COLUMNS,
    "fact_counts": _FACT_COUNTS,
    "all_facts": _ALL_FACTS,
    "rank_current": _TIER_RANK.format(col="r.risk_tier"),
    "rank_previous": _TIER_RANK.format(col="lag(r.risk_tier) OVER w"),
}

_TOTALS = """
WITH {liability}
SELECT count(*) AS customers,
       count(*) FILTER (WHERE cu.status = 'active') AS active_customers,
       count(*) FILTER (WHERE cu.status = 'active' AND cu.risk_tier IS NOT NULL)
           AS rated_customers,
       count(l.customer_id) FILTER (WHERE cu.status = 'active') AS customers_in_force
FROM customer.customers cu
LEFT JOIN liability l ON l.customer_id = cu.id
"""
TOTALS = text(_TOTALS.format(**_PARTS))

# One pass over active customers; GROUPING tells which of the three sets a row belongs to.
_DISTRIBUTION = """
WITH {liability},
active AS (
    SELECT coalesce(cu.customer_class, 'unrated') AS customer_class,
           coalesce(cu.risk_tier, 'unrated') AS risk_tier,
           coalesce(cu.size_class, 'unrated') AS size_class,
           coalesce(cu.industry_section, 'unknown') AS industry_section,
           coalesce(cu.ownership, 'unknown') AS ownership,
           coalesce(cu.market_position, 'unknown') AS market_position,
           coalesce(l.liability, 0) AS liability
    FROM customer.customers cu
    LEFT JOIN liability l ON l.customer_id = cu.id
    WHERE cu.status = 'active'
)
SELECT CASE WHEN GROUPING(a.customer_class) = 0 THEN 'class_tier'
            WHEN GROUPING(a.size_class) = 0 THEN 'size'
            WHEN GROUPING(a.ownership) = 0 THEN 'ownership'
            WHEN GROUPING(a.market_position) = 0 THEN 'market_position'
            ELSE 'industry' END AS dimension,
       a.customer_class, a.risk_tier, a.size_class, a.industry_section, a.ownership,
       a.market_position,
       count(*) AS customers, sum(a.liability) AS guarantee_liability
FROM active a
GROUP BY GROUPING SETS ((a.customer_class, a.risk_tier), (a.size_class), (a.industry_section),
                        (a.ownership), (a.market_position))
ORDER BY 1, 2, 3, 4, 5, 6, 7
"""
DISTRIBUTION = text(_DISTRIBUTION.format(**_PARTS))

_HIGH_RISK = """
WITH {liability}
SELECT cu.id AS customer_id, cu.name, cu.risk_tier, cu.customer_class, cu.credit_grade,
       cu.score, cu.rated_at, coalesce(l.liability, 0) AS guarantee_liability,
       r.result -> 'reasons' AS reasons, r.result -> 'knockouts' AS knockouts,
       r.result ->> 'strategy' AS strategy,
       count(*) OVER () AS total
FROM customer.customers cu
LEFT JOIN liability l ON l.customer_id = cu.id
LEFT JOIN LATERAL (
    SELECT r.result FROM customer.ratings r
    WHERE r.customer_id = cu.id
    ORDER BY r.rated_at DESC, r.id DESC
    LIMIT 1
) r ON TRUE
WHERE cu.status = 'active' AND (cu.risk_tier = 'high' OR cu.customer_class = 'high_risk')
ORDER BY coalesce(l.liability, 0) DESC, cu.score NULLS FIRST, cu.id
LIMIT :limit
"""
HIGH_RISK = text(_HIGH_RISK.format(**_PARTS)).columns(reasons=JSON, knockouts=JSON)

REVIEWS_DUE = text(
    """
WITH counts AS (
    SELECT count(*) FILTER (WHERE cu.next_review_due <= :horizon) AS due,
           count(*) FILTER (WHERE cu.next_review_due < :as_of) AS overdue,
           count(*) FILTER (WHERE cu.next_review_due IS NULL) AS unscheduled
    FROM customer.customers cu
    WHERE cu.status = 'active'
)
SELECT k.due, k.overdue, k.unscheduled, d.*
FROM counts k
LEFT JOIN LATERAL (
    SELECT cu.id AS customer_id, cu.name, cu.risk_tier, cu.next_review_due,
           cu.last_verified_at
    FROM customer.customers cu
    WHERE cu.status = 'active' AND cu.next_review_due <= :horizon
    ORDER BY cu.next_review_due, cu.id
    LIMIT :limit
) d ON TRUE
"""
)

_COMPLETENESS = """
WITH f AS (
    SELECT {fact_columns},
           EXISTS (SELECT 1 FROM customer.financial_statements s
                   WHERE s.customer_id = cu.id
                     AND s.period_end > :statement_from AND s.period_end <= :as_of)
               AS current_statement
    FROM customer.customers cu
    WHERE cu.status = 'active'
)
SELECT count(*) AS customers,
       {fact_counts},
       count(*) FILTER (WHERE f.current_statement) AS current_statement,
       count(*) FILTER (WHERE {all_facts}) AS complete_profiles,
       count(*) FILTER (WHERE {all_facts} AND f.current_statement) AS complete
FROM f
"""
COMPLETENESS = text(_COMPLETENESS.format(**_PARTS))

# A full join, so compensated customers without a cohort rating show as tier `unrated`.
_GRADING = """
WITH cohort AS (
    SELECT DISTINCT ON (r.customer_id) r.customer_id, r.risk_tier
    FROM customer.ratings r
    WHERE {china_date} <= :cohort_date
    ORDER BY r.customer_id, r.rated_at DESC, r.id DESC
),
compensated AS (
    SELECT DISTINCT c.customer_id
    FROM customer.contract_events e
    JOIN customer.contracts c ON c.id = e.contract_id
    WHERE e.type = 'compensation' AND e.occurred_on > :cohort_date AND e.occurred_on <= :as_of
)
SELECT coalesce(co.risk_tier, 'unrated') AS risk_tier,
       count(co.customer_id) AS customers,
       count(cp.customer_id) AS compensated
FROM cohort co
FULL JOIN compensated cp ON cp.customer_id = co.customer_id
GROUP BY 1
"""
GRADING = text(_GRADING.format(**_PARTS))

# One row per compensation in the window with the warnings that preceded it (few rows: the
# compensations of a year), so alerts can be matched against the same rows in Python.
_WARNINGS = """
WITH compensations AS (
    SELECT e.id, c.customer_id, e.occurred_on, e.amount
    FROM customer.contract_events e
    JOIN customer.contracts c ON c.id = e.contract_id
    WHERE e.type = 'compensation' AND e.occurred_on >= :window_start
      AND e.occurred_on <= :as_of
),
downgrades AS (
    SELECT r.customer_id, {china_date} AS observed_on,
           {rank_current} AS rank,
           {rank_previous} AS previous_rank
    FROM customer.ratings r
    WHERE r.customer_id IN (SELECT customer_id FROM compensations)
    WINDOW w AS (PARTITION BY r.customer_id ORDER BY r.rated_at, r.id)
),
warnings AS (
    SELECT c.customer_id, 'contract_overdue' AS source, e.occurred_on AS observed_on
    FROM customer.contract_events e
    JOIN customer.contracts c ON c.id = e.contract_id
    WHERE e.type = 'overdue' AND c.customer_id IN (SELECT customer_id FROM compensations)
    UNION ALL
    SELECT ce.customer_id, 'adverse_event', ce.occurred_on
    FROM customer.credit_events ce
    WHERE ce.customer_id IN (SELECT customer_id FROM compensations)
      AND (ce.kind IN :adverse_kinds
           OR (ce.kind = 'tax_credit_grade' AND ce.grade IN ('C', 'D'))
           OR (ce.kind = 'external_rating' AND ce.grade IN ('CCC', 'CC', 'C')))
    UNION ALL
    SELECT d.customer_id, 'tier_downgrade', d.observed_on
    FROM downgrades d
    WHERE d.rank > d.previous_rank
)
SELECT cm.id, cm.customer_id, cu.name, cm.occurred_on, coalesce(cm.amount, 0) AS amount,
       coalesce(array_agg(DISTINCT w.source) FILTER (WHERE w.source IS NOT NULL), '{{}}')
           AS sources,
       min(w.observed_on) AS first_warning
FROM compensations cm
JOIN customer.customers cu ON cu.id = cm.customer_id
LEFT JOIN warnings w ON w.customer_id = cm.customer_id
    AND w.observed_on >= cm.occurred_on - CAST(:lead_days AS integer)
    AND w.observed_on < cm.occurred_on
GROUP BY cm.id, cm.customer_id, cu.name, cm.occurred_on, cm.amount
ORDER BY cm.occurred_on DESC, cm.id DESC
"""
WARNINGS = text(_WARNINGS.format(**_PARTS)).bindparams(bindparam("adverse_kinds", expanding=True))

SATISFACTION = text(
    """
SELECT date_trunc('quarter', s.surveyed_on)::date AS quarter_start,
       count(*) AS surveys, avg(s.score) AS average_score
FROM customer.surveys s
WHERE s.surveyed_on >= :first_quarter AND s.surveyed_on <= :as_of
GROUP BY 1
"""
)

COMPLAINT_SLA = text(
    """
WITH scope AS (
    SELECT cm.severity, cm.due_at,
           CASE WHEN cm.resolved_at <= :at THEN cm.resolved_at END AS resolved_at
    FROM customer.complaints cm
    WHERE cm.created_at <= :at
      AND (cm.created_at >= :window_start OR cm.resolved_at IS NULL OR cm.resolved_at > :at)
)
SELECT coalesce(s.severity, 'all') AS severity,
       count(*) AS complaints,
       count(s.resolved_at) AS resolved,
       count(*) FILTER (WHERE s.resolved_at <= s.due_at) AS resolved_within_due,
       count(*) FILTER (WHERE s.resolved_at IS NULL) AS open,
       count(*) FILTER (WHERE s.resolved_at IS NULL AND s.due_at < :at) AS open_breached
FROM scope s
GROUP BY ROLLUP (s.severity)
"""
)
