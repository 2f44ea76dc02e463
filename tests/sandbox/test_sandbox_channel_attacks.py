"""The trusted side survives anything a job sends over its channel.

Learner code can write raw bytes to the job channel (fd 3). Every sample of ``channel_attacks``
is fed here to the trusted readers in this process (the frame reader, the progress relay, the
``trained`` and ``functions`` exchanges), then sent from real learner code through
``sandbox.driver.grade``: each ends as a clear ``failed`` or ``error`` verdict, never an exception,
a hang or ``infrastructure``; what the front ends get is sanitised and the sandbox is clean after.
"""

from __future__ import annotations

import json
import math
import struct
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from channel_attacks import (
    ATTACKS,
    FLOODS,
    FUNCTION_ATTACKS,
    HELPERS,
    PLAIN_TAIL,
    ChannelAttack,
    build,
    fake_inputs,
    helpers,
)
from sandbox_support import assert_clean, run_job

from challenges.catalogue import Challenge, load_catalogue
from challenges.errors import ChallengeError
from challenges.kinds.base import Message, RunRecord, Submission
from challenges.kinds.functions import UnreadableValue, from_wire
from challenges.kinds.trained import TrainedExchange
from challenges.verdict import Report
from sandbox.core import protocol
from sandbox.core.errors import ProtocolError
from sandbox.core.job import Limits
from sandbox.core.supervisor import Sandbox
from sandbox.driver import grade

CATALOGUE = load_catalogue()
LIMITS = Limits()
MiB = 1 << 20


def _challenge(cid: str) -> Challenge:
    challenge = CATALOGUE.get(cid)
    if challenge is None:
        pytest.skip(f"the {cid} challenge is not in the catalogue")
    return challenge


def _decode(data: bytes) -> list[dict[str, Any]] | ProtocolError:
    """What the supervisor's reader makes of the bytes: whole messages, or the protocol error."""
    try:
        return protocol.FrameReader(LIMITS.max_message_bytes).feed(data)
    except ProtocolError as exc:
        return exc


