"""Lanes of cores (sandbox.core.cpus): how the cores are split among the jobs that run at once,
how a running job takes and gives back its lane, and the kernel's cpu-list format."""

from __future__ import annotations

import threading

import pytest

from sandbox.core.cpus import LaneLeases, Lanes, cpu_list, fitting_pool_size, parse_cpu_list, split_lanes, usable_cores


def test_default_pool_size_is_the_cores_over_the_threads() -> None:
    assert fitting_pool_size(2, cores=2) == 1  # the case: 2-thread jobs on a 2-core machine
    assert fitting_pool_size(1, cores=2) == 2
    assert fitting_pool_size(2, cores=16) == 8
    assert fitting_pool_size(3, cores=8) == 2
    assert fitting_pool_size(4, cores=2) == 1  # never zero: one job still runs (on fewer cores than threads)
    assert fitting_pool_size(2) == max(1, len(usable_cores()) // 2)


def test_lanes_are_disjoint_and_cover_the_cores() -> None:
    assert split_lanes((0, 1), 1) == ((0, 1),)
    assert split_lanes((0, 1), 2) == ((0,), (1,))
    assert split_lanes((0, 1, 2, 3, 4), 2) == ((0, 1, 2), (3, 4))
    lanes = split_lanes(tuple(range(16)), 8)
    assert sorted(c for lane in lanes for c in lane) == list(range(16)) and {len(lane) for lane in lanes} == {2}


def test_more_jobs_than_cores_share_them_and_say_so() -> None:
    lanes = Lanes.over((0, 1), 3)
    assert lanes.lanes == ((0,), (1,), (0,)) and lanes.shared
    assert not Lanes.over((0, 1), 2).shared
    with pytest.raises(ValueError):
        split_lanes((), 1)


def test_a_running_job_takes_a_free_lane_and_gives_it_back() -> None:
    leases = LaneLeases(Lanes.over((0, 1, 2, 3), 2))
    first, second = leases.take(), leases.take()
    assert {first, second} == {0, 1}
    assert leases.cores(first) != leases.cores(second)
    leases.give(first)
    assert leases.take() == first  # the free one, not the busy one
    third = leases.take()  # oversubscribed: the least-used lane, shared
    assert leases.busy()[third] == 2
    for index in (0, 1, third):
        leases.give(index)
    leases.give(0)  # one too many is harmless
    assert leases.busy() == [0, 0]


def test_leases_are_thread_safe() -> None:
    leases = LaneLeases(Lanes.over(tuple(range(4)), 4))

    def churn() -> None:
        for _ in range(500):
            leases.give(leases.take())

    threads = [threading.Thread(target=churn) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert leases.busy() == [0, 0, 0, 0]


def test_cpu_lists_round_trip() -> None:
    assert cpu_list((0, 1, 2, 3, 6)) == "0-3,6"
    assert cpu_list([5]) == "5"
    assert parse_cpu_list("0-3,6\n") == (0, 1, 2, 3, 6)
    assert parse_cpu_list(cpu_list((1, 3, 4, 5, 9))) == (1, 3, 4, 5, 9)
