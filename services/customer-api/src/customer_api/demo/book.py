"""The demo book, planned as plain request bodies: about 200 customers and 400 contracts.

Deterministic: one fixed seed draws every name, code, figure and offset, and dates count back
from ``today`` — so every load has the same shape, while overdue days, year-to-date flows and
review dates stay live on the day it is loaded.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from customer_api.demo.catalog import (
    BRANDS,
    CAPITAL,
    CITIES,
    GIVEN,
    GROUPS,
    HEALTH,
    INDUSTRIES,
    LENDERS,
    MARKET_POSITIONS,
    OWNERSHIP,
    PRODUCTS,
    SIZES,
    SURNAMES,
)
from customer_api.demo.ledger import (
    STATUS_WEIGHTS,
    ContractPlan,
    money,
    plan_contract,
    round_down,
)
from guarantee_shared.identifiers import ID_CHECK, ID_WEIGHTS, USCC_ALPHABET, uscc_check_char

Json = dict[str, Any]

SEED = 20_241_231
CUSTOMERS = 200
CONTRACTS = 400


@dataclass(frozen=True)
class CustomerPlan:
    body: Json
    statements: tuple[Json, ...]
    credit_events: tuple[Json, ...]
    contracts: tuple[ContractPlan, ...]
    interactions: tuple[Json, ...] = ()


@dataclass(frozen=True)
class Book:
    as_of: date
    customers: tuple[CustomerPlan, ...]

    def status_counts(self) -> Counter[str]:
        return Counter(k.status for c in self.customers for k in c.contracts)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}"


def _pick(rng: random.Random, weighted: dict[str, Any]) -> str:
    keys = list(weighted)
    weights = [w if isinstance(w, int | float) else w[0] for w in weighted.values()]
    return rng.choices(keys, weights)[0]


def credit_code(rng: random.Random, region: str, taken: set[str]) -> str:
    """A GB 32100-2015 code: 9 (registry) 1 (enterprise), region, organisation code, check."""
    while True:
        body = "91" + region + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
        code = body + uscc_check_char(body)
        if code not in taken:
            taken.add(code)
            return code


def id_number(rng: random.Random, region: str, born: date) -> str:
    """A GB 11643 resident ID number with its check character."""
    first17 = f"{region}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return (
        first17 + ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]
    )


def _statement(
    rng: random.Random,
    period_end: date,
    period_type: str,
    revenue: int,
    *,
    debt_ratio: float,
    margin: float,
    ocf_margin: float,
) -> Json:
    assets = int(revenue * rng.uniform(0.7, 1.6) * (4 if period_type == "quarterly" else 1))
    liabilities = int(assets * debt_ratio)
    current_assets = int(assets * rng.uniform(0.35, 0.7))
    net_profit = int(revenue * margin)
    equity = assets - liabilities
    return {
        "period_end": period_end.isoformat(),
        "period_type": period_type,
        "audited": period_type == "annual" and rng.random() < 0.8,
        "total_assets": f"{assets}.00",
        "total_liabilities": f"{liabilities}.00",
        "equity": f"{equity}.00",
        "current_assets": f"{current_assets}.00",
        "current_liabilities": f"{int(liabilities * rng.uniform(0.45, 0.9))}.00",
        "cash": f"{int(current_assets * rng.uniform(0.1, 0.35))}.00",
        "revenue": f"{revenue}.00",
        "net_profit": f"{net_profit}.00",
        "operating_cash_flow": f"{int(revenue * ocf_margin)}.00",
        "operating_profit": f"{int(net_profit * 1.25) if net_profit > 0 else net_profit}.00",
        "interest_expense": f"{int(liabilities * 0.045 * 0.6)}.00",
        "inventory": f"{int(current_assets * rng.uniform(0.15, 0.4))}.00",
        "receivables": f"{int(current_assets * rng.uniform(0.2, 0.4))}.00",
        "retained_earnings": f"{int(equity * rng.uniform(0.1, 0.4))}.00",
    }


def _statements(rng: random.Random, today: date, revenue_wan: int, health: str) -> tuple[Json, ...]:
    """1-3 statements, newest first; weak customers carry the book's financial weak spots."""
    weak = health == "weak" or rng.random() < 0.08
    loss = weak and rng.random() < 0.55
    falling = weak and rng.random() < 0.5
    annuals = rng.choice((2, 2, 3)) if (loss or falling) else rng.choice((1, 2, 2, 3))
    debt_ratio = rng.uniform(0.91, 0.97) if weak and rng.random() < 0.3 else rng.uniform(0.25, 0.75)
    revenue = revenue_wan * 10_000 + rng.randint(0, 9_999)
    out: list[Json] = []
    for k in range(annuals):
        margin = (
            rng.uniform(-0.12, -0.02)
            if loss and (k == 0 or rng.random() < 0.4)
            else (rng.uniform(0.02, 0.12))
        )
        negative_cash = weak and k == 0 and rng.random() < 0.45
        ocf = rng.uniform(-0.08, -0.01) if negative_cash else margin + rng.uniform(0.0, 0.06)
        year_end = date(today.year - 1 - k, 12, 31)
        out.append(
            _statement(
                rng,
                year_end,
                "annual",
                revenue,
                debt_ratio=debt_ratio,
                margin=margin,
                ocf_margin=ocf,
            )
        )
        # The year before had more revenue when it is falling (by 22-45 %), a little less if not.
        revenue = (
            int(revenue / rng.uniform(0.55, 0.78))
            if falling and k == 0
            else int(revenue / rng.uniform(0.95, 1.15))
        )
    if annuals < 3 and rng.random() < 0.35:
        quarter_end = _quarter_end(today - timedelta(days=45))
        latest = int(Decimal(out[0]["revenue"])) // 4
        out.insert(
            0,
            _statement(
                rng,
                quarter_end,
                "quarterly",
                latest,
                debt_ratio=debt_ratio,
                margin=rng.uniform(0.01, 0.1),
                ocf_margin=rng.uniform(0.0, 0.1),
            ),
        )
    return tuple(out)


