"""The `tutor` command: the faces (chat, bot) and the tools around them.

Every command that reports a result has ``--json``. Exit codes: 0 success / passed,
1 failed, 2 usage or infrastructure error.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import tutor_service
    from bot.console import run_console

    async def main() -> None:
        async with tutor_service(settings) as service:
            await run_console(service, args.user, args.guild)

    asyncio.run(main())
    return EXIT_OK


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.engine import upgrade_sync

    upgrade_sync(settings.database_url)
    print(f"database is at the latest schema: {settings.database_url}")
    return EXIT_OK


def cmd_challenges_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot import text
    from challenges.catalogue import load_catalogue

    catalogue = load_catalogue()
    if args.json:
        _print_json([
            {"id": c.id, "title": c.spec.title, "competency": c.spec.competency, "difficulty": c.spec.difficulty,
             "points": c.spec.points, "device": c.spec.device, "kind": c.spec.kind}
            for c in catalogue
        ])
    else:
        print(text.challenge_list(list(catalogue)))
    return EXIT_OK


def _grade_file(settings: Settings, challenge_id: str, path: Path) -> Any:
    """Grade one file exactly as the bot does: same upload checks, sandbox and grader."""
    from bot.app import build_sandbox
    from bot.uploads import source_from_upload
    from challenges.catalogue import load_catalogue
    from sandbox.grading import grade

    catalogue = load_catalogue()
    challenge = catalogue.get(challenge_id)
    if challenge is None or challenge.spec.kind != "graded":
        raise LookupError(f"there is no graded challenge `{challenge_id}`")
    source = source_from_upload(path.name, path.read_bytes(), max_source_bytes=settings.max_submission_bytes,
                                max_upload_bytes=settings.max_upload_bytes)
    sandbox = build_sandbox(settings)
    return asyncio.run(grade(challenge, source, sandbox, base_limits=settings.job_limits(), filename=path.name))


def cmd_grade(args: argparse.Namespace, settings: Settings) -> int:
    from bot import text
    from bot.errors import TutorError
    from sandbox.errors import SandboxError

    try:
        report = _grade_file(settings, args.challenge, Path(args.file))
    except (LookupError, OSError, TutorError, SandboxError) as exc:
        print(f"tutor grade: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        _print_json(report.to_json())
    else:
        print(text.report(report))
    if report.status == "infrastructure":
        return EXIT_ERROR
    return EXIT_OK if report.passed else EXIT_FAILED


def cmd_challenges_validate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_sandbox
    from challenges.catalogue import load_catalogue
    from sandbox.grading import grade

    catalogue = load_catalogue()
    wanted = args.ids or [c.id for c in catalogue]
    unknown = [i for i in wanted if catalogue.get(i) is None]
    if unknown:
        print(f"tutor challenges validate: unknown ids: {', '.join(unknown)}", file=sys.stderr)
        return EXIT_ERROR
    sandbox = build_sandbox(settings)
    results = []

    async def run_one(challenge: Any, path: Path) -> Any:
        return await grade(challenge, path.read_text(encoding="utf-8"), sandbox,
                           base_limits=settings.job_limits(), filename=path.name)

    for cid in wanted:
        challenge = catalogue.get(cid)
        assert challenge is not None
        if challenge.spec.kind == "quiz":
            results.append({"id": cid, "ok": True, "reference": None, "starter": None, "cases": []})
            continue
        started = time.monotonic()
        ref = asyncio.run(run_one(challenge, challenge.reference_path))
        ref_wall = time.monotonic() - started
        starter = asyncio.run(run_one(challenge, challenge.starter_path))
        cases = []
        for case in challenge.cases():
            got = asyncio.run(run_one(challenge, challenge.folder / "cases" / case.file))
            cases.append({"name": case.name, "expected": case.expected, "got": got.status})
        ok = ref.passed and not starter.passed and all(c["expected"] == c["got"] for c in cases)
        results.append({"id": cid, "ok": ok, "reference": {"passed": ref.passed, "wall_s": round(ref_wall, 2),
                        "metrics": ref.metrics}, "starter": {"passed": starter.passed, "status": starter.status},
                        "cases": cases})
        if not args.json:
            print(f"{'ok  ' if ok else 'FAIL'} {cid}: reference {ref.status} in {ref_wall:.1f}s {ref.metrics}; "
                  f"starter {starter.status}; cases "
                  + ", ".join(f"{c['name']}={c['got']}" + ("" if c["got"] == c["expected"] else f" (want {c['expected']})") for c in cases),
                  flush=True)
    if args.json:
        _print_json(results)
    return EXIT_OK if all(r["ok"] for r in results) else EXIT_FAILED


def cmd_sandbox_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.errors import TutorError
    from bot.uploads import source_from_upload
    from sandbox.policy import check_source

    try:
        source = source_from_upload(Path(args.file).name, Path(args.file).read_bytes(),
                                    max_source_bytes=settings.max_submission_bytes, max_upload_bytes=settings.max_upload_bytes)
    except (OSError, TutorError) as exc:
        print(f"tutor sandbox check: {exc}", file=sys.stderr)
        return EXIT_ERROR
    violations = check_source(source)
    if args.json:
        _print_json({"allowed": not violations, "violations": [v.to_dict() for v in violations]})
    else:
        print("allowed" if not violations else "\n".join(f"line {v.line}: {v.message}" for v in violations))
    return EXIT_OK if not violations else EXIT_FAILED


def cmd_sandbox_run(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from bot.app import build_sandbox
    from sandbox.job import JobSpec
    from sandbox.policy import check_source

    try:
        source = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"tutor sandbox run: cannot read {args.file}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    limits = settings.job_limits()
    if args.timeout:  # a plain script has no phases: its whole run gets the timeout
        limits = replace(limits, startup_s=args.timeout, wall_s=0.0, predict_s=0.0)
    if args.memory_mb:
        limits = replace(limits, memory_mb=args.memory_mb)
    violations = [v.to_dict() for v in check_source(source)]
    if violations:
        result: dict[str, Any] = {"status": "rejected", "exit_code": None, "signal": None, "stdout": "",
                                  "stderr": "", "wall_s": 0.0, "violations": violations}
    else:
        outcome = asyncio.run(build_sandbox(settings).run(JobSpec(source=source, filename=Path(args.file).name, limits=limits)))
        result = {"status": outcome.status, "exit_code": outcome.exit_code, "signal": outcome.signal,
                  "stdout": outcome.stdout, "stderr": outcome.stderr, "wall_s": outcome.wall_s, "violations": []}
    if args.json:
        _print_json(result)
    else:
        sys.stdout.write(result["stdout"])
        sys.stderr.write(result["stderr"])
        print(f"[{result['status']} in {result['wall_s']}s]", file=sys.stderr)
    return EXIT_OK if result["status"] == "ok" else EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutor", description="torch-tutor: PyTorch challenges graded by real training.")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="the learner console (reads slash commands from stdin)")
    chat.add_argument("--user", default=getpass.getuser() or "learner")
    chat.add_argument("--guild", default=None)
    chat.set_defaults(func=cmd_chat)

    grade = sub.add_parser("grade", help="grade a file exactly as the bot would")
    grade.add_argument("challenge")
    grade.add_argument("file")
    grade.add_argument("--json", action="store_true")
    grade.set_defaults(func=cmd_grade)

    challenges = sub.add_parser("challenges", help="the catalogue").add_subparsers(dest="action", required=True)
    lst = challenges.add_parser("list")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_challenges_list)
    val = challenges.add_parser("validate", help="reference passes, starter fails, cases get their verdicts")
    val.add_argument("ids", nargs="*")
    val.add_argument("--json", action="store_true")
    val.set_defaults(func=cmd_challenges_validate)

    db = sub.add_parser("db", help="database").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    sandbox = sub.add_parser("sandbox", help="the sandbox").add_subparsers(dest="action", required=True)
    check = sandbox.add_parser("check", help="the lint layer's verdict on a file")
    check.add_argument("file")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_sandbox_check)
    run = sandbox.add_parser("run", help="run a file in the sandbox")
    run.add_argument("file")
    run.add_argument("--json", action="store_true")
    run.add_argument("--timeout", type=float, default=None)
    run.add_argument("--memory-mb", type=int, default=None)
    run.set_defaults(func=cmd_sandbox_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    func: Callable[[argparse.Namespace, Settings], int] = args.func
    try:
        return func(args, settings)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
