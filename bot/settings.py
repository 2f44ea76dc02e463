"""The one settings object: built at start-up from ``TUTOR_*`` variables and ``.env``.

Inner packages never read the environment; they get what they need from here, as arguments.
Every limit is a named setting with a documented default.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from sandbox.job import Limits


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TUTOR_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite+aiosqlite:///data/tutor.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path.db or postgresql+psycopg://user@host/db",
    )
    discord_token: SecretStr | None = Field(None, description="bot token for `tutor bot`")
    dev_guild_id: int | None = Field(None, description="guild that `tutor commands --sync` targets first")
    owner_ids: list[int] = Field(default_factory=list, description="Discord users allowed owner commands")

    sandbox_unsafe: bool = Field(False, description="run without kernel isolation (development only)")
    sandbox_pool_size: int = Field(2, ge=1, le=32, description="jobs run at once")
    job_memory_mb: int = Field(2048, ge=256, description="memory cap per job (cgroup, swap 0)")
    job_pids: int = Field(64, ge=8, description="processes+threads per job")
    job_startup_s: float = Field(30.0, gt=0, description="interpreter start and learner import")
    job_predict_s: float = Field(15.0, gt=0, description="inference on hidden inputs")
    job_output_bytes: int = Field(1 << 20, ge=1024, description="stdout+stderr kept per job")
    job_scratch_mb: int = Field(64, ge=1, description="writable scratch tmpfs per job")

    max_submission_bytes: int = Field(50_000, ge=1000, description="largest accepted source file")
    max_upload_bytes: int = Field(1_000_000, ge=1000, description="largest accepted upload (.ipynb)")
    submit_cooldown_s: float = Field(20.0, ge=0, description="per-user pause between submissions")
    guild_cooldown_per_minute: int = Field(30, ge=1, description="submissions per guild per minute")
    progress_edit_interval_s: float = Field(3.0, ge=1, description="Discord progress edit throttle")

    def job_limits(self) -> Limits:
        return Limits(
            startup_s=self.job_startup_s, predict_s=self.job_predict_s, memory_mb=self.job_memory_mb,
            pids=self.job_pids, output_bytes=self.job_output_bytes, scratch_mb=self.job_scratch_mb,
        )