def _quarter_end(day: date) -> date:
    """The last quarter end on or before ``day``."""
    for month, last in ((12, 31), (9, 30), (6, 30), (3, 31)):
        if (day.month, day.day) >= (month, last):
            return date(day.year, month, last)
    return date(day.year - 1, 12, 31)


def _event(source: str, kind: str, on: date, **extra: Any) -> Json:
    return {"source": source, "kind": kind, "occurred_on": on.isoformat(), **extra}


def _credit_events(rng: random.Random, today: date, health: str, n: int) -> tuple[Json, ...]:
    def ago(low: int, high: int) -> date:
        return today - timedelta(days=rng.randint(low, high))

    tax_day = date(today.year - 1, 4, 30)  # the bureau publishes grades each spring
    events: list[Json] = []
    if health == "strong" or rng.random() < 0.3:
        grades = ("AAA", "AA+", "AA") if health == "strong" else ("AA-", "A+", "A", "BBB")
        agency = rng.choice(("中诚信国际", "联合资信", "大公国际", "东方金诚"))
        events.append(
            _event(
                "credit_bureau",
                "external_rating",
                ago(30, 600),
                grade=rng.choice(grades),
                agency=agency,
            )
        )
    if health != "weak" and rng.random() < 0.6:
        events.append(
            _event(
                "tax", "tax_credit_grade", tax_day, grade=rng.choice("AAB"), agency="国家税务总局"
            )
        )
    if health == "strong" and rng.random() < 0.4:
        events.append(
            _event("bank", "positive_record", ago(60, 700), detail="连续五年按期还本付息")
        )
    if health == "normal" and rng.random() < 0.15:
        on = ago(400, 900)
        events.append(
            _event(
                "bank",
                "loan_overdue",
                on,
                amount=f"{rng.randint(5, 80)}0000.00",
                resolved_on=(on + timedelta(days=45)).isoformat(),
                detail="短期流动资金贷款逾期, 已结清",
            )
        )
    if health != "weak":
        return tuple(events)
    # The weak: sued, a poor tax grade, often arrears elsewhere, a few knock-outs (DOMAIN §3).
    events.append(
        _event(
            "court",
            "litigation",
            ago(20, 400),
            amount=f"{rng.randint(10, 300)}0000.00",
            detail="买卖合同纠纷, 被诉",
        )
    )
    events.append(
        _event(
            "tax",
            "tax_credit_grade",
            tax_day,
            agency="国家税务总局",
            grade="D" if n % 7 == 0 else rng.choice("CCB"),
        )
    )
    if rng.random() < 0.5:
        events.append(
            _event(
                "credit_bureau",
                "loan_overdue",
                ago(30, 300),
                amount=f"{rng.randint(10, 200)}0000.00",
                detail="他行贷款逾期, 未结清",
            )
        )
    if n % 9 == 0:
        events.append(
            _event("court", "dishonest_executee", ago(15, 200), detail="被列入失信被执行人名单")
        )
    if rng.random() < 0.3:
        on = ago(100, 500)
        kind = rng.choice(("abnormal_operation", "administrative_penalty"))
        events.append(
            _event("registry", kind, on, resolved_on=(on + timedelta(days=60)).isoformat())
        )
    return tuple(events)


