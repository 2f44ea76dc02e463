"""``tutor challenges new ID --kind K``: start a challenge folder from a working example.

A new challenge is easiest to write by editing one that already loads and validates: the
reference passes, the starter fails, every case gets its verdict. So the templates are real
challenge folders, one per kind, under ``challenges/templates/<kind>/`` (readable and linted like
content, never read by the catalogue, which only looks at ``challenges/content``), with
``TODO(author)`` markers where the author writes their own content. Filling them in is plain
``str.replace`` of ``{id}``, ``{title}`` and ``{competency}``: the templates hold Python and TOML
braces that ``str.format`` would trip on.

The folder is written under a hidden temporary name and renamed into place, then loaded through
the real catalogue, so a refusal or a failure never leaves half a challenge behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from challenges.catalogue import COMPETENCIES, KIND_NAMES, load_challenge
from challenges.errors import CatalogueError

TEMPLATES_DIR = Path(__file__).parent / "templates"
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{1,40}")  # ChallengeSpec.id, matched in full
MAX_TITLE = 80  # ChallengeSpec.title
SKIPPED = {"__pycache__", ".mypy_cache", ".ruff_cache"}


class ScaffoldError(CatalogueError, ValueError):
    """The scaffold refused: a bad id, kind, title or competency, or the folder already exists."""


def folder_name(challenge_id: str) -> str:
    """The folder a challenge lives in: its id with ``-`` replaced by ``_`` (an importable name)."""
    return challenge_id.replace("-", "_")


def default_title(challenge_id: str) -> str:
    """``"edge-detector"`` -> ``"Edge detector"``: a start the author replaces."""
    return challenge_id.replace("-", " ").capitalize()


def _check(challenge_id: str, kind: str, title: str, competency: int) -> None:
    if not isinstance(challenge_id, str) or not ID_PATTERN.fullmatch(challenge_id):
        raise ScaffoldError(
            f"invalid challenge id {str(challenge_id)[:60]!r}: use 2 to 41 lowercase letters, digits and dashes, "
            "starting with a letter or digit (for example `edge-detector`)")
    if kind not in KIND_NAMES:
        raise ScaffoldError(f"unknown kind {str(kind)[:40]!r}: choose one of {', '.join(KIND_NAMES)}")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE or any(not ch.isprintable() for ch in title):
        raise ScaffoldError(f"the title must be 1 to {MAX_TITLE} printable characters on one line")
    if isinstance(competency, bool) or not isinstance(competency, int) or competency not in COMPETENCIES:
        known = ", ".join(f"{n} ({name})" for n, name in COMPETENCIES.items())
        raise ScaffoldError(f"unknown competency {competency!r}: choose one of {known}")


def _toml_string(text: str) -> str:
    """The inside of a TOML basic string (the template holds the quotes)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def fill(text: str, *, challenge_id: str, title: str, competency: int, toml: bool = False) -> str:
    """The template text with its placeholders filled (``str.replace``: templates hold braces).
    The title goes in last, so braces in a title stay as they are."""
    return (text.replace("{id}", challenge_id)
                .replace("{competency}", str(competency))
                .replace("{title}", _toml_string(title) if toml else title))


def template_files(kind: str) -> dict[str, str]:
    """The template of ``kind``: relative path -> text (caches and compiled files left out)."""
    base = TEMPLATES_DIR / kind
    files: dict[str, str] = {}
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base)
        if not path.is_file() or SKIPPED & set(relative.parts) or path.suffix == ".pyc":
            continue
        files[relative.as_posix()] = path.read_text(encoding="utf-8")
    return files


def new_challenge(root: Path, challenge_id: str, kind: str, *, title: str | None = None, competency: int = 5) -> Path:
    """Write ``root/<id with - replaced by _>/`` from the template of ``kind`` and return it.

    The folder loads through ``challenges.catalogue.load_challenge`` and validates as it is; the
    author then edits every ``TODO(author)``. Raises ``ScaffoldError`` (a ``CatalogueError`` and a
    ``ValueError``) with a message to act on for a bad id, kind, title or competency, a missing
    root, or a folder that already exists.
    """
    title = default_title(challenge_id) if title is None and isinstance(challenge_id, str) else title or ""
    _check(challenge_id, kind, title, competency)
    root = Path(root)
    if not root.is_dir():
        raise ScaffoldError(f"{root} is not a folder: create it first, or pass the challenges' root "
                            f"(by default {TEMPLATES_DIR.parent / 'content'})")
    target = root / folder_name(challenge_id)
    exists = f"{target} already exists: pick another id, or edit that challenge instead"
    files = template_files(kind)
    if not files:
        raise ScaffoldError(f"no template for kind {kind!r} under {TEMPLATES_DIR}")
    try:
        target.mkdir()  # reserves the name in one step: refused when it exists, even empty
    except FileExistsError:
        raise ScaffoldError(exists) from None
    except OSError as exc:
        raise ScaffoldError(f"could not create {target}: {exc}") from exc
    staging: Path | None = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".new-{target.name}-", dir=root))
        for name, text in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(fill(text, challenge_id=challenge_id, title=title, competency=competency,
                                 toml=path.suffix == ".toml"), encoding="utf-8")
        (staging / "__init__.py").write_text("", encoding="utf-8")  # as in challenges/content: hooks import by package
        os.replace(staging, target)  # the whole folder appears at once, over the empty reservation
    except OSError as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            target.rmdir()  # the reservation, only while it is still empty
        raise ScaffoldError(f"could not write {target}: {exc}") from exc
    try:
        load_challenge(target)
    except CatalogueError as exc:  # a broken template: ours, not the author's
        shutil.rmtree(target, ignore_errors=True)
        raise CatalogueError(f"the {kind} template does not load ({exc}); nothing was written") from exc
    return target


__all__ = ["TEMPLATES_DIR", "ScaffoldError", "default_title", "fill", "folder_name", "new_challenge", "template_files"]