def _measured(fn: Callable[[], Any]) -> tuple[Any, int, float]:
    """fn's result (or the exception it raised), the peak bytes it allocated, its seconds."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result: Any = fn()
    except Exception as exc:  # returned, so that the test can say which exception it was
        result = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, peak, time.perf_counter() - started


def _args(attack: ChannelAttack) -> tuple[Any, ...]:
    return {"predictions": (fake_inputs(),), "results": (["case-a", "case-b"],)}.get(attack.stage, ())


def _short(value: object) -> str:
    try:
        return repr(value)[:200]
    except Exception as exc:  # a value too deep to print is itself a finding
        return f"<unprintable: {type(exc).__name__}>"


# --- in this process: the readers ------------------------------------------------------------------


DECODABLE = [a for a in ATTACKS + FUNCTION_ATTACKS if a.name not in FLOODS]


@pytest.mark.parametrize("attack", DECODABLE, ids=[a.name for a in DECODABLE])
def test_decoding_raises_only_protocol_errors_and_allocates_little(attack: ChannelAttack) -> None:
    """Classes 1, 2 and 6: whatever the bytes, the reader returns messages or a ProtocolError,
    after allocating a small multiple of what it was given (never what a header claims)."""
    data = build(attack, *_args(attack))
    result, peak, seconds = _measured(lambda: _decode(data))
    assert isinstance(result, (list, ProtocolError)), f"{type(result).__name__}: {result}"
    assert peak <= 3 * len(data) + 16 * MiB, f"decoding {len(data)} bytes allocated {peak} bytes"
    assert seconds < 5, f"decoding took {seconds:.1f} s"


def test_deep_and_oversized_headers() -> None:
    """Class 1: nesting deeper than the protocol allows, and headers over the cap, are protocol
    errors as soon as they are seen (a declared length over the cap needs no more bytes)."""
    for depth in (101, 900, 100_000):
        deep = b'{"type":"progress","x":' + b"[" * depth + b"]" * depth + b"}"
        result = _decode(struct.pack(">I", len(deep)) + deep)
        assert isinstance(result, ProtocolError) and "deep" in str(result), (depth, result)
    fine = b'{"type":"progress","x":' + b"[" * 90 + b"]" * 90 + b"}"
    assert isinstance(_decode(struct.pack(">I", len(fine)) + fine), list)
    declared = _decode(struct.pack(">I", protocol.MAX_HEADER_BYTES + 1) + b"{")
    assert isinstance(declared, ProtocolError) and "header" in str(declared)
    [message] = _decode(build(next(a for a in ATTACKS if a.name == "lone_surrogates_in_error")))  # type: ignore[misc]
    assert message["error"].encode("utf-8") and "boom" in message["error"]
    assert message["traceback"].encode("utf-8") is not None


def test_npy_oddities_are_normalised() -> None:
    """Class 2: what numpy can say but our encoder never writes is either refused or made plain:
    native byte order, C order, bools that are 0 or 1."""
    ns = helpers()
    odd = np.asfortranarray(np.arange(12, dtype=">f4").reshape(3, 4))
    weird_bool = ns["npy_raw"]("|b1", (3,), data=b"\x00\x01\x07")
    [message] = _decode(ns["message"]("x", arrays={"a": odd}, raw=[("b", weird_bool)]))  # type: ignore[misc]
    a, b = message["payload"]["a"], message["payload"]["b"]
    assert a.dtype == np.dtype("float32") and a.dtype.isnative and a.flags.c_contiguous and a.flags.writeable
    assert np.array_equal(a, np.arange(12).reshape(3, 4))
    assert b.dtype == np.bool_ and b.view(np.uint8).tolist() == [0, 1, 1]
    for descr in ("<f16", "<c8", "|O", "<M8[s]", "|S4", "<U2", "|V8"):
        assert isinstance(_decode(ns["message"]("x", raw=[("a", ns["npy_raw"](descr, (1,), data=b"\0" * 16))])),
                          ProtocolError), descr


def test_npy_size_is_checked_against_the_frame() -> None:
    """Class 2: the declared shape times the itemsize must be exactly the bytes that came."""
    ns = helpers()
    for descr, shape, data, why in (("<f8", (1 << 40,), b"", "elements"), ("<f8", (10**30,), b"", "shape"),
                                    ("<f4", (1000, 1000), b"\0" * 64, "holds 64"), ("<f4", (2,), b"\0" * 4096, "holds 4096"),
                                    ("|i1", (10**8,), b"", "holds 0"), ("<f4", (0, 10**15), b"", "elements"),
                                    ("<f4", (1,) * 33, b"\0" * 4, "dimensions")):
        frame = ns["message"]("x", raw=[("a", ns["npy_raw"](descr, shape, data=data))])
        result, peak, _ = _measured(lambda frame=frame: _decode(frame))  # type: ignore[misc]
        assert isinstance(result, ProtocolError) and why in str(result), (descr, shape, result)
        assert peak < MiB, peak
    [ok] = _decode(ns["message"]("x", raw=[("a", ns["npy_raw"]("<i2", (2, 0, 3)))]))  # type: ignore[misc]
    assert ok["payload"]["a"].shape == (2, 0, 3)


def test_reader_caps_arrays_messages_and_channel_bytes() -> None:
    """Class 3: a header naming more arrays than a message may carry is refused before any frame
    is read; the reader counts messages and bytes per job when asked to."""
    ns = helpers()
    head = ns["frame"](json.dumps({"type": "progress", "values": {}, "arrays": [""] * 300_000}).encode())
    result, _, seconds = _measured(lambda: _decode(head))
    assert isinstance(result, ProtocolError) and seconds < 1
    one = ns["frame"](b'{"type":"progress","step":1}')
    reader = protocol.FrameReader(LIMITS.max_message_bytes, max_messages=100, max_channel_bytes=10 * MiB)
    assert len(reader.feed(one * 100)) == 100
    with pytest.raises(ProtocolError, match="too much over its channel"):
        reader.feed(one)
    reader = protocol.FrameReader(LIMITS.max_message_bytes, max_messages=10**6, max_channel_bytes=MiB)
    with pytest.raises(ProtocolError, match="too much over its channel"):
        reader.feed(one * (MiB // len(one) + 1))
    assert LIMITS.max_channel_bytes >= 2 * LIMITS.max_message_bytes


def test_messages_before_a_bad_frame_are_handed_out_first() -> None:
    """Class 6: the job's greeting and its garbage can arrive in one read; the greeting must still
    be seen (else a learner's bad frame would read as "the job never started": infrastructure)."""
    ns = helpers()
    reader = protocol.FrameReader(LIMITS.max_message_bytes, max_messages=10, max_channel_bytes=MiB)
    reader.push(ns["frame"](b'{"type":"isolated","timings":{}}') + build(ATTACKS[0]))
    seen = []
    with pytest.raises(ProtocolError, match="deep"):
        for message in reader.messages():
            seen.append(message["type"])
    assert seen == ["isolated"]


def test_progress_relay_sanitises_every_field() -> None:
    """Class 4: the supervisor's relay gives front ends an int step in range or None, a finite
    float loss or None, a finite float elapsed, a short string phase name."""
    from sandbox.core.supervisor import MAX_PROGRESS_STEP, progress_event

    huge = 10**4000
    for step, loss, elapsed in [({"a": 1}, "low", [1]), (True, False, None), (-5, {"x": 1}, "3"), (1.5, [0.1], {"s": 1}),
                                (huge, huge, huge), (-huge, -huge, -huge), (7, math.nan, math.nan), (8, math.inf, math.inf),
                                (MAX_PROGRESS_STEP + 1, -math.inf, -1.0), (3, 2, 4), (3, 0.5, 1.5)]:
        event = progress_event({"type": "progress", "step": step, "loss": loss, "elapsed": elapsed, "x": 1}, 2.0, 60.0)
        assert set(event) == {"type", "step", "loss", "elapsed"}
        assert event["step"] is None or (type(event["step"]) is int and 0 <= event["step"] <= MAX_PROGRESS_STEP)
        assert event["loss"] is None or (type(event["loss"]) is float and math.isfinite(event["loss"]))
        assert type(event["elapsed"]) is float and 0.0 <= event["elapsed"] <= 60.0
    assert progress_event({"step": 3, "loss": 2, "elapsed": 4}, 2.0, 60.0) == {"type": "progress", "step": 3, "loss": 2.0,
                                                                                 "elapsed": 4.0}
    assert progress_event({"step": huge, "loss": huge, "elapsed": huge}, 2.0, 60.0)["elapsed"] == 2.0


TRAINED_STAGED = [a for a in ATTACKS if a.stage in ("facts", "predictions")]


def _trained_run(attack: ChannelAttack) -> Report | str:
    """Drive shapes-classifier's exchange with the sample's messages as the supervisor decodes
    them; the verdict it evaluates to, or why the job would end as an error."""
    from challenges.kinds.common import report_of

    challenge = _challenge("shapes-classifier")
    exchange = challenge.kind.exchange(challenge, Submission({"submission.py": "x = 1\n"}), seed=5)
    assert isinstance(exchange, TrainedExchange)
    exchange.opening()
    ns = helpers()
    decoded = _decode(build(attack) if attack.stage == "facts" else ns["honest_facts"]())
    if isinstance(decoded, ProtocolError):
        return f"protocol: {decoded}"
    try:
        [test] = exchange.receive(Message(decoded[0]["type"], decoded[0]["payload"]))
        inputs = test.payload
        decoded = _decode(build(attack, inputs) if attack.stage == "predictions" else ns["honest_predictions"](inputs))
        if isinstance(decoded, ProtocolError):
            return f"protocol: {decoded}"
        exchange.receive(Message(decoded[0]["type"], decoded[0]["payload"]))
    except ChallengeError as exc:  # the driver turns it into a protocol error: the job's fault
        return f"exchange: {exc}"
    record = RunRecord(losses=list(exchange.losses), steps=int(exchange.steps))
    return report_of(challenge.spec, exchange.evaluate(record), losses=record.losses)


def _check_report(report: Report) -> None:
    """What storing and showing a report needs: strict JSON, UTF-8, finite metrics, float losses
    (NaN or inf there says the training diverged; the loss plot skips them)."""
    text = json.dumps(report.to_json(), allow_nan=False, ensure_ascii=False)
    assert text.encode("utf-8")
    assert len(report.losses) <= 20_000 and all(type(x) is float for x in report.losses), report.losses[:5]
    assert all(math.isfinite(v) for v in report.metrics.values())


@pytest.mark.parametrize("attack", TRAINED_STAGED, ids=[a.name for a in TRAINED_STAGED])
def test_trained_exchange_reads_forged_payloads(attack: ChannelAttack) -> None:
    """Class 5: facts and predictions of the wrong type are failed checks (or protocol errors),
    never an exception in the grader."""
    result = _trained_run(attack)
    if isinstance(result, str):
        assert "error" in attack.verdicts, result
        return
    assert "failed" in attack.verdicts and result.status == "failed", [c.message for c in result.checks]
    _check_report(result)


@pytest.mark.parametrize("attack", FUNCTION_ATTACKS, ids=[a.name for a in FUNCTION_ATTACKS])
def test_functions_exchange_reads_forged_results(attack: ChannelAttack) -> None:
    """Class 5, functions kind: every value of a forged results message is read with bounds."""
    from challenges.kinds.common import report_of

    challenge = _challenge("install-command")
    exchange = challenge.kind.exchange(challenge, Submission({"submission.py": "x = 1\n"}), seed=5)
    [calls] = exchange.opening()
    decoded, peak, _ = _measured(lambda: _decode(build(attack, [c["id"] for c in calls.payload["calls"]])))
    if isinstance(decoded, ProtocolError):
        assert "error" in attack.verdicts, decoded
        return
    [message] = decoded
    result, peak, seconds = _measured(lambda: exchange.receive(Message(message["type"], message["payload"])))
    assert result == [], f"{type(result).__name__}: {result}"
    assert peak < 64 * MiB and seconds < 5
    report = report_of(challenge.spec, exchange.evaluate(RunRecord()))
    assert report.status == "failed"
    _check_report(report)


def test_from_wire_is_bounded() -> None:
    """from_wire reads nested arrays by the rules of the frames: numbers only, the declared shape
    must be the data's, nothing is allocated from what a header claims."""
    assert np.array_equal(from_wire({"__array__": [[1, 2]], "dtype": "int64", "shape": [1, 2]}), [[1, 2]])
    for bad in ({"__array__": ["x"] * 1000, "dtype": "S1000000000", "shape": [1000]},
                {"__array__": [1.0] * 100, "dtype": "(100000000,)f8", "shape": [100]},
                {"__array__": [1, 2], "dtype": "int64", "shape": [10**12, 10**12]},
                {"__array__": [1, 2], "dtype": "int64", "shape": "2"},
                {"__array__": [10**400], "dtype": "float64", "shape": [1]},
                {"__array__": [10**400], "dtype": "int64", "shape": [1]},
                {"__array__": [[1], [2, 3]], "dtype": "int64", "shape": [2]},
                {"__array__": [{"a": 1}], "dtype": "O", "shape": [1]},
                {"__array__": [1], "dtype": "complex64", "shape": [1]}):
        result, peak, _ = _measured(lambda bad=bad: from_wire(bad))  # type: ignore[misc]
        assert result is None and peak < 16 * MiB, (_short(bad), _short(result), peak)
    assert from_wire([[[1, 2**1023 - 1]]]) == [[[1, 2**1023 - 1]]]
    for unreadable in ([1, {"a": 2**1100}], -(10**400)):
        with pytest.raises(UnreadableValue):
            from_wire(unreadable)
    deep: Any = 1
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(UnreadableValue, match="deep"):
        from_wire(deep)


# --- in the real sandbox -----------------------------------------------------------------------------


class FrontEnd:
    """What the front ends do with a relayed event (bot.text's line, the embed's fields), kept
    as findings: an exception raised here would be swallowed by the relay, not fail the test."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.events = 0

    def __call__(self, event: dict[str, Any]) -> None:
        from bot.text import event_line

        self.events += 1
        try:
            kind = event.get("type")
            if kind == "phase":
                assert set(event) == {"type", "name"} and isinstance(event["name"], str) and len(event["name"]) <= 40
                event["name"].encode("utf-8")
            else:
                assert kind == "progress" and set(event) == {"type", "step", "loss", "elapsed"}, sorted(event)
                step, loss, elapsed = event["step"], event["loss"], event["elapsed"]
                assert step is None or (type(step) is int and 0 <= step <= 10**12), step
                assert loss is None or (type(loss) is float and math.isfinite(loss)), loss
                assert type(elapsed) is float and math.isfinite(elapsed) and elapsed >= 0, elapsed
            event_line(event, 14.0)
        except Exception as exc:
            self.problems.append(f"{type(exc).__name__}: {str(exc)[:120]} in {_short(event)}")


@pytest.mark.sandbox
@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
async def test_channel_attack_through_the_grader(sandbox: Sandbox, attack: ChannelAttack,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Class 6: every sample, from learner code through the real graded path, ends as a clear
    verdict with sanitised events; nothing is left behind."""
    monkeypatch.setattr("sandbox.driver.check_source", lambda source, *_, **__: [])  # as if it slipped past the lint
    front = FrontEnd()
    started = time.monotonic()
    report = await grade(_challenge("shapes-classifier"), Submission({"submission.py": attack.source}), sandbox,
                         on_event=front)
    messages = " | ".join(c.message for c in report.checks)
    assert report.status in attack.verdicts, (report.status, messages[:600], report.stderr[-600:])
    assert not report.passed and report.points == 0
    assert attack.expect in messages, messages[:600]
    assert not front.problems, front.problems[:5]
    _check_report(report)
    assert time.monotonic() - started < 40, "the trusted side took too long over a hostile channel"
    await assert_clean(sandbox)


@pytest.mark.sandbox
@pytest.mark.parametrize("attack", FUNCTION_ATTACKS, ids=[a.name for a in FUNCTION_ATTACKS])
async def test_results_attack_through_the_grader(sandbox: Sandbox, attack: ChannelAttack,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Class 6, functions kind: forged results from inside a call of the learner's function."""
    monkeypatch.setattr("sandbox.driver.check_source", lambda source, *_, **__: [])
    report = await grade(_challenge("install-command"), Submission({"submission.py": attack.source}), sandbox)
    messages = " | ".join(c.message for c in report.checks)
    assert report.status in attack.verdicts, (report.status, messages[:600], report.stderr[-600:])
    assert not report.passed
    _check_report(report)
    await assert_clean(sandbox)


RAW = [a for a in ATTACKS if a.stage in PLAIN_TAIL]


@pytest.mark.sandbox
@pytest.mark.parametrize("attack", RAW, ids=[a.name for a in RAW])
async def test_plain_job_channel_attack_is_an_error(sandbox: Sandbox, attack: ChannelAttack) -> None:
    """Class 6 without a conversation: Sandbox.run always returns, the job ends as ``error``."""
    source = HELPERS + attack.code + PLAIN_TAIL[attack.stage]
    outcome = await run_job(sandbox, source, timeout=30, memory_mb=1024)
    assert outcome.status == "error", (outcome.status, outcome.error, outcome.stderr[-600:])
    assert outcome.wall_s < 20, outcome.wall_s
    assert (outcome.error or "").encode("utf-8")
    await assert_clean(sandbox, outcome)


@pytest.mark.sandbox
async def test_plain_job_progress_events_are_sanitised(sandbox: Sandbox) -> None:
    """Class 4 through the supervisor: forged phase and progress messages reach on_event only
    as sanitised values, and the job still finishes."""
    forged = [b'{"type":"phase","name":{"x":[1,2]}}', b'{"type":"phase","name":"\\ud800' + b"p" * 100 + b'"}',
              b'{"type":"progress","step":{"a":1},"loss":"low","elapsed":[1]}',
              b'{"type":"progress","step":true,"loss":NaN,"elapsed":Infinity}',
              b'{"type":"progress","step":' + b"9" * 4000 + b',"loss":' + b"9" * 4000 + b',"elapsed":-1e999}',
              b'{"type":"progress","step":12,"loss":0.25,"elapsed":1.5}']
    source = HELPERS + "send(b''.join(frame(b) for b in FORGED))\nprint('sent')\n"
    front = FrontEnd()
    limits = Limits(total_s=10, memory_mb=512, threads=1)
    from sandbox.core.job import JobSpec

    outcome = await sandbox.run(JobSpec(source=f"FORGED = {forged!r}\n" + source, limits=limits), on_event=front)
    assert outcome.status == "ok" and "sent" in outcome.stdout, (outcome.status, outcome.error)
    assert front.events == len(forged) and not front.problems, front.problems
    assert (outcome.phase or "").encode("utf-8")
    await assert_clean(sandbox, outcome)
