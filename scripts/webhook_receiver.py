"""A webhook receiver for trying subscriptions out: `python scripts/webhook_receiver.py --secret S`.

It listens on 127.0.0.1 (a free port unless ``--port``), checks each request's Standard Webhooks
signature with the subscription's secret, answers 204 (401 when the signature or its timestamp
is wrong), and prints one JSON line per verified event to stdout: ``webhook_id`` and the event.
A repeated ``webhook-id`` (a retry of an event already received) is answered 204 and not printed
again, as a receiver should treat it.

``--url-file PATH`` writes the URL to subscribe once it listens, so a shell can wait for it;
``--count N`` exits after N events; ``--timeout S`` exits with status 1 when they have not all
come within S seconds. Development only: the services refuse loopback targets in production.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from guarantee_shared.outbox.signing import verify


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="webhook_receiver.py", description=__doc__.split("\n")[0])
    parser.add_argument("--secret", required=True, help="the subscription's signing secret")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--url-file", type=Path, help="write the URL to subscribe here")
    parser.add_argument("--count", type=int, default=0, help="exit after this many events")
    parser.add_argument("--timeout", type=float, default=0, help="give up after this many s")
    args = parser.parse_args(argv)

    seen: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if not verify(args.secret, headers, body, now=time.time()):
                self._answer(401)
                return
            webhook_id = headers["webhook-id"]
            with lock:
                first = webhook_id not in seen
                seen.add(webhook_id)
                if first:
                    line = {"webhook_id": webhook_id, "event": json.loads(body)}
                    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
                    sys.stdout.flush()
                if args.count and len(seen) >= args.count:
                    done.set()
            self._answer(204)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *values: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}/events"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if args.url_file is not None:
        args.url_file.write_text(url + "\n", encoding="utf-8")
    sys.stderr.write(f"[receiver] listening on {url}\n")
    try:
        finished = done.wait(args.timeout or None)
    except KeyboardInterrupt:
        finished = True
    finally:
        server.shutdown()
    if not finished:
        sys.stderr.write(f"[receiver] {len(seen)} of {args.count} events in {args.timeout} s\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
