"""`tutor chat`: the whole learner experience in a terminal, reading slash-style commands.

It works interactively and piped (`printf '/challenge list\n' | tutor chat`). Like the Discord
front end it only translates: a line becomes a service call, the result becomes text.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from pathlib import Path
from typing import TextIO

from bot import text
from bot.errors import TutorError
from bot.service import TutorService, Verdict, Where, Who
from bot.uploads import read_uploads
from challenges.pictures import verdict_pictures

HELP = """Commands:
  /challenge list [competency]      the challenges, optionally of one competency (1-9)
  /challenge show ID                a challenge's statement, contract and limits
  /challenge starter ID             the starter code to begin from
  /challenge submit ID PATH [PATH...]  grade a .py or .ipynb file (or a challenge's files, or a folder of them)
  /hint ID                          the next hint for a challenge
  /resources [competency]           learning links
  /quiz [ID]                        list quizzes, or play one
  /progress                         your progress per competency
  /leaderboard [weekly] [ID]        the leaderboard (all-time or weekly, optionally one challenge)
  /review request SUBMISSION_ID     ask a mentor to review a submission
  /admin invalidate SUBMISSION_ID REASON   hide a cheating result from every board (kept as evidence)
  /admin restore SUBMISSION_ID      undo an invalidation
  /help                             this text
  /quit                             leave"""


class Console:
    def __init__(self, service: TutorService, who: Who, where: Where | None, out: TextIO, inp: TextIO,
                 pictures_dir: Path | None = None) -> None:
        self.service = service
        self.pictures_dir = pictures_dir
        self.who = who
        self.where = where
        self.out = out
        self.inp = inp

    def say(self, message: str) -> None:
        self.out.write(message.rstrip("\n") + "\n")
        self.out.flush()

    async def readline(self, prompt: str = "") -> str | None:
        if prompt and self.inp.isatty():
            self.out.write(prompt)
            self.out.flush()
        line = await asyncio.get_running_loop().run_in_executor(None, self.inp.readline)
        return None if line == "" else line.rstrip("\n")

    async def run(self) -> None:
        self.say(f"torch-tutor console · you are {self.who.display_name}"
                 + (f" in {self.where.name}" if self.where else "") + " · /help for commands")
        while True:
            line = await self.readline("tutor> ")
            if line is None:
                return
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line in ("/quit", "/exit"):
                return
            try:
                await self.dispatch(line)
            except TutorError as exc:
                self.say(f"Sorry: {exc}")

    async def dispatch(self, line: str) -> None:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            raise TutorError(f"could not read that command ({exc})") from exc
        command, args = words[0].lstrip("/").lower(), words[1:]
        handler = {
            "challenge": self.challenge, "hint": self.hint, "resources": self.resources, "progress": self.progress,
            "leaderboard": self.leaderboard, "help": self.help, "quiz": self.quiz, "review": self.review,
            "admin": self.admin,
        }.get(command)
        if handler is None:
            raise TutorError(f"unknown command `{words[0]}`. Type /help for the list.")
        await handler(args)

    async def help(self, args: list[str]) -> None:
        self.say(HELP)

    async def challenge(self, args: list[str]) -> None:
        sub = args[0].lower() if args else "list"
        rest = args[1:]
        if sub == "list":
            self.say(text.challenge_list(self.service.list_challenges(_competency(rest[0]) if rest else None)))
        elif sub == "show" and rest:
            self.say(text.challenge_detail(self.service.challenge(rest[0])))
        elif sub == "starter" and rest:
            self.say(self.service.challenge(rest[0]).starter)
        elif sub == "submit" and len(rest) >= 2:
            await self.submit(rest[0], [Path(p).expanduser() for p in rest[1:]])
        else:
            raise TutorError("usage: /challenge list [competency] | show ID | starter ID | submit ID PATH [PATH...]")

    async def submit(self, challenge_id: str, paths: list[Path]) -> None:
        try:
            uploads = read_uploads(paths)
        except OSError as exc:
            raise TutorError(f"could not read {exc.filename or ' '.join(map(str, paths))}: {exc.strerror or exc}") from exc
        challenge = self.service.catalogue.get(challenge_id)
        budget = challenge.spec.limits.train_budget_s if challenge else 14.0
        self.say(f"Submitting {', '.join(name for name, _ in uploads) or 'nothing'} for {challenge_id}...")

        def on_event(event: dict[str, object]) -> None:
            line = text.event_line(event, budget)
            if line:
                self.say(line)

        verdict = await self.service.submit_files(self.who, self.where, challenge_id, uploads, on_event)
        self.say(text.verdict(verdict))
        self.write_pictures(verdict)

    def write_pictures(self, verdict: Verdict) -> None:
        """The verdict's pictures as PNG files next to each other, their paths printed."""
        if self.pictures_dir is None:
            return
        report = verdict.report
        files = verdict_pictures(report.challenge, report.losses, report.pictures)
        if not files:
            return
        try:
            self.pictures_dir.mkdir(parents=True, exist_ok=True)
            paths = []
            for filename, data in files.items():
                path = self.pictures_dir / f"{verdict.submission_id}_{filename}"
                path.write_bytes(data)
                paths.append(str(path))
        except OSError as exc:
            self.say(f"  (could not write the pictures: {exc.strerror or exc})")
            return
        self.say("  pictures: " + ", ".join(paths))

    async def hint(self, args: list[str]) -> None:
        if not args:
            raise TutorError("usage: /hint ID")
        self.say(text.hint(await self.service.next_hint(self.who, args[0])))

    async def resources(self, args: list[str]) -> None:
        self.say(text.resources(self.service.resources(_competency(args[0]) if args else None)))

    async def progress(self, args: list[str]) -> None:
        self.say(text.progress(await self.service.progress(self.who)))

    async def leaderboard(self, args: list[str]) -> None:
        weekly = bool(args) and args[0].lower() == "weekly"
        rest = args[1:] if weekly or (args and args[0].lower() == "all-time") else args
        view = await self.service.leaderboard(self.who, self.where, weekly=weekly, challenge_id=rest[0] if rest else None)
        self.say(text.leaderboard(view))

    async def review(self, args: list[str]) -> None:
        if len(args) != 2 or args[0] != "request" or not args[1].lstrip("#").isdigit():
            raise TutorError("usage: /review request SUBMISSION_ID")
        request = await self.service.request_review(self.who, self.where, int(args[1].lstrip("#")))
        self.say(f"Review requested for submission #{request.submission_id}; a mentor will pick it up.")

    async def admin(self, args: list[str]) -> None:
        """The console's operator is the local admin."""
        usage = "usage: /admin invalidate SUBMISSION_ID REASON | /admin restore SUBMISSION_ID"
        if len(args) < 2 or not args[1].lstrip("#").isdigit():
            raise TutorError(usage)
        submission_id = int(args[1].lstrip("#"))
        if args[0] == "invalidate" and len(args) >= 3:
            item = await self.service.invalidate(self.who, submission_id, " ".join(args[2:]))
            learner = item.learner.display_name if item.learner else "the learner"
            self.say(f"Submission #{item.submission_id} ({item.challenge_id}) no longer counts; {learner} is told: {item.reason}")
        elif args[0] == "restore" and len(args) == 2:
            await self.service.restore(self.who, submission_id)
            self.say(f"Submission #{submission_id} counts again.")
        else:
            raise TutorError(usage)

    async def quiz(self, args: list[str]) -> None:
        if not args:
            quizzes = self.service.quizzes()
            self.say("Quizzes:\n" + "\n".join(f"  {q.id}: {q.spec.title}" for q in quizzes) if quizzes else "No quizzes yet.")
            return
        quiz = self.service.quiz(args[0])
        answers: list[int] = []
        questions = quiz.spec.questions
        self.say(f"{quiz.spec.title}: {len(questions)} questions, pass with {quiz.spec.pass_mark}. Answer with the number.")
        for number, question in enumerate(questions, start=1):
            self.say(f"\nQ{number}. {question.prompt}")
            for i, label in enumerate(question.choices, start=1):
                self.say(f"  {i}) {label}")
            choice = await self._ask_choice(len(question.choices))
            if choice is None:
                self.say("Quiz abandoned; nothing was recorded.")
                return
            answers.append(choice)
            answer = self.service.answer_quiz_question(quiz.id, number, choice)
            self.say(("Correct. " if answer.correct else f"Not quite: the answer is '{answer.right_choice}'. ") + answer.explanation)
        attempt = await self.service.finish_quiz(self.who, self.where, quiz.id, answers)
        self.say(f"\nScore {attempt.correct}/{attempt.total}: {'passed' if attempt.passed else 'not passed yet'}"
                 + (f", {attempt.points} points" if attempt.points else ""))

    async def _ask_choice(self, count: int) -> int | None:
        while True:
            line = await self.readline("answer> ")
            if line is None or line.strip() in ("/quit", "/exit"):
                return None
            if line.strip().isdigit() and 1 <= int(line.strip()) <= count:
                return int(line.strip()) - 1
            self.say(f"Please answer with a number from 1 to {count}.")


def _competency(value: str) -> int:
    if not value.isdigit():
        raise TutorError(f"`{value}` is not a competency number (1-9).")
    return int(value)


async def run_console(service: TutorService, user: str, guild: str | None, pictures_dir: Path | None = None) -> None:
    who = Who(f"console:{user}", user)
    where = Where(f"console:{guild}", guild) if guild else None
    await Console(service, who, where, sys.stdout, sys.stdin, pictures_dir).run()
