"""GET /v1/ratings/backtest: the ratings in force a horizon ago against what happened since.

The expected figures are computed here directly from the crafted book, by definition (every
defaulter–non-defaulter pair for AUC, every threshold for KS, the binomial distribution term
by term for the p-values), not by the code under test.
"""

from __future__ import annotations

import math
from typing import Any

import asyncpg
import httpx
import pytest

from customer_api.ratings import accuracy
from tests.customer_api.backtest_steps import AS_OF, crafted_book, rate
from tests.customer_api.books import Book
from tests.support.auth import bearer


def direct_auc(rows: list[tuple[str, float, int]]) -> float:
    bad = [pd for _, pd, y in rows if y]
    good = [pd for _, pd, y in rows if not y]
    wins = sum(1.0 if b > g else 0.5 if b == g else 0.0 for b in bad for g in good)
    return wins / (len(bad) * len(good))


def direct_ks(rows: list[tuple[str, float, int]]) -> float:
    bad = [pd for _, pd, y in rows if y]
    good = [pd for _, pd, y in rows if not y]
    return max(
        abs(sum(b <= t for b in bad) / len(bad) - sum(g <= t for g in good) / len(good))
        for t in {pd for _, pd, _ in rows}
    )


def binomial_p(k: int, n: int, p: float) -> float:
    """Two-sided exact binomial test: the outcomes no likelier than the one observed."""
    pmf = [math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return min(1.0, sum(q for q in pmf if q <= pmf[k] * (1 + 1e-7)))


async def get(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/ratings/backtest", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_metrics_agree_with_a_direct_computation(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    rows = await crafted_book(db)
    body = await get(client, as_of=AS_OF)

    assert body["cohort_date"] == "2025-06-30"
    assert (body["n"], body["defaults"]) == (8, 3)
    auc = direct_auc(rows)
    assert body["auc"] == pytest.approx(auc)
    assert body["gini"] == pytest.approx(2 * auc - 1)
    assert body["ks"] == pytest.approx(direct_ks(rows))
    assert body["brier"] == pytest.approx(sum((pd - y) ** 2 for _, pd, y in rows) / len(rows))


async def test_grade_and_tier_tables_agree_with_a_direct_computation(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    rows = await crafted_book(db)
    body = await get(client, as_of=AS_OF)

    grades = ["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"]
    assert [g["key"] for g in body["by_grade"]] == grades
    for got in body["by_grade"]:
        members = [(pd, y) for grade, pd, y in rows if grade == got["key"]]
        n, defaults = len(members), sum(y for _, y in members)
        assert (got["n"], got["defaults"]) == (n, defaults)
        if n == 0:
            assert got["default_rate"] is got["mean_pd"] is got["p_value"] is None
            continue
        mean_pd = sum(pd for pd, _ in members) / n
        assert got["default_rate"] == pytest.approx(defaults / n)
        assert got["mean_pd"] == pytest.approx(mean_pd)
        assert got["p_value"] == pytest.approx(binomial_p(defaults, n, mean_pd))
    tiers = {t["key"]: t for t in body["by_tier"]}
    assert list(tiers) == ["low", "medium", "high"]
    assert (tiers["low"]["n"], tiers["low"]["defaults"]) == (2, 0)
    assert (tiers["medium"]["n"], tiers["medium"]["defaults"]) == (3, 2)
    assert (tiers["high"]["n"], tiers["high"]["defaults"]) == (3, 1)
    # A 0 %, BBB 100 %, BB 50 %: default rates fall from BBB to BB.
    assert body["monotone"] is False


async def test_model_version_keeps_that_versions_latest_rating(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    book = Book(db)
    a, b = await book.customer("甲"), await book.customer("乙")
    await rate(db, a, rated_at="2025-01-01T02:00:00", grade="BB", pd=0.02, score=600)
    await rate(db, a, rated_at="2025-02-01T02:00:00", grade="B", pd=0.06, score=520,
               model_version="v2")  # fmt: skip
    await rate(db, b, rated_at="2025-01-01T02:00:00", grade="A", pd=0.002, score=700)
    await book.credit_event(a, kind="default", occurred_on="2025-12-01")

    v1 = await get(client, as_of=AS_OF, model_version="v1")
    assert (v1["n"], v1["defaults"], v1["model_version"]) == (2, 1, "v1")
    assert {g["key"]: g["n"] for g in v1["by_grade"] if g["n"]} == {"A": 1, "BB": 1}
    assert v1["auc"] == 1.0
    assert v1["monotone"] is True
    v2 = await get(client, as_of=AS_OF, model_version="v2")
    assert (v2["n"], v2["defaults"]) == (1, 1)
    assert {g["key"]: g["n"] for g in v2["by_grade"] if g["n"]} == {"B": 1}
    assert (await get(client, as_of=AS_OF, model_version="nobody"))["n"] == 0


async def test_empty_window_gives_nulls(client: httpx.AsyncClient) -> None:
    body = await get(client, as_of=AS_OF)
    assert (body["n"], body["defaults"], body["previous_n"]) == (0, 0, 0)
    for metric in ("auc", "gini", "ks", "brier", "psi", "monotone"):
        assert body[metric] is None, metric
    assert all(g["n"] == 0 and g["default_rate"] is None for g in body["by_grade"])


@pytest.mark.parametrize("defaulted", [False, True])
async def test_one_class_window_gives_nulls_for_what_needs_both(
    client: httpx.AsyncClient, db: asyncpg.Connection, defaulted: bool
) -> None:
    book = Book(db)
    for i, (grade, pd) in enumerate([("A", 0.002), ("BB", 0.02), ("CC", 0.3)]):
        customer = await book.customer(f"客户{i}")
        await rate(db, customer, rated_at="2025-03-01T02:00:00", grade=grade, pd=pd, score=600)
        if defaulted:
            await book.credit_event(customer, kind="default", occurred_on="2025-12-01")

    body = await get(client, as_of=AS_OF)
    assert (body["n"], body["defaults"]) == (3, 3 if defaulted else 0)
    assert body["auc"] is body["gini"] is body["ks"] is None
    expected = [1 - pd if defaulted else pd for pd in (0.002, 0.02, 0.3)]
    assert body["brier"] == pytest.approx(sum(e * e for e in expected) / 3)
    assert body["monotone"] is True  # three grades, the same rate


async def test_psi_compares_with_the_previous_window(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    book = Book(db)
    for i, score in enumerate([450, 520, 600, 650, 700]):
        customer = await book.customer(f"客户{i}")
        # Both windows see the same scores: a stable population.
        await rate(db, customer, rated_at="2024-03-01T02:00:00", grade="BB", pd=0.02,
                   score=score)  # fmt: skip
        await rate(db, customer, rated_at="2025-03-01T02:00:00", grade="BB", pd=0.02,
                   score=score)  # fmt: skip
    body = await get(client, as_of=AS_OF)
    assert (body["previous_cohort_date"], body["previous_n"]) == ("2024-06-30", 5)
    assert body["psi"] == pytest.approx(0.0)
    # A year earlier with a six-month horizon, the previous window (2023-12-31) is empty.
    earlier = await get(client, as_of="2024-12-31", horizon_months=6)
    assert (earlier["n"], earlier["previous_n"], earlier["psi"]) == (5, 0, None)


def test_psi_over_the_deciles_of_the_previous_window() -> None:
    # Scores 1..10 fall one in each decile; the new window piles half into the first and half
    # into the last, leaving eight deciles empty (their share floored at PSI_FLOOR).
    expected = [float(s) for s in range(1, 11)]
    actual = [1.0] * 5 + [10.0] * 5
    floor = accuracy.PSI_FLOOR
    direct = 2 * (0.5 - 0.1) * math.log(0.5 / 0.1) + 8 * (floor - 0.1) * math.log(floor / 0.1)
    assert accuracy.psi(actual, expected) == pytest.approx(direct)


async def test_bad_input_is_a_problem_not_an_error(client: httpx.AsyncClient) -> None:
    for params in (
        {"as_of": "2999-01-01"},
        {"as_of": "2026-13-01"},
        {"horizon_months": 0},
        {"horizon_months": 121},
        {"model_version": ""},
    ):
        response = await client.get("/v1/ratings/backtest", params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


async def test_needs_portfolio_read(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/v1/ratings/backtest", headers=bearer("ratings:read"))
    assert response.status_code == 403
    response = await anon.get("/v1/ratings/backtest", headers=bearer("portfolio:read"))
    assert response.status_code == 200