def _customer_body(
    rng: random.Random,
    today: date,
    size: str,
    codes: set[str],
    names: set[str],
    group: str | None,
) -> Json:
    industry, business, word = rng.choice(INDUSTRIES)
    city, region = rng.choice(CITIES)
    _, employees, _, _ = SIZES[size]
    while True:
        brand = group[:2] if group else rng.choice(BRANDS)
        form = "股份有限公司" if size == "large" else "有限公司"
        name = f"{city}{brand}{word}{form}" if not group else f"{brand}({city}){word}{form}"
        if name not in names:
            names.add(name)
            break
        word = rng.choice(INDUSTRIES)[2]
    established = today - timedelta(days=rng.randint(3 * 365, 30 * 365))
    cooperation = today - timedelta(days=rng.randint(90, min(10 * 365, (today - established).days)))
    born = date(rng.randint(1958, 1990), rng.randint(1, 12), rng.randint(1, 28))
    representative = rng.choice(SURNAMES) + rng.choice(GIVEN)
    capital = rng.choice(CAPITAL[size])
    body: Json = {
        "name": name,
        "credit_code": credit_code(rng, region, codes),
        "legal_representative": representative,
        "legal_representative_id_number": id_number(rng, region, born),
        "registered_capital": money(Decimal(capital * 10_000)),
        "established_on": established.isoformat(),
        "industry_code": industry,
        "main_business": business,
        "employees": rng.randint(*employees),
        "region_code": region,
        "cooperation_since": cooperation.isoformat(),
        "contact": {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "phone": f"0{rng.randint(510, 579)}-{rng.randint(60_000_000, 89_999_999)}",
        },
    }
    if group:
        body["related_group"] = group
    return body


_TOPICS = (
    ("visit", "走访生产经营场所, 订单与回款正常", ("renewal",)),
    ("call", "电话回访, 客户询问续保与费率", ("renewal", "lower_fee")),
    ("meeting", "与财务负责人会谈, 计划扩产需新增融资", ("new_financing", "larger_limit")),
    ("message", "客户咨询票据承兑业务", ("advisory",)),
)


def _interactions(rng: random.Random, today: date, by: str) -> tuple[Json, ...]:
    """Up to two contacts in the last half year; a follow-up date some have passed unanswered."""
    planned: list[Json] = []
    for _ in range(rng.choice((0, 1, 1, 2))):
        kind, summary, needs = rng.choice(_TOPICS)
        occurred = today - timedelta(days=rng.randint(5, 180))
        body: Json = {
            "kind": kind,
            "occurred_on": occurred.isoformat(),
            "by": by,
            "summary": summary,
            "needs": list(needs),
        }
        if rng.random() < 0.5:
            body["follow_up_on"] = (occurred + timedelta(days=rng.randint(7, 60))).isoformat()
        planned.append(body)
    return tuple(planned)


def build_book(today: date) -> Book:
    """The whole demo book as of ``today``; the same ``today`` always gives the same book."""
    rng = random.Random(SEED)  # noqa: S311 - synthetic data, not secrets
    # Customers 0..19 form the five related groups (3-5 members each).
    groups = [g for g, size in zip(GROUPS, (3, 4, 5, 4, 4), strict=True) for _ in range(size)]
    sizes = [_pick(rng, SIZES) for _ in range(CUSTOMERS)]
    health = [_pick(rng, HEALTH) for _ in range(CUSTOMERS)]
    # Every customer has one contract; the rest go mostly to the larger ones.
    per_customer = Counter(range(CUSTOMERS))
    bigger = [{"large": 6, "medium": 3, "small": 2, "micro": 1}[s] for s in sizes]
    per_customer.update(rng.choices(range(CUSTOMERS), bigger, k=CONTRACTS - CUSTOMERS))
    codes: set[str] = set()
    names: set[str] = set()
    customers: list[CustomerPlan] = []
    serial = 0
    # A generator of its own, so adding these fields left every other draw of the book as it was.
    nature = random.Random(SEED + 1)  # noqa: S311 - synthetic data, not secrets
    for i in range(CUSTOMERS):
        group = groups[i] if i < len(groups) else None
        body = _customer_body(rng, today, sizes[i], codes, names, group)
        for name, value in (
            ("ownership", _pick(nature, OWNERSHIP)),
            ("market_position", _pick(nature, MARKET_POSITIONS[sizes[i]])),
        ):
            if value:
                body[name] = value
        _, _, revenue, principal_range = SIZES[sizes[i]]
        contracts = []
        for _ in range(per_customer[i]):
            serial += 1
            product = _pick(rng, PRODUCTS)
            contracts.append(
                plan_contract(
                    rng,
                    today=today,
                    status=_pick(rng, STATUS_WEIGHTS[health[i]]),
                    contract_no=f"DEMO-{serial:04d}",
                    lender=rng.choice(LENDERS),
                    product=product,
                    purpose=PRODUCTS[product][1],
                    principal=round_down(
                        Decimal(rng.randint(*principal_range) * 10_000), Decimal(10_000)
                    ),
                )
            )
        customers.append(
            CustomerPlan(
                body=body,
                statements=_statements(rng, today, rng.randint(*revenue), health[i]),
                credit_events=_credit_events(rng, today, health[i], i),
                contracts=tuple(contracts),
                interactions=_interactions(nature, today, _person(nature)),
            )
        )
    return Book(as_of=today, customers=tuple(customers))
