"""A 100,000-row ledger is imported end to end, streamed: memory stays far below the file's.

Rows that are plain inserts are written a group at a time (see ``imports.batch``), and the
tables the batch look-ups read are analysed as they grow (see ``imports.statistics``), so every
batch costs the same and the whole file goes through the real job — validated, checked,
audited — in well under a minute here; the reader and the API's schema are also checked to
stream on their own, and a job cancelled part-way keeps whole committed batches only.
"""

from __future__ import annotations

import asyncio
import csv
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from customer_api.customers.schemas import CustomerFields
from customer_api.imports.columns import ImportKind
from customer_api.imports.reader import LedgerFile
from tests.customer_api.test_imports import customers_csv, finished
from tests.support.factories import credit_code

ROWS = 100_000

pytestmark = pytest.mark.xdist_group("large-import")


def _write_customers(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["企业名称", "统一社会信用代码", "法定代表人", "注册资本", "成立日期",
                         "行业代码", "主营业务", "员工人数", "行政区划代码"])  # fmt: skip
        for n in range(rows):
            writer.writerow([f"苏州第{n}号精密制造有限公司", credit_code(n), "王伟", "10000000.00",
                             "2012-05-01", "C3411", "通用机械零部件的设计、制造与销售", 120,
                             "320506"])  # fmt: skip


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "customers.csv"
    _write_customers(path, ROWS)
    return path


def test_reading_and_validating_every_row_streams(big_csv: Path) -> None:
    size = big_csv.stat().st_size
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with LedgerFile(big_csv, "csv", kind=None, filename=big_csv.name) as ledger:
            assert [plan.kind for plan in ledger.plans] == [ImportKind.customers]
            assert ledger.estimated_rows() == ROWS
            count = 0
            for _number, cells in ledger.rows(ledger.plans[0]):
                CustomerFields.model_validate(cells)
                count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    time.perf_counter() - started
    assert count == ROWS
    # The file is ~13 MB on disk and several times that as Python objects; streaming keeps a
    # row at a time.
    assert size > 10_000_000
    assert peak < 2_000_000, f"peak {peak} bytes for a {size}-byte file"


async def _upload(client: httpx.AsyncClient, path: Path) -> str:
    with path.open("rb") as handle:
        response = await client.post(
            "/v1/imports", files={"file": ("customers.csv", handle, "text/csv")}
        )
    assert response.status_code == 202, response.text
    return response.headers["location"]


async def _wait(
    client: httpx.AsyncClient, location: str, done: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    for _ in range(3000):
        job: dict[str, Any] = (await client.get(location)).json()
        if done(job) or job["status"] not in ("queued", "running"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"import {location} did not get there in time")


async def test_a_large_file_is_imported_end_to_end(
    client: httpx.AsyncClient, db: asyncpg.Connection, big_csv: Path
) -> None:
    location = await _upload(client, big_csv)
    started = time.perf_counter()
    job = await _wait(client, location, lambda job: job["status"] not in ("queued", "running"))
    elapsed = time.perf_counter() - started
    rows = ROWS
    assert job["status"] == "succeeded", job
    assert (job["rows_total"], job["rows_done"], job["rows_imported"]) == (rows, rows, rows)
    assert job["outcomes"] == {"customers": {"created": rows}}, job["errors"][:5]
    assert await db.fetchval("select count(*) from customer.customers") == rows
    audited = "select count(distinct entity_id) from customer.audit_log where action = 'create'"
    assert await db.fetchval(audited) == rows
    assert await db.fetchval("select count(*) from customer.import_rows") == rows
    assert await db.fetchval("select count(*) from customer.import_chunks") == 0
    # The planner was kept up to date as the table grew: it was last told of at least half of it.
    estimate = "select reltuples from pg_class where oid = 'customer.customers'::regclass"
    assert await db.fetchval(estimate) >= rows / 2
    # Shown with ``pytest -s``: the throughput bench/README.md quotes.
    sys.stderr.write(f"\n{rows} customers imported in {elapsed:.1f} s: {rows / elapsed:.0f}/s\n")


async def test_a_cancelled_job_keeps_whole_batches(
    client: httpx.AsyncClient, db: asyncpg.Connection, big_csv: Path
) -> None:
    size = await asyncio.to_thread(lambda: big_csv.stat().st_size)
    tracemalloc.start()
    try:
        location = await _upload(client, big_csv)
        job = await _wait(client, location, lambda job: job["rows_done"] >= 1000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Upload, storage in chunks, spooling back and the first batches: never the whole file.
    assert peak < size / 2, f"peak {peak} bytes for a {size}-byte file"
    assert job["status"] == "running"
    assert job["rows_total"] == ROWS
    assert job["rows_rejected"] == 0, job["errors"]

    cancelled = await client.post(f"{location}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert (await client.post(f"{location}/cancel")).status_code == 409
    # The runner takes jobs one at a time: once the next one is done, the cancelled one has
    # stopped at a batch boundary, keeping whole committed batches only.
    small = await client.post(
        "/v1/imports", files={"file": ("c.csv", customers_csv([credit_code()]), "text/csv")}
    )
    assert (await finished(client, small))["status"] == "succeeded"
    kept = await db.fetchval("select count(*) from customer.customers") - 1
    assert 1000 <= kept < ROWS
    assert kept % 500 == 0
    assert await db.fetchval("select count(*) from customer.import_chunks") == 0
