"""scripts/webhook_receiver.py, the receiver the README's subscription tour uses: it prints each
verified event once and refuses a request whose signature does not verify."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from guarantee_shared.outbox.signing import webhook_headers
from tests.support.processes import ROOT

SECRET = "whsec_" + "cmVjZWl2ZXItdGVzdC1rZXktMDEyMzQ1Njc4OWFi"


def _headers(msg_id: str, body: bytes, secret: str = SECRET) -> dict[str, str]:
    return webhook_headers(
        secret, msg_id=msg_id, timestamp=int(time.time()), body=body, content_type="a/b"
    )


def test_the_receiver_prints_verified_events_once_and_exits_after_count(tmp_path: Path) -> None:
    url_file = tmp_path / "receiver.url"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "webhook_receiver.py"), "--secret", SECRET,
         "--url-file", str(url_file), "--count", "2", "--timeout", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not url_file.exists() or not url_file.read_text().strip():
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the receiver never wrote its URL"
            time.sleep(0.1)
        url = url_file.read_text().strip()
        first, second = b'{"id":"m-1"}', b'{"id":"m-2"}'
        assert httpx.post(url, content=first, headers=_headers("m-1", first)).status_code == 204
        forged = _headers("m-2", second, secret="another-secret-0123456789")
        assert httpx.post(url, content=second, headers=forged).status_code == 401
        # A retry of m-1 is acknowledged but not printed again.
        assert httpx.post(url, content=first, headers=_headers("m-1", first)).status_code == 204
        assert httpx.post(url, content=second, headers=_headers("m-2", second)).status_code == 204
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert lines == [
        {"webhook_id": "m-1", "event": {"id": "m-1"}},
        {"webhook_id": "m-2", "event": {"id": "m-2"}},
    ]


def test_the_receiver_fails_when_the_events_do_not_come_in_time(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "webhook_receiver.py"), "--secret", SECRET,
         "--count", "1", "--timeout", "0.5"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "0 of 1 events" in result.stderr
