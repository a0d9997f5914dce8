"""The HTML review report in a real browser: Debian's headless Chromium renders the page the
API serves and the charts must be there, drawn with real sizes, and the screenshot not blank;
and every Chinese character of the page must be drawn with a real glyph, not as the empty box
of a machine without a CJK font.

Skipped where no Chromium (or no CJK font) is installed, except under CI=true, where .ci/run
installs both and a missing one is a failure.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from customer_api import deps
from guarantee_shared.clients.alerting import AlertingClient
from tests.customer_api.report_book import AS_OF, build
from tests.support.browser import chromium as find_chromium
from tests.support.browser import run_chromium
from tests.support.database import under_ci

CHARTS = (
    "class-tier", "size", "industry", "tier-overdue-rate", "concentration", "completeness",
    "grading", "satisfaction", "complaints", "roc",
)  # fmt: skip


@pytest.fixture
def chromium() -> str:
    return find_chromium()


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

    dumped = run_chromium(chromium, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
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
    taken = run_chromium(chromium, tmp_path / "profile-shot", f"--screenshot={shot}",
                 "--window-size=1200,2400", page.as_uri())  # fmt: skip
    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    width, height, colours = _png_pixels(data)
    assert (width, height) == (1200, 2400)
    assert len(data) > 20_000, "the screenshot is (nearly) blank"
    assert len(colours) > 10, "the screenshot is (nearly) blank"


def _csp_violations(chromium: str, page: Path, profile: Path) -> list[str]:
    """What Chromium's console says the page's Content-Security-Policy blocked."""
    loaded = run_chromium(chromium, profile, "--enable-logging=stderr", "--v=0", "--dump-dom",
                          page.as_uri())  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    return [
        line
        for line in loaded.stderr.splitlines()
        if "CONSOLE" in line and "Content Security Policy" in line
    ]


async def test_the_report_renders_under_its_own_content_security_policy(
    client: httpx.AsyncClient, db: asyncpg.Connection, chromium: str, tmp_path: Path
) -> None:
    await build(db)
    response = await client.get("/v1/reports/review", params={"as_of": AS_OF, "format": "html"})
    assert response.status_code == 200
    page = tmp_path / "review.html"
    page.write_text(response.text, encoding="utf-8")
    # The policy travels in the page, so the saved copy is held to it: nothing is blocked,
    # so the stylesheet (allowed by its hash) applies and nothing else is attempted.
    assert _csp_violations(chromium, page, tmp_path / "profile-csp") == []

    # Control: the same page with one inline style attribute and one script, which the policy
    # must refuse, and Chromium must say so.
    tampered = tmp_path / "review-tampered.html"
    tampered.write_text(
        response.text.replace("<h1>", '<h1 style="color:red">', 1).replace(
            "</body>", "<script>document.title = 'ran'</script></body>"
        ),
        encoding="utf-8",
    )
    blocked = _csp_violations(chromium, tampered, tmp_path / "profile-csp-control")
    assert any("inline style" in line for line in blocked), blocked
    assert any("inline script" in line for line in blocked), blocked


# Injected into a copy of the report: every CJK character of the page is drawn on a canvas in
# the font its element is set in, and compared with what that font stack draws for U+10FFFD, a
# private-use code point no font has a glyph for. A character drawn the same way (the .notdef
# box), or not at all, has no glyph on this machine: exactly what a reader would see as boxes.
GLYPH_CHECK = """<script>(() => {
  const cjk = /[\\u2e80-\\u9fff\\uf900-\\ufaff\\uff00-\\uffef]/u;
  const fonts = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const style = getComputedStyle(node.parentElement);
    const font = `${style.fontStyle} ${style.fontWeight} 32px ${style.fontFamily}`;
    for (const ch of node.data) if (cjk.test(ch) && !fonts.has(ch)) fonts.set(ch, font);
  }
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 48;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const draw = (text, font) => {
    ctx.clearRect(0, 0, 48, 48);
    ctx.font = font;
    ctx.textBaseline = "top";
    ctx.fillStyle = "#000";
    ctx.fillText(text, 4, 4);
    return ctx.getImageData(0, 0, 48, 48).data.join(",");
  };
  const blank = draw("", "32px sans-serif");
  const notdef = new Map();
  const missing = [];
  for (const [ch, font] of fonts) {
    if (!notdef.has(font)) notdef.set(font, draw("\\u{10FFFD}", font));
    const drawn = draw(ch, font);
    if (drawn === blank || drawn === notdef.get(font)) missing.push(ch);
  }
  const out = document.createElement("pre");
  out.id = "glyph-check";
  const checked = [...fonts.keys()].join("");
  out.textContent = JSON.stringify({ checked, missing: missing.join("") });
  document.body.appendChild(out);
})();</script>"""


def _glyph_check(chromium: str, page: Path, profile: Path, **env: str) -> dict[str, Any]:
    """The characters checked and those drawn without a glyph, as Chromium reports them."""
    dumped = run_chromium(chromium, profile, "--dump-dom", page.as_uri(), env=env)
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    found = re.search(r'<pre id="glyph-check">(.*?)</pre>', dumped.stdout, re.S)
    assert found is not None, "the glyph check did not run"
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


def _fontconfig_without_cjk(root: Path) -> Path:
    """A fontconfig setup with this machine's fonts minus those that draw 中: a machine with
    Latin fonts only, as a bare server or CI image is."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        if under_ci():
            pytest.fail("CI=true but fc-list is missing (.ci/run installs fontconfig)")
        pytest.skip("no fc-list (apt-get install fontconfig)")

    def files(*pattern: str) -> set[str]:
        listed = subprocess.run(
            [fc_list, *pattern, "--format", "%{file}\\n"],
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        return set(listed.stdout.split())

    fonts = root / "fonts"
    fonts.mkdir()
    for number, font in enumerate(sorted(files() - files(":charset=4e2d"))):
        (fonts / f"{number}-{Path(font).name}").symlink_to(font)
    config = root / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><dir>{fonts}</dir><cachedir>{root / 'cache'}</cachedir></fontconfig>"
    )
    return config


async def test_chromium_draws_every_chinese_character_of_the_report(
    client: httpx.AsyncClient, db: asyncpg.Connection, chromium: str, tmp_path: Path
) -> None:
    await build(db)
    response = await client.get("/v1/reports/review", params={"as_of": AS_OF, "format": "html"})
    assert response.status_code == 200
    assert response.text.count("</body>") == 1
    page = tmp_path / "review-glyphs.html"
    # The check is a script, which the page's own policy refuses: the copy goes without it.
    unguarded = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", response.text)
    assert unguarded != response.text
    page.write_text(unguarded.replace("</body>", GLYPH_CHECK + "</body>"), encoding="utf-8")

    # The check itself, on the same page, where no CJK font exists: every character is a box.
    config = _fontconfig_without_cjk(tmp_path)
    control = _glyph_check(chromium, page, tmp_path / "profile-nocjk", FONTCONFIG_FILE=str(config))
    assert len(control["checked"]) > 50, control  # titles, tables, legends and chart labels
    assert control["missing"] == control["checked"], "the glyph check misses empty boxes"

    result = _glyph_check(chromium, page, tmp_path / "profile-glyphs")
    assert result["checked"] == control["checked"]
    if result["missing"]:
        reason = (
            f"no glyph for {len(result['missing'])} of the report's {len(result['checked'])} "
            f"Chinese characters ({result['missing'][:40]}…): install a CJK font "
            "(apt-get install fonts-noto-cjk)"
        )
        if under_ci():
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)
