"""The one settings object: built at start-up from ``TUTOR_*`` variables and ``.env``.

Inner packages never read the environment; they get what they need from here, as arguments.
Every limit is a named setting with a documented default.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from sandbox.core.cpus import fitting_pool_size
from sandbox.core.job import Limits
from sandbox.core.pool import PoolConfig


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
    sandbox_in_container: bool = Field(False, description="the worker runs in a container (compose.yaml sets it): delegate the container's own cgroup v2 subtree to the jail's slots on start")
    sandbox_pool_size: int | None = Field(
        None, ge=1, le=32,
        description="jobs run at once; default: the usable cores divided by the largest thread count of the catalogue's "
                    "challenges (2 cores, 2-thread jobs: 1), so that every job trains on cores of its own",
    )
    sandbox_pin_cores: bool = Field(True, description="give each running job its own cores (cpuset.cpus and affinity)")
    sandbox_validate_pool_size: int = Field(
        2, ge=1, le=32,
        description="jobs `tutor challenges validate` runs at once unless TUTOR_SANDBOX_POOL_SIZE is set: it checks "
                    "verdicts, not speed, so it may oversubscribe the cores (then unpinned); references are graded alone first",
    )
    job_memory_mb: int = Field(2048, ge=256, description="memory cap per job (cgroup, swap 0)")
    job_pids: int = Field(64, ge=8, description="processes+threads per job")
    job_output_bytes: int = Field(1 << 20, ge=1024, description="stdout+stderr kept per job")
    job_scratch_mb: int = Field(64, ge=1, description="writable scratch tmpfs per job")
    sandbox_spare_slots: int = Field(2, ge=0, le=32, description="extra pool slots whose spare children are enclosed ahead of time")
    sandbox_uid_base: int = Field(61000, ge=1000, description="first uid of the host-wide range jobs lease their uids from (never shared by two supervisors on a host)")
    sandbox_preload: list[str] = Field(default_factory=list, description="extra modules the zygote imports before forking")
    sandbox_gpu_devices: list[str] = Field(default_factory=list, description="CUDA device indices jobs may use, one job per device")
    sandbox_gpu_memory_fraction: float = Field(0.9, gt=0, le=1, description="per-job CUDA memory cap")

    max_submission_bytes: int = Field(50_000, ge=1000, description="largest accepted source file")
    max_upload_bytes: int = Field(1_000_000, ge=1000, description="largest accepted upload (.ipynb)")
    submit_cooldown_s: float = Field(20.0, ge=0, description="per-user pause between submissions")
    guild_cooldown_per_minute: int = Field(30, ge=1, description="submissions per guild per minute")
    progress_edit_interval_s: float = Field(3.0, ge=1, description="Discord progress edit throttle")
    interaction_token_margin_s: float = Field(
        60.0, ge=0, le=600, description="switch grading updates to channel messages this long before the 15-min token expires"
    )
    verdict_pictures_dir: str = Field("data/verdicts", description="where the console writes each verdict's pictures (loss curve, task picture)")
    command_cooldown_s: float = Field(2.0, ge=0, description="per-user pause between Discord commands that query the database")

    queue: Literal["local", "postgres"] = Field(
        "local", description="where grading jobs run: local (the in-process pool) or postgres (procrastinate on "
        "TUTOR_DATABASE_URL, graded by `tutor worker` processes)")
    job_retries: int = Field(1, ge=0, le=5, description="extra attempts after an infrastructure outcome (ours, never the learner's)")
    job_poll_s: float = Field(0.5, gt=0, le=10, description="how often a running job writes progress and polls for a cancel request")
    relay_poll_s: float = Field(2.0, gt=0, le=60, description="fallback poll of a followed job's rows (LISTEN/NOTIFY and in-process pokes wake it sooner)")
    worker_heartbeat_s: float = Field(2.0, gt=0, description="how often a `tutor worker` tells the queue it is alive")
    worker_stalled_s: float = Field(10.0, gt=0, description="a worker silent this long is dead: its running jobs are queued again")
    worker_poll_s: float = Field(2.0, gt=0, description="fallback poll of the queue by a worker (NOTIFY wakes it at once)")

    def pool_size(self, threads: int) -> int:
        """Jobs run at once: the setting, else as many ``threads``-thread jobs as the cores hold."""
        return self.sandbox_pool_size or fitting_pool_size(threads)

    def pool_config(self, threads: int = Limits().threads, *, size: int | None = None,
                    pin_cores: bool | None = None) -> PoolConfig:
        """The warm pool's settings (documented defaults in ``sandbox.core.pool.PoolConfig``) for jobs of
        at most ``threads`` threads; ``size`` / ``pin_cores`` override the settings (validation's choice)."""
        base = PoolConfig()
        return PoolConfig(
            size=size or self.pool_size(threads), spare_slots=self.sandbox_spare_slots, uid_base=self.sandbox_uid_base,
            preload=base.preload + tuple(self.sandbox_preload), gpu_devices=tuple(self.sandbox_gpu_devices),
            gpu_memory_fraction=self.sandbox_gpu_memory_fraction,
            pin_cores=self.sandbox_pin_cores if pin_cores is None else pin_cores,
        )

    def validate_pool(self, threads: int) -> tuple[int, bool]:
        """`tutor challenges validate`'s pool: (size, pinned). An explicit TUTOR_SANDBOX_POOL_SIZE wins;
        else ``sandbox_validate_pool_size``, pinned only when that many jobs fit the cores."""
        if self.sandbox_pool_size is not None:
            return self.sandbox_pool_size, self.sandbox_pin_cores
        size = self.sandbox_validate_pool_size
        return size, self.sandbox_pin_cores and size <= fitting_pool_size(threads)

    def job_limits(self) -> Limits:
        """Deployment caps for every job; a challenge's own limits (phases, memory) apply within them."""
        return Limits(memory_mb=self.job_memory_mb, pids=self.job_pids, output_bytes=self.job_output_bytes,
                      scratch_mb=self.job_scratch_mb)
