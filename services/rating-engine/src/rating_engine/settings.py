"""Rating-engine settings: the shared variables plus the port, rulesets and active version."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from guarantee_shared.settings import ServiceSettings

BUILTIN_RULESETS = Path(__file__).parent / "rulesets"


class RatingEngineSettings(ServiceSettings):
    rating_engine_port: int = 8002
    active_model_version: str = "v1"
    rulesets_dir: Path = BUILTIN_RULESETS
    # A batch of 10,000 full requests is far larger than the 1 MiB every other route allows.
    batch_max_body_bytes: int = Field(default=128 * 1024 * 1024, gt=0)
