"""`make bench`: run every benchmark in bench/*/run.py, one after the other.

Benchmarks measure speed on this machine; the test suite never asserts timings.
Pass names to run only some: `uv run python bench/run.py rating_engine`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("*/run.py"))
    if names:
        scripts = [s for s in scripts if s.parent.name in names]
    failed = 0
    for script in scripts:
        print(f"== {script.parent.name} ==", flush=True)
        failed += subprocess.run([sys.executable, str(script)], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
