"""The benchmark's baseline: a bare FastAPI endpoint that validates the same request model.

No auth, no middleware, no scoring: it parses and validates a ``RatingRequest`` and answers a
fixed result of the same size as the engine's, so the comparison isolates what the engine adds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import FastAPI, Response

from guarantee_shared.schemas.rating import RatingRequest

# The engine's own answer to the sample request, captured by run.py before the servers start.
FIXED_RESULT = Path(os.environ["RATING_BENCH_FIXED_RESULT"]).read_bytes()
json.loads(FIXED_RESULT)  # a broken capture fails here, not in the middle of a run

app = FastAPI(title="rating-engine baseline")


@app.post("/v1/score")
async def score(body: RatingRequest) -> Response:
    return Response(FIXED_RESULT, media_type="application/json")


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
