"""The `tutor` command: the faces (chat, bot) and the tools around them.

Every command that reports a result has ``--json``. Exit codes: 0 success / passed,
1 failed, 2 usage or infrastructure error.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
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
            await run_console(service, args.user, args.guild, Path(settings.verdict_pictures_dir))

    asyncio.run(main())
    return EXIT_OK


def cmd_admin(args: argparse.Namespace, settings: Settings) -> int:
    """Invalidate or restore a submission's result, as the console's /admin does."""
    from bot.app import tutor_service
    from bot.errors import TutorError
    from bot.service import Who

    operator = Who(f"cli:{getpass.getuser()}", getpass.getuser())

    async def act() -> str:
        async with tutor_service(settings) as service:
            if args.action == "invalidate":
                item = await service.invalidate(operator, args.submission, " ".join(args.reason))
                return f"submission #{item.submission_id} ({item.challenge_id}) no longer counts: {item.reason}"
            await service.restore(operator, args.submission)
            return f"submission #{args.submission} counts again"

    try:
        print(asyncio.run(act()))
    except TutorError as exc:
        print(f"tutor admin: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """`tutor worker`: grade jobs from the PostgreSQL queue on this host's own warm pool. A worker
    never holds the Discord token: it is dropped from the settings and the environment first."""
    from bot.app import build_sandbox, grading_jobs
    from challenges.catalogue import load_catalogue
    from sandbox.queue import WorkerOptions, build_app, run_worker, worker_name
    from storage.engine import create_engine, session_factory, upgrade

    os.environ.pop("TUTOR_DISCORD_TOKEN", None)
    queues = tuple(q.strip() for q in args.queues.split(",") if q.strip())
    settings = settings.model_copy(update={"discord_token": None, "sandbox_pool_size": args.concurrency})
    if not settings.database_url.startswith("postgres"):
        print("tutor worker: the job queue lives in PostgreSQL; set TUTOR_DATABASE_URL=postgresql+psycopg://...",
              file=sys.stderr)
        return EXIT_ERROR
    options = WorkerOptions(queues=queues, concurrency=args.concurrency, name=args.name or "",
                            heartbeat_s=settings.worker_heartbeat_s, stalled_s=settings.worker_stalled_s,
                            poll_s=settings.worker_poll_s)
    sandbox = build_sandbox(settings)
    if sandbox.refusal:
        print(f"tutor worker: {sandbox.refusal}", file=sys.stderr)
        return EXIT_ERROR
    sandbox.start()
    if not sandbox.pool.wait_ready(180):
        print(f"tutor worker: the warm pool did not start: {sandbox.pool.last_error}", file=sys.stderr)
        return EXIT_ERROR
    catalogue = load_catalogue()

    async def work() -> None:
        await upgrade(settings.database_url)
        engine = create_engine(settings.database_url)
        try:
            jobs = grading_jobs(settings, sandbox, session_factory(engine), lambda: catalogue, worker=worker_name(options))
            app = build_app(settings.database_url, jobs=jobs, retries=settings.job_retries, pool_size=args.concurrency + 3)
            print(f"tutor worker {worker_name(options)}: queues {','.join(queues)}, concurrency {args.concurrency}",
                  file=sys.stderr, flush=True)
            await run_worker(app, settings.database_url, options)
        finally:
            await engine.dispose()

    try:
        asyncio.run(work())
    finally:
        sandbox.close()
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


def _grade_files(settings: Settings, challenge_id: str, paths: list[Path]) -> Any:
    """Grade files exactly as the bot does: same upload checks, sandbox and grader. A folder
    stands for the files in it."""
    from bot.app import build_sandbox
    from bot.uploads import files_from_uploads, read_uploads
    from challenges.catalogue import load_catalogue
    from challenges.kinds.base import Submission
    from sandbox.driver import grade

    catalogue = load_catalogue()
    challenge = catalogue.get(challenge_id)
    if challenge is None or challenge.spec.kind == "quiz":
        raise LookupError(f"there is no graded challenge `{challenge_id}`")
    uploads = read_uploads(paths)
    files = files_from_uploads(list(challenge.spec.files), uploads, max_source_bytes=settings.max_submission_bytes,
                               max_upload_bytes=settings.max_upload_bytes)
    sandbox = build_sandbox(settings, catalogue)
    return asyncio.run(grade(challenge, Submission(files), sandbox, base_limits=settings.job_limits()))


def cmd_grade(args: argparse.Namespace, settings: Settings) -> int:
    from bot import text
    from bot.errors import TutorError
    from sandbox.core.errors import SandboxError

    try:
        report = _grade_files(settings, args.challenge, [Path(f) for f in args.files])
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
    from bot.app import build_sandbox, widest_threads
    from challenges.catalogue import load_catalogue
    from sandbox.validation import validate

    catalogue = load_catalogue()
    wanted = args.ids or [c.id for c in catalogue]
    unknown = [i for i in wanted if catalogue.get(i) is None]
    if unknown:
        print(f"tutor challenges validate: unknown ids: {', '.join(unknown)}", file=sys.stderr)
        return EXIT_ERROR
    # Validation checks verdicts, not speed: by default it runs more jobs at once than the cores
    # hold, unpinned (bot.settings: sandbox_validate_pool_size); references are graded alone first.
    size, pinned = settings.validate_pool(widest_threads(catalogue))
    sandbox = build_sandbox(settings, catalogue, size=size, pin_cores=pinned)
    challenges = [c for c in (catalogue.get(i) for i in wanted) if c is not None]
    started = time.monotonic()
    results = asyncio.run(validate(challenges, sandbox, settings.job_limits()))
    sandbox.close()
    if args.json:
        _print_json([r.to_json() for r in results])
    else:
        for r in results:
            data = r.to_json()
            ref = data["reference"]
            cases = ", ".join(f"{c['name']}={c['got']}" + ("" if c["ok"] else f" (want {c['expected']})")
                              for c in data["cases"])
            head = "quiz" if ref is None else (f"reference {ref['status']} in {ref['wall_s']:.1f}s {ref['metrics']}; "
                                               f"starter {data['starter']['status']}; cases {cases}")
            print(f"{'ok  ' if r.ok else 'FAIL'} {r.id}: {head}")
        print(f"validated {len(results)} challenges in {time.monotonic() - started:.0f} s")
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def cmd_challenges_new(args: argparse.Namespace, settings: Settings) -> int:
    from challenges.errors import CatalogueError
    from challenges.scaffold import new_challenge

    try:
        folder = new_challenge(Path(args.root), args.id, args.kind, title=args.title, competency=args.competency)
    except (CatalogueError, ValueError) as exc:
        print(f"tutor challenges new: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"wrote {folder}\nnext: edit every TODO(author), then `tutor challenges calibrate {args.id}` (trained) "
          f"and `tutor challenges validate {args.id}`")
    return EXIT_OK


#: Design §2.4: the reference's margin over its threshold, on every seed.
CALIBRATION_MARGIN = 0.05
#: Design §2.4's relative term: thresholds from here up (accuracy-like scores in [0, 1])
#: need reference error <= RELATIVE_ERROR_SHARE x (1 - threshold) instead.
RELATIVE_FROM = 0.95
RELATIVE_ERROR_SHARE = 0.5


def required_margin(threshold: float, higher_is_better: bool) -> float:
    """The margin §2.4 asks of a reference: 0.05, or for a score bar >= 0.95 (where 0.05 over it
    is out of reach) the relative rule, error at most half of what the bar allows."""
    if higher_is_better and RELATIVE_FROM <= threshold < 1.0:
        return round(RELATIVE_ERROR_SHARE * (1.0 - threshold), 6)  # error <= share x (1 - bar)
    return CALIBRATION_MARGIN


def cmd_challenges_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    """Design §2.4 on OUR files, in this process: the reference passes with margin on N seeds
    within the training budget (never point --file at learner code: nothing here is sandboxed)."""
    from challenges.catalogue import load_catalogue, read_folder
    from challenges.kinds.trained import TrainedConfig
    from challenges.metrics import METRICS
    from sandbox.inprocess import run_files

    challenge = load_catalogue().get(args.challenge)
    if challenge is None or challenge.spec.kind == "quiz":
        print(f"tutor challenges calibrate: no graded challenge {args.challenge!r}", file=sys.stderr)
        return EXIT_ERROR
    if args.file:
        path = Path(args.file)
        files = read_folder(path) if path.is_dir() else {path.name: path.read_text(encoding="utf-8")}
    else:
        files = challenge.starter_files if args.starter else challenge.reference_files
    config = challenge.config if isinstance(challenge.config, TrainedConfig) else None
    rows, ok = [], True
    for k in range(args.seeds):
        run = run_files(challenge, files, seed=args.base_seed + k)
        report = run.report
        row: dict[str, Any] = {"seed": args.base_seed + k, "status": report.status, "tier": report.tier,
                               "metrics": report.metrics, "phase_s": {n: round(v, 2) for n, v in run.phase_s.items()},
                               "cpu_s": round(run.cpu_s, 1), "failed": [c.name for c in report.checks if not c.passed]}
        good = report.passed
        if config is not None:
            metric = METRICS[config.metric.name]
            value = report.metrics.get(metric.name, float("nan"))
            margin = value - config.metric.threshold if metric.higher_is_better else config.metric.threshold - value
            for criterion in config.metric.criteria:  # every part with a threshold needs the margin too
                part = report.metrics.get(criterion.part, float("nan"))
                margin = min(margin, part - criterion.threshold if criterion.at_least is not None
                             else criterion.threshold - part)
            needed = args.margin if args.margin is not None else required_margin(config.metric.threshold,
                                                                                 metric.higher_is_better)
            row["margin"], row["margin_needed"] = round(margin, 4), needed
            good = good and margin >= needed - 1e-9 and run.phase_s.get("train", 0.0) <= challenge.spec.limits.train_budget_s
        ok = ok and good
        rows.append(row)
        if not args.json:
            print(f"seed {row['seed']}: {report.status} margin {row.get('margin')} (needs {row.get('margin_needed')}) train {row['phase_s'].get('train')} s "
                  f"cpu {row['cpu_s']} s failed={row['failed']} metrics={ {m: round(v, 4) for m, v in report.metrics.items()} }",
                  flush=True)
    load = os.getloadavg()[0]
    if args.json:
        _print_json({"id": challenge.id, "ok": ok, "load_average": load, "runs": rows})
    else:
        print(f"load average {load:.2f}; " + ("calibration OK" if ok else "calibration NOT met"))
    return EXIT_OK if ok else EXIT_FAILED


def cmd_sandbox_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.errors import TutorError
    from bot.uploads import source_from_upload
    from sandbox.lint import check_source

    try:
        source = source_from_upload(Path(args.file).name, Path(args.file).read_bytes(),
                                    max_source_bytes=settings.max_submission_bytes, max_upload_bytes=settings.max_upload_bytes)
    except (OSError, TutorError) as exc:
        print(f"tutor sandbox check: {exc}", file=sys.stderr)
        return EXIT_ERROR
    violations = check_source(source)
    allowed = not any(v.is_error for v in violations)  # warnings are advice, never a rejection
    if args.json:
        _print_json({"allowed": allowed, "violations": [v.to_dict() for v in violations]})
    else:
        lines = [f"line {v.line}: {'' if v.is_error else 'warning: '}{v.message}" for v in violations]
        print("\n".join((["allowed"] if allowed else []) + lines))
    return EXIT_OK if allowed else EXIT_FAILED


def cmd_sandbox_run(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from bot.app import build_sandbox
    from sandbox.core.job import JobSpec
    from sandbox.lint import check_source

    try:
        source = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"tutor sandbox run: cannot read {args.file}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    limits = settings.job_limits()
    if args.timeout:  # a plain script has no phases: its whole run gets the timeout
        limits = replace(limits, total_s=args.timeout)
    if args.memory_mb:
        limits = replace(limits, memory_mb=args.memory_mb)
    found = [] if args.no_lint else check_source(source)
    violations = [v.to_dict() for v in found]
    if not args.json:  # errors reject the file; warnings are shown and it runs
        for v in found:
            print(f"line {v.line}: {'' if v.is_error else 'warning: '}{v.message}", file=sys.stderr)
    if any(v.is_error for v in found):
        result: dict[str, Any] = {"status": "rejected", "exit_code": None, "signal": None, "stdout": "",
                                  "stderr": "", "wall_s": 0.0, "violations": violations}
    else:
        outcome = asyncio.run(build_sandbox(settings).run(JobSpec(source=source, filename=Path(args.file).name, limits=limits)))
        result = {"status": outcome.status, "exit_code": outcome.exit_code, "signal": outcome.signal,
                  "stdout": outcome.stdout, "stderr": outcome.stderr, "wall_s": outcome.wall_s, "violations": violations}
    if args.json:
        _print_json(result)
    else:
        sys.stdout.write(result["stdout"])
        sys.stderr.write(result["stderr"])
        print(f"[{result['status']} in {result['wall_s']}s]", file=sys.stderr)
    return EXIT_OK if result["status"] == "ok" else EXIT_FAILED


def cmd_bot(args: argparse.Namespace, settings: Settings) -> int:
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        print("tutor bot: no Discord token. Set TUTOR_DISCORD_TOKEN (in the environment or .env) to the bot token "
              "from the Discord developer portal; `tutor chat` runs the same tutor in a terminal.", file=sys.stderr)
        return EXIT_ERROR
    from bot.discord.client import run_bot

    asyncio.run(run_bot(settings))
    return EXIT_OK


def cmd_commands(args: argparse.Namespace, settings: Settings) -> int:
    """Print (--json) or sync (--sync) exactly the command payloads `tree.sync` sends."""
    from bot.discord.sync import (
        SyncRefused,
        check_limits,
        command_payloads,
        guild_object,
        offline_bot,
        payload_hash,
        sync_tree,
    )

    guild_id = args.guild or None

    async def build() -> tuple[Any, list[dict[str, Any]]]:
        bot = await offline_bot()
        if guild_id:
            bot.tree.copy_global_to(guild=guild_object(guild_id))  # type: ignore[arg-type]
        return bot, command_payloads(bot, guild_object(guild_id))

    bot, payloads = asyncio.run(build())
    problems = check_limits(payloads)
    if args.json:
        _print_json(payloads)
    elif not args.sync:
        for p in payloads:
            print(f"/{p['name']}: {p.get('description', '')}")
        print(f"{len(payloads)} commands · sha256 {payload_hash(payloads)[:16]}")
    if problems:
        print("tutor commands: the tree breaks Discord's limits:\n  " + "\n  ".join(problems), file=sys.stderr)
        return EXIT_FAILED
    if not args.sync:
        return EXIT_OK
    if settings.discord_token is None:
        print("tutor commands --sync: set TUTOR_DISCORD_TOKEN first.", file=sys.stderr)
        return EXIT_ERROR
    token = settings.discord_token.get_secret_value()

    try:
        count = asyncio.run(sync_tree(bot, token, guild_id))
    except SyncRefused as exc:
        print(f"tutor commands --sync: Discord refused: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"synced {count} commands " + (f"to guild {guild_id}" if guild_id else "globally (may take a while to appear)"),
          file=sys.stderr)
    return EXIT_OK


def cmd_bench_grading(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_sandbox
    from bot.bench import run_grading_bench
    from challenges.catalogue import load_catalogue

    catalogue = load_catalogue()
    sandbox = build_sandbox(settings, catalogue)
    if sandbox.refusal:
        print(f"tutor bench grading: {sandbox.refusal}", file=sys.stderr)
        return EXIT_ERROR
    sandbox.start()
    sandbox.pool.wait_ready(180)
    result = asyncio.run(run_grading_bench(catalogue, sandbox, settings.job_limits(), n=args.n))
    sandbox.close()
    result["load_average"] = round(os.getloadavg()[0], 2)
    if args.json:
        _print_json(result)
    else:
        for kind, row in result.items():
            if isinstance(row, dict):
                print(f"{kind:<10} {row['challenge']:<22} inside {row['inside_ms_median']} ms  "
                      f"outside {row['outside_ms_median']} ms (median of {row['n']})")
    return EXIT_OK


def cmd_bench_queue(args: argparse.Namespace, settings: Settings) -> int:
    from bot.bench import run_queue_bench

    result = asyncio.run(run_queue_bench(settings, args.postgres, challenge_id=args.challenge, n=args.n,
                                         concurrency=args.concurrency))
    result["load_average"] = round(os.getloadavg()[0], 2)
    if args.json:
        _print_json(result)
    else:
        for key in ("alone", "one_worker", "two_workers"):
            row = result[key]
            print(f"{key:<12} {row['workers']} worker(s) x {row['concurrency']} slot(s): {row['jobs_per_minute']} jobs/min "
                  f"({row['n']} in {row['seconds']} s) {row['metric']} median {row['metric_median']} min {row['metric_min']} "
                  f"{row['statuses']}")
    return EXIT_OK


def cmd_bench_fairness(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_sandbox
    from bot.bench import run_fairness_bench
    from challenges.catalogue import load_catalogue

    catalogue = load_catalogue()
    challenge = catalogue.get(args.challenge)
    if challenge is None or challenge.spec.kind != "trained":
        print(f"tutor bench fairness: `{args.challenge}` is not a trained challenge", file=sys.stderr)
        return EXIT_ERROR
    results = []
    for pin in ([True, False] if args.compare_unpinned else [not args.no_pin]):
        sandbox = build_sandbox(settings, catalogue, size=args.size, pin_cores=pin)
        if sandbox.refusal:
            print(f"tutor bench fairness: {sandbox.refusal}", file=sys.stderr)
            return EXIT_ERROR
        try:
            sandbox.start()
            sandbox.pool.wait_ready(180)
            results.append(asyncio.run(run_fairness_bench(challenge, sandbox, settings.job_limits(), n=args.n)))
        finally:
            sandbox.close()
    for result in results:
        result["load_average"] = round(os.getloadavg()[0], 2)
    if args.json:
        _print_json(results)
        return EXIT_OK
    for result in results:
        print(f"{result['challenge']}: pool size {result['pool_size']}, lanes {result['lanes']}"
              f"{' (shared cores)' if result['shared_cores'] else ''}, pinning: {result['pinning']}")
        for side in ("alone", "full"):
            row = result[side]
            print(f"  {side:<6} metric median {row['metric_median']} (min {row['metric_min']})  steps median "
                  f"{row['steps_median']} (min {row['steps_min']})  n={row['n']} {'/'.join(row['statuses'])}")
    return EXIT_OK


def cmd_bench_sandbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import sandbox_hidden_paths
    from sandbox.bench import run_bench

    try:
        result = asyncio.run(run_bench(n=args.n, cold_n=args.cold, config=settings.pool_config(threads=1),
                                       hide_paths=sandbox_hidden_paths(settings)))
    except RuntimeError as exc:
        print(f"tutor bench sandbox: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        _print_json(result)
    else:
        for key in ("warm_trivial_ms", "warm_train_ms", "cold_train_ms"):
            v = result[key]
            print(f"{key:16} median {v['median']} ms  p95 {v['p95']} ms  n={v['n']}")
        print(f"ratio {result['ratio']}x  zygote {result['zygote_rss_mb']} MB  child {result['child_rss_mb']} MB")
        print(f"pool size {result['pool_size']} ({result['slots']} slots with the spares), lanes {result['lanes']}"
              f"{' (shared cores)' if result['shared_cores'] else ''}; pinning: {result['pinning']}")
        print("slot cores (latest job): " + ", ".join(f"slot {k} -> {v}" for k, v in result["slot_cores"].items()))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tutor", description="torch-tutor: PyTorch challenges graded by real training.")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="the learner console (reads slash commands from stdin)")
    chat.add_argument("--user", default=getpass.getuser() or "learner")
    chat.add_argument("--guild", default=None)
    chat.set_defaults(func=cmd_chat)

    discord_bot = sub.add_parser("bot", help="the Discord bot (needs TUTOR_DISCORD_TOKEN)")
    discord_bot.set_defaults(func=cmd_bot)

    cmds = sub.add_parser("commands", help="the slash-command payloads: print them, or sync them to Discord")
    cmds.add_argument("--json", action="store_true", help="print exactly what a sync would send")
    cmds.add_argument("--sync", action="store_true", help="PUT the commands to Discord (globally, or to --guild)")
    cmds.add_argument("--guild", type=int, default=None, help="a guild id: sync there (instant) instead of globally")
    cmds.set_defaults(func=cmd_commands)

    grade = sub.add_parser("grade", help="grade a file exactly as the bot would")
    grade.add_argument("challenge")
    grade.add_argument("files", nargs="+", metavar="PATH", help="the file(s), or a folder of them")
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
    from challenges.catalogue import CONTENT_DIR, KIND_NAMES

    new = challenges.add_parser(
        "new", help="start a challenge folder from a working template of its kind",
        description="Writes ROOT/<ID with - as _>/ from challenges/templates/KIND/: a small, complete challenge that "
                    "loads and validates as it is. Edit every TODO(author), then run 'tutor challenges calibrate ID' "
                    "(trained) and 'tutor challenges validate ID'.")
    new.add_argument("id", help="challenge id: 2-41 lowercase letters, digits and dashes, e.g. edge-detector")
    new.add_argument("--kind", required=True, choices=KIND_NAMES,
                     help="trained (a model trained in the sandbox), functions (functions called on the grader's "
                          "cases), files (text files checked by rules) or quiz")
    new.add_argument("--title", help="title shown to learners (default: from the id)")
    new.add_argument("--competency", type=int, default=5, help="competency 1-9 (see `tutor challenges list`)")
    new.add_argument("--root", default=str(CONTENT_DIR), help="folder to write into (default challenges/content)")
    new.set_defaults(func=cmd_challenges_new)
    cal = challenges.add_parser("calibrate", help="design §2.4 on our own files, in this process (never learner code)")
    cal.add_argument("challenge")
    cal.add_argument("--seeds", type=int, default=3)
    cal.add_argument("--base-seed", type=int, default=1)
    cal.add_argument("--margin", type=float, default=None,
                     help="the margin each seed needs (default: design §2.4's, 0.05 or the relative rule above 0.95)")
    cal.add_argument("--starter", action="store_true", help="the starter instead of the reference")
    cal.add_argument("--file", help="one of OUR files or folders instead")
    cal.add_argument("--json", action="store_true")
    cal.set_defaults(func=cmd_challenges_calibrate)

    admin = sub.add_parser("admin", help="hide a cheating result from every board, or undo it").add_subparsers(
        dest="action", required=True)
    inv = admin.add_parser("invalidate", help="the result stays as evidence; points and ranks are recomputed")
    inv.add_argument("submission", type=int)
    inv.add_argument("reason", nargs="+", help="shown to the learner")
    inv.set_defaults(func=cmd_admin)
    res = admin.add_parser("restore", help="the result counts again")
    res.add_argument("submission", type=int)
    res.set_defaults(func=cmd_admin)

    worker = sub.add_parser("worker", help="grade jobs from the PostgreSQL queue (TUTOR_QUEUE=postgres)")
    worker.add_argument("--queues", default="cpu", help="comma-separated queues: cpu, gpu (default cpu)")
    worker.add_argument("--concurrency", type=int, default=2, help="jobs at once, each on its own pool slot")
    worker.add_argument("--name", default=None, help="shown in logs and on the job rows (default host:pid)")
    worker.set_defaults(func=cmd_worker)

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
    run.add_argument("--no-lint", action="store_true",
                     help="testing tool: skip the lint so that only the kernel layers stand between the file and the host")
    run.set_defaults(func=cmd_sandbox_run)

    bench = sub.add_parser("bench", help="benchmarks").add_subparsers(dest="action", required=True)
    bench_sandbox = bench.add_parser("sandbox", help="warm pool vs a cold interpreter per job, fully isolated")
    bench_sandbox.add_argument("--json", action="store_true")
    bench_sandbox.add_argument("--n", type=int, default=20, help="warm jobs of each kind")
    bench_sandbox.add_argument("--cold", type=int, default=3, help="cold jobs")
    bench_sandbox.set_defaults(func=cmd_bench_sandbox)
    fairness = bench.add_parser("fairness", help="a reference's metric alone and with the pool full, side by side")
    fairness.add_argument("challenge", nargs="?", default="shapes-classifier")
    fairness.add_argument("--n", type=int, default=3, help="jobs alone, and rounds of a full pool")
    fairness.add_argument("--size", type=int, default=None, help="pool size (default: the setting, else what fits the cores)")
    fairness.add_argument("--no-pin", action="store_true", help="jobs share every core (the behaviour before lanes)")
    fairness.add_argument("--compare-unpinned", action="store_true", help="run pinned, then unpinned, in one run")
    fairness.add_argument("--json", action="store_true")
    fairness.set_defaults(func=cmd_bench_fairness)
    bench_grading = bench.add_parser("grading", help="per kind: time inside the learner's code vs our overhead")
    bench_grading.add_argument("--json", action="store_true")
    bench_grading.add_argument("--n", type=int, default=5, help="graded runs per kind (after one warm-up)")
    bench_grading.set_defaults(func=cmd_bench_grading)
    bench_queue = bench.add_parser("queue", help="jobs per minute through the PostgreSQL queue with 1 and 2 workers")
    bench_queue.add_argument("--json", action="store_true")
    bench_queue.add_argument("--n", type=int, default=6, help="submissions per setting")
    bench_queue.add_argument("--challenge", default="shapes-classifier")
    bench_queue.add_argument("--concurrency", type=int, default=2, help="pool slots per worker")
    bench_queue.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                             help="a database on the server to create scratch databases from")
    bench_queue.set_defaults(func=cmd_bench_queue)
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
