"""The HTML review report in a real browser: Debian's headless Chromium renders the page the
API serves and the charts must be there, drawn with real sizes, and the screenshot not blank.

Skipped where no Chromium is installed, except under CI=true, where .ci/run installs it and a
missing browser is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from customer_api import deps
from guarantee_shared.clients.alerting import AlertingClient
from tests.customer_api.report_book import AS_OF, build

CHARTS = (
    "class-tier", "size", "industry", "tier-overdue-rate", "concentration", "completeness",
    "grading", "satisfaction", "complaints",
)  # fmt: skip


def _chromium() -> str:
    for candidate in (
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but no chromium is installed (.ci/run installs Debian's chromium)")
    pytest.skip("no chromium on this machine (apt-get install chromium to run this test)")


@pytest.fixture
def chromium() -> str:
    return _chromium()


@pytest.fixture(autouse=True)
def alerting_down(app: FastAPI) -> Iterator[None]:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def client() -> AsyncIterator[AlertingClient]:
        transport = httpx.MockTransport(refuse)
        async with AlertingClient("http://alerting.test", token="t", transport=transport) as c:
            yield c

    app.dependency_overrides[deps.alerting_client] = client
    yield
    app.dependency_overrides.pop(deps.alerting_client, None)


def _run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
        f"--user-data-dir={profile}", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixels of a sample of rows of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    assert depth == 8, (depth, color)
    assert color in (2, 6), (depth, color)
    chunks, pos = b"", 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            chunks += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(chunks)
    channels = 3 if color == 2 else 4
    stride = width * channels + 1
    # Rows filtered with "none" or "sub" still show whether the image has more than a colour.
    colours: set[bytes] = set()
    for row in range(0, height, max(1, height // 50)):
        line = raw[row * stride + 1 : (row + 1) * stride]
        colours.update(line[i : i + 3] for i in range(0, len(line), channels * 7))
    return width, height, colours


async def test_chromium_renders_the_report_with_its_charts(
    client: httpx.AsyncClient, db: asyncpg.Connection, chromium: str, tmp_path: Path
) -> None:
    await build(db)
    response = await client.get("/v1/reports/review", params={"as_of": AS_OF, "format": "html"})
    assert response.status_code == 200
    page = tmp_path / "review.html"
    page.write_text(response.text, encoding="utf-8")

    dumped = _run(chromium, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = dumped.stdout
    assert '<html lang="zh-CN">' in dom
    for chart in CHARTS:
        figure = re.search(rf'<figure class="chart" data-chart="{chart}">(.*?)</figure>', dom, re.S)
        assert figure is not None, f"chart {chart} missing from the rendered DOM"
        svg = figure.group(1)
        assert svg.count("<svg") == 1, chart
        assert 'role="img"' in svg, chart
        assert "<title" in svg, chart
        widths = [float(w) for w in re.findall(r'<rect class="bar"[^>]* width="([\d.]+)"', svg)]
        paths = re.findall(r'<path d="(M[^"]+)"', svg)
        assert any(w > 0 for w in widths) or paths, f"chart {chart} draws nothing"
    assert "无数据" not in dom  # the crafted book feeds every chart

    shot = tmp_path / "review.png"
    taken = _run(chromium, tmp_path / "profile-shot", f"--screenshot={shot}",
                 "--window-size=1200,2400", page.as_uri())  # fmt: skip
    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    width, height, colours = _png_pixels(data)
    assert (width, height) == (1200, 2400)
    assert len(data) > 20_000, "the screenshot is (nearly) blank"
    assert len(colours) > 10, "the screenshot is (nearly) blank"
