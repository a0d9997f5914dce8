"""Credit events: create, read, list, grade rules per kind, dates, merge patch with If-Match."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.auth import bearer
from tests.support.factories import customer_body

_CHINA = timezone(timedelta(hours=8))


async def _customer(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/customers", json=customer_body())
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _url(customer_id: str) -> str:
    return f"/v1/customers/{customer_id}/credit-events"


def _event(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "bank",
        "kind": "loan_overdue",
        "occurred_on": "2025-03-15",
        "amount": "250000.00",
        "agency": "中国工商银行苏州分行",
        "detail": "Working-capital loan 45 days overdue",
    }
    body.update(overrides)
    return body


async def _post(client: httpx.AsyncClient, customer_id: str, **overrides: Any) -> httpx.Response:
    return await client.post(_url(customer_id), json=_event(**overrides))


async def _created(client: httpx.AsyncClient, customer_id: str, **overrides: Any) -> dict[str, Any]:
    response = await _post(client, customer_id, **overrides)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def _counts(db: asyncpg.Connection) -> tuple[int, int]:
    events = await db.fetchval("select count(*) from customer.credit_events")
    entries = await db.fetchval(
        "select count(*) from customer.audit_log where entity_type = 'credit_event'"
    )
    return events, entries


def _first_error(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    error: dict[str, Any] = response.json()["errors"][0]
    return error


async def test_create_returns_location_etag_and_the_event(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, amount=250000.5)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{_url(customer_id)}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["customer_id"] == customer_id
    assert body["kind"] == "loan_overdue"
    assert body["source"] == "bank"
    assert body["amount"] == "250000.50"
    assert body["grade"] is None
    assert body["resolved_on"] is None
    assert body["version"] == 1
    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == '"1"'
    assert await _counts(db) == (1, 1)


async def test_only_source_kind_and_date_are_required(client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    response = await client.post(
        _url(customer_id),
        json={"source": "court", "kind": "litigation", "occurred_on": "2024-01-02"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["amount"] is None
    assert body["agency"] is None
    assert body["detail"] is None


@pytest.mark.parametrize(
    "grade", ["AAA", "AA+", "AA", "AA-", "A+", "A-", "BBB+", "BBB-", "BB+", "B-", "CCC", "CC", "C"]
)
async def test_external_rating_grades_on_the_nine_level_scale(
    client: httpx.AsyncClient, grade: str
) -> None:
    customer_id = await _customer(client)
    body = await _created(
        client,
        customer_id,
        source="credit_bureau",
        kind="external_rating",
        grade=grade,
        amount=None,
        agency="中诚信国际",
    )
    assert body["grade"] == grade


@pytest.mark.parametrize("grade", ["AAA+", "AAA-", "CCC+", "CC-", "C+", "D", "BBBB", "A++", "AA*"])
async def test_external_rating_grades_off_the_scale_are_422(
    client: httpx.AsyncClient, db: asyncpg.Connection, grade: str
) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, kind="external_rating", grade=grade)
    error = _first_error(response)
    assert error["loc"] == ["body", "grade"]
    assert error["type"] == "grade_format"
    assert await _counts(db) == (0, 0)


async def test_grades_are_normalised_from_typed_forms(client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    rating = await _created(client, customer_id, kind="external_rating", grade=" ａａ\u2212")
    assert rating["grade"] == "AA-"
    tax = await _created(client, customer_id, source="tax", kind="tax_credit_grade", grade="m")
    assert tax["grade"] == "M"


@pytest.mark.parametrize("grade", ["A", "B", "M", "C", "D"])
async def test_tax_credit_grades(client: httpx.AsyncClient, grade: str) -> None:
    customer_id = await _customer(client)
    body = await _created(client, customer_id, source="tax", kind="tax_credit_grade", grade=grade)
    assert body["grade"] == grade


@pytest.mark.parametrize("grade", ["AA", "E", "A+", "BBB"])
async def test_tax_credit_grades_outside_a_b_m_c_d_are_422(
    client: httpx.AsyncClient, grade: str
) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, source="tax", kind="tax_credit_grade", grade=grade)
    assert _first_error(response)["loc"] == ["body", "grade"]


@pytest.mark.parametrize("kind", ["external_rating", "tax_credit_grade"])
async def test_graded_kinds_need_a_grade(
    client: httpx.AsyncClient, db: asyncpg.Connection, kind: str
) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, kind=kind)
    error = _first_error(response)
    assert error["loc"] == ["body", "grade"]
    assert error["type"] == "grade_required"
    assert await _counts(db) == (0, 0)


@pytest.mark.parametrize(
    "kind",
    ["loan_overdue", "default", "litigation", "dishonest_executee", "positive_record"],
)
async def test_other_kinds_carry_no_grade(client: httpx.AsyncClient, kind: str) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, kind=kind, grade="A")
    error = _first_error(response)
    assert error["loc"] == ["body", "grade"]
    assert error["type"] == "grade_not_allowed"


async def test_resolved_on_before_occurred_on_is_422(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, occurred_on="2025-03-15", resolved_on="2025-03-14")
    error = _first_error(response)
    assert error["loc"] == ["body", "resolved_on"]
    assert error["type"] == "resolved_before_occurred"
    assert await _counts(db) == (0, 0)
    same_day = await _created(client, customer_id, resolved_on="2025-03-15")
    assert same_day["resolved_on"] == "2025-03-15"


async def test_dates_cannot_be_in_the_future(client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    today = datetime.now(_CHINA).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    occurred = await _post(client, customer_id, occurred_on=tomorrow)
    assert _first_error(occurred)["loc"] == ["body", "occurred_on"]
    resolved = await _post(client, customer_id, resolved_on=tomorrow)
    assert _first_error(resolved)["loc"] == ["body", "resolved_on"]
    assert (await _post(client, customer_id, occurred_on=today.isoformat())).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"severity": "high"}, ["body", "severity"]),
        ({"source": "newspaper"}, ["body", "source"]),
        ({"kind": "bankruptcy"}, ["body", "kind"]),
        ({"occurred_on": "15/03/2025"}, ["body", "occurred_on"]),
        ({"amount": "-1.00"}, ["body", "amount"]),
        ({"amount": "10.001"}, ["body", "amount"]),
        ({"agency": "x" * 101}, ["body", "agency"]),
        ({"detail": "x" * 4001}, ["body", "detail"]),
    ],
)
async def test_invalid_fields_are_422_naming_the_field(
    client: httpx.AsyncClient, db: asyncpg.Connection, overrides: dict[str, Any], loc: list[str]
) -> None:
    customer_id = await _customer(client)
    response = await _post(client, customer_id, **overrides)
    assert _first_error(response)["loc"] == loc
    assert await _counts(db) == (0, 0)


async def test_unknown_customer_is_404(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    missing = str(uuid.uuid4())
    created = await _post(client, missing)
    assert created.status_code == 404
    assert created.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(_url(missing))).status_code == 404
    assert (await client.get(f"{_url(missing)}/{uuid.uuid4()}")).status_code == 404
    patched = await client.patch(
        f"{_url(missing)}/{uuid.uuid4()}",
        json={"resolved_on": "2025-04-01"},
        headers={"If-Match": '"1"'},
    )
    assert patched.status_code == 404
    assert await _counts(db) == (0, 0)


async def test_event_is_only_reachable_under_its_own_customer(client: httpx.AsyncClient) -> None:
    owner, other = await _customer(client), await _customer(client)
    event_id = (await _created(client, owner))["id"]
    assert (await client.get(f"{_url(other)}/{event_id}")).status_code == 404
    patched = await client.patch(
        f"{_url(other)}/{event_id}", json={"resolved_on": "2025-04-01"}, headers={"If-Match": '"1"'}
    )
    assert patched.status_code == 404
    assert (await client.get(f"{_url(owner)}/{event_id}")).json()["resolved_on"] is None


async def test_list_is_newest_first_filters_by_kind_and_pages(client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    await _created(client, customer_id, occurred_on="2023-05-01")
    await _created(client, customer_id, occurred_on="2025-01-10", kind="litigation", source="court")
    await _created(client, customer_id, occurred_on="2024-07-01")
    await _created(client, customer_id, occurred_on="2025-01-10")
    await _created(client, await _customer(client), occurred_on="2025-02-01")  # someone else's
    first = await client.get(_url(customer_id), params={"limit": 3})
    assert first.status_code == 200
    page = first.json()
    assert [e["occurred_on"] for e in page["items"]] == ["2025-01-10", "2025-01-10", "2024-07-01"]
    assert page["next_cursor"]
    rest = (await client.get(_url(customer_id), params={"cursor": page["next_cursor"]})).json()
    assert [e["occurred_on"] for e in rest["items"]] == ["2023-05-01"]
    assert rest["next_cursor"] is None
    ids = {e["id"] for e in page["items"] + rest["items"]}
    assert len(ids) == 4
    overdue = (await client.get(_url(customer_id), params={"kind": "loan_overdue"})).json()
    assert [e["occurred_on"] for e in overdue["items"]] == [
        "2025-01-10",
        "2024-07-01",
        "2023-05-01",
    ]
    assert {e["kind"] for e in overdue["items"]} == {"loan_overdue"}
    bad_kind = await client.get(_url(customer_id), params={"kind": "rumour"})
    assert _first_error(bad_kind)["loc"] == ["query", "kind"]
    bad_cursor = await client.get(_url(customer_id), params={"cursor": "not-a-cursor"})
    assert _first_error(bad_cursor)["loc"] == ["query", "cursor"]


async def test_patch_sets_resolved_on_with_if_match_and_audits_it(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    event = await _created(client, customer_id, kind="default")
    url = f"{_url(customer_id)}/{event['id']}"
    assert (await client.patch(url, json={"resolved_on": "2025-06-30"})).status_code == 428
    stale = await client.patch(url, json={"resolved_on": "2025-06-30"}, headers={"If-Match": '"3"'})
    assert stale.status_code == 412
    patched = await client.patch(
        url,
        content=b'{"resolved_on": "2025-06-30", "detail": null}',
        headers={
            "If-Match": '"1"',
            "content-type": "application/merge-patch+json",
            **bearer("customers:write", sub="officer-2"),
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert patched.headers["etag"] == '"2"'
    assert body["resolved_on"] == "2025-06-30"
    assert body["detail"] is None
    assert body["kind"] == "default"
    assert body["amount"] == event["amount"]
    assert (await client.get(url)).json() == body
    entry = await db.fetchrow(
        "select actor, before->>'resolved_on' b, after->>'resolved_on' a from customer.audit_log "
        "where entity_type = 'credit_event' and action = 'update'"
    )
    assert (entry["actor"], entry["b"], entry["a"]) == ("officer-2", None, "2025-06-30")
    again = await client.patch(url, json={"resolved_on": "2025-07-01"}, headers={"If-Match": '"1"'})
    assert again.status_code == 412


async def test_parallel_patches_with_one_etag_one_wins(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    event = await _created(client, customer_id, occurred_on="2025-03-15")
    url = f"{_url(customer_id)}/{event['id']}"
    responses = await asyncio.gather(
        *(
            client.patch(
                url, json={"resolved_on": f"2025-04-{day:02d}"}, headers={"If-Match": '"1"'}
            )
            for day in range(1, 11)
        )
    )
    assert sorted(r.status_code for r in responses) == [200] + [412] * 9
    winner = next(r for r in responses if r.status_code == 200).json()
    row = await db.fetchrow("select version, resolved_on from customer.credit_events")
    assert row["version"] == 2
    assert row["resolved_on"].isoformat() == winner["resolved_on"]
    assert await _counts(db) == (1, 2)


async def test_patch_that_breaks_a_rule_changes_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    event = await _created(client, customer_id, occurred_on="2025-03-15")
    url = f"{_url(customer_id)}/{event['id']}"
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"resolved_on": "2025-03-01"}, ["body", "resolved_on"]),
        ({"grade": "AA"}, ["body", "grade"]),
        ({"kind": "external_rating"}, ["body", "grade"]),
        ({"kind": None}, ["body", "kind"]),
        ({"id": str(uuid.uuid4())}, ["body", "id"]),
        ({"amount": "1.234"}, ["body", "amount"]),
    ]
    for patch, loc in cases:
        response = await client.patch(url, json=patch, headers={"If-Match": '"1"'})
        assert _first_error(response)["loc"] == loc, patch
    not_an_object = await client.patch(url, json=[1], headers={"If-Match": '"1"'})
    assert not_an_object.status_code == 422
    assert (await client.get(url)).json() == event
    assert await _counts(db) == (1, 1)


async def test_patch_can_reclassify_with_a_grade_and_clear_a_resolution(
    client: httpx.AsyncClient,
) -> None:
    customer_id = await _customer(client)
    event = await _created(client, customer_id, resolved_on="2025-04-01")
    url = f"{_url(customer_id)}/{event['id']}"
    patched = await client.patch(
        url,
        json={
            "kind": "external_rating",
            "source": "credit_bureau",
            "grade": "BBB+",
            "resolved_on": None,
        },
        headers={"If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["kind"], body["grade"], body["resolved_on"]) == ("external_rating", "BBB+", None)


async def test_idempotency_key_replays_the_first_event(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    customer_id = await _customer(client)
    headers = {"Idempotency-Key": "evt-1"}
    first = await client.post(_url(customer_id), json=_event(), headers=headers)
    replay = await client.post(_url(customer_id), json=_event(), headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    other = await client.post(_url(customer_id), json=_event(amount="1.00"), headers=headers)
    assert other.status_code == 422
    assert await _counts(db) == (1, 1)
    # Without a key, the same body twice is two records (two overdue notices are two events).
    assert (await _post(client, customer_id)).status_code == 201
    assert await _counts(db) == (2, 2)


async def test_scopes_are_enforced(anon: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    customer_id = await _customer(client)
    event = await _created(client, customer_id)
    url = f"{_url(customer_id)}/{event['id']}"
    assert (await anon.get(_url(customer_id))).status_code == 401
    read_only = bearer("customers:read")
    assert (await anon.get(_url(customer_id), headers=read_only)).status_code == 200
    assert (await anon.get(url, headers=read_only)).status_code == 200
    assert (await anon.post(_url(customer_id), json=_event(), headers=read_only)).status_code == 403
    denied_patch = await anon.patch(
        url, json={"resolved_on": "2025-04-01"}, headers={**read_only, "If-Match": '"1"'}
    )
    assert denied_patch.status_code == 403
    writer_only = bearer("customers:write")
    assert (await anon.get(_url(customer_id), headers=writer_only)).status_code == 403
    assert (await anon.get(url, headers=writer_only)).status_code == 403
    assert (await client.get(url)).json()["version"] == 1
