"""The container probe: it finds a withheld privilege by trying the jail's first steps, names it
with the setting that grants it, and the supervisor refuses to run jobs without it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.core.container import delegate_cgroups, jail_problems

pytestmark = pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0, reason="needs root on Linux")

PROBE = (
    "from sandbox.core.supervisor import Sandbox\n"
    "print(Sandbox().refusal)\n"
)


def test_a_full_privileged_host_has_no_problems() -> None:
    assert jail_problems() == ()


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="util-linux setpriv is missing")
def test_without_cap_sys_admin_the_supervisor_refuses_and_says_how_to_fix_it() -> None:
    """What Docker does by default: root, but no CAP_SYS_ADMIN."""
    done = subprocess.run(
        ["setpriv", "--inh-caps=-sys_admin", "--bounding-set=-sys_admin", sys.executable, "-c", PROBE],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    refusal = done.stdout.strip()
    assert refusal.startswith("refusing to run submissions")
    assert "CAP_SYS_ADMIN" in refusal and "cap_add: [SYS_ADMIN]" in refusal and "EPERM" in refusal


def _fake_cgroup_root(tmp_path: Path, *, enabled: str) -> Path:
    root = tmp_path / "cgroup"
    root.mkdir()
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (root / "cgroup.subtree_control").write_text(enabled)
    (root / "cgroup.procs").write_text("1\n7\n")
    return root


def test_delegation_moves_our_processes_to_a_leaf_and_enables_the_controllers(tmp_path: Path) -> None:
    """On a plain directory: the steps and their order (a real cgroup v2 container is not
    available on these machines, which run cgroup v1)."""
    root = _fake_cgroup_root(tmp_path, enabled="")
    (root / "tutor-supervisor").mkdir()
    (root / "tutor-supervisor" / "cgroup.procs").write_text("")
    assert delegate_cgroups(root) == []
    assert (root / "tutor-supervisor" / "cgroup.procs").read_text() == "7"  # each pid written in turn
    assert (root / "cgroup.subtree_control").read_text() == "+cpu +memory +pids"


def test_delegation_leaves_a_delegated_or_v1_tree_alone(tmp_path: Path) -> None:
    root = _fake_cgroup_root(tmp_path, enabled="cpu memory pids")
    assert delegate_cgroups(root) == []
    assert not (root / "tutor-supervisor").exists()
    assert delegate_cgroups(tmp_path / "no-such-v2-root") == []


def test_delegation_failure_is_a_named_problem(tmp_path: Path) -> None:
    root = _fake_cgroup_root(tmp_path, enabled="")
    (root / "tutor-supervisor").write_text("a file where the leaf's directory belongs")
    (problem,) = delegate_cgroups(root)
    assert "writable cgroup v2 subtree" in problem and "TUTOR_SANDBOX_IN_CONTAINER=1" in problem
