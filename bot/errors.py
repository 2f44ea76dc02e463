"""One exception root for the tutor service; front ends map these to friendly replies."""


class TutorError(Exception):
    """Root of the bot package's exceptions. ``str()`` is safe to show to the user."""


class UnknownChallenge(TutorError):
    def __init__(self, challenge_id: str, suggestions: list[str] | None = None) -> None:
        hint = f" Did you mean {', '.join(f'`{s}`' for s in suggestions)}?" if suggestions else ""
        super().__init__(f"There is no challenge `{challenge_id}`.{hint} Try `/challenge list`.")
        self.challenge_id = challenge_id


class BadSubmission(TutorError):
    """The upload itself is unusable (binary, too large, empty, broken notebook)."""


class Busy(TutorError):
    """One running job per user; cooldowns."""


class NotFound(TutorError):
    pass


class Forbidden(TutorError):
    pass


class Cancelled(TutorError):
    """The submission's job was cancelled (by its author) before it reached a verdict."""
