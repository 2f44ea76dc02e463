"""The pool size setting: derived from the cores and the widest job unless TUTOR_SANDBOX_POOL_SIZE
overrides it; validation's own documented choice."""

from __future__ import annotations

import pytest

from bot.app import widest_threads
from bot.settings import Settings
from challenges.catalogue import load_catalogue
from sandbox.core.cpus import fitting_pool_size


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


def test_default_pool_size_fits_the_widest_job_on_the_cores() -> None:
    threads = widest_threads(load_catalogue())
    assert threads == max(c.spec.limits.threads for c in load_catalogue() if c.spec.kind != "quiz")
    config = settings().pool_config(threads)
    assert config.size == fitting_pool_size(threads) and config.pin_cores


def test_the_setting_overrides_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTOR_SANDBOX_POOL_SIZE", "5")
    assert settings().pool_config(2).size == 5
    assert settings().validate_pool(2) == (5, True)


def test_validation_oversubscribes_unpinned_when_its_size_does_not_fit() -> None:
    size, pinned = settings(sandbox_validate_pool_size=2).validate_pool(2)
    assert size == 2
    assert pinned == (fitting_pool_size(2) >= 2)
    assert settings(sandbox_validate_pool_size=1).validate_pool(2) == (1, True)
