"""A 100,000-row ledger is streamed: memory stays far below what holding the file would take.

Writing 100,000 customers through the service layer takes minutes (each row is validated,
checked and audited in its own savepoint), so the test streams the whole file through the
reader and the API's schema, and runs the real job on it only long enough to see it stream —
then cancels it, which also shows a cancelled job keeps its committed batches.
"""

from __future__ import annotations

import asyncio
import csv
import time
import tracemalloc
from pathlib import Path

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


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "customers.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["企业名称", "统一社会信用代码", "法定代表人", "注册资本", "成立日期",
                         "行业代码", "主营业务", "员工人数", "行政区划代码"])  # fmt: skip
        for n in range(ROWS):
            writer.writerow([f"苏州第{n}号精密制造有限公司", credit_code(n), "王伟", "10000000.00",
                             "2012-05-01", "C3411", "通用机械零部件的设计、制造与销售", 120,
                             "320506"])  # fmt: skip
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


async def test_upload_and_job_stream_the_file(
    client: httpx.AsyncClient, db: asyncpg.Connection, big_csv: Path
) -> None:
    size = await asyncio.to_thread(lambda: big_csv.stat().st_size)
    tracemalloc.start()
    try:
        with big_csv.open("rb") as handle:
            response = await client.post(
                "/v1/imports", files={"file": ("customers.csv", handle, "text/csv")}
            )
        assert response.status_code == 202, response.text
        location = response.headers["location"]
        started = time.perf_counter()
        for _ in range(600):
            job = (await client.get(location)).json()
            if job["rows_done"] >= 1000:
                break
            await asyncio.sleep(0.05)
        time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert job["status"] == "running"
    assert job["rows_total"] == ROWS
    assert job["rows_rejected"] == 0, job["errors"]
    # Upload, storage in chunks, spooling back and the first batches: never the whole file.
    assert peak < size / 2, f"peak {peak} bytes for a {size}-byte file"

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
    assert kept >= 1000
    assert kept % 500 == 0
    assert await db.fetchval("select count(*) from customer.import_chunks") == 0
