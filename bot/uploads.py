"""Turn uploaded files into what a challenge takes, or say clearly why they cannot be graded."""

from __future__ import annotations

import json
from pathlib import Path

from bot.errors import BadSubmission
from challenges.catalogue import PYTHON_FILE, FileSpec

ACCEPTED_SUFFIXES = (".py", ".ipynb", ".txt")


def source_from_upload(filename: str, data: bytes, *, max_source_bytes: int, max_upload_bytes: int) -> str:
    name = filename.lower()
    if not name.endswith(ACCEPTED_SUFFIXES):
        raise BadSubmission(f"`{filename}` is not a .py or .ipynb file. Upload your solution as Python source.")
    if len(data) > max_upload_bytes:
        raise BadSubmission(f"`{filename}` is {len(data):,} bytes; the limit is {max_upload_bytes:,}.")
    source = notebook_source(filename, data) if name.endswith(".ipynb") else text_of(filename, data)
    if not source.strip():
        raise BadSubmission(f"`{filename}` is empty. Paste or upload your solution's code.")
    size = len(source.encode("utf-8"))
    if size > max_source_bytes:
        raise BadSubmission(
            f"`{filename}` has {size:,} bytes of code; the limit is {max_source_bytes:,}. "
            "Solutions fit in a few hundred lines; remove data or weights embedded in the file."
        )
    return source


def text_of(filename: str, data: bytes) -> str:
    if b"\x00" in data:
        raise BadSubmission(f"`{filename}` looks like a binary file, not Python source.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadSubmission(
            f"`{filename}` is not UTF-8 text (bad byte at position {exc.start}). Save it as UTF-8."
        ) from exc
    return text.replace("\r\n", "\n")


MAX_NOTEBOOK_CELLS = 2000


def notebook_source(filename: str, data: bytes) -> str:
    """Code cells of a Jupyter notebook, in order; shell (!) and magic (%) lines commented out.
    A notebook is untrusted JSON: deep nesting, non-string cells and odd shapes are refused
    with a message, never a traceback."""
    try:
        notebook = json.loads(text_of(filename, data))
    except (ValueError, RecursionError) as exc:
        reason = "it nests too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise BadSubmission(f"`{filename}` is not a readable Jupyter notebook ({reason}).") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or len(cells) > MAX_NOTEBOOK_CELLS:
        raise BadSubmission(f"`{filename}` is not a readable Jupyter notebook (no list of cells).")
    parts = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            text = "".join(source)
        elif isinstance(source, str):
            text = source
        else:
            raise BadSubmission(f"`{filename}` has a code cell whose source is not text; save the notebook again.")
        lines = [f"# {line}" if line.lstrip().startswith(("!", "%")) else line for line in text.splitlines()]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


# --- multi-file challenges ------------------------------------------------------------------------

BUNDLE_MARK = "### file: "


def files_from_uploads(
    specs: list[FileSpec], uploads: list[tuple[str, bytes]], *, max_source_bytes: int, max_upload_bytes: int,
) -> dict[str, str]:
    """The files a challenge takes, by their declared names, from what was uploaded.

    A one-Python-file challenge takes exactly one .py/.ipynb upload of any name; a multi-file one
    matches each upload to a declared name (a path such as ``src/train.py`` may arrive as
    ``train.py``), refuses names it does not take and says which required file is missing.
    """
    if not uploads:
        raise BadSubmission("Nothing was uploaded. Attach your file(s) and submit again.")
    if len(specs) == 1 and specs[0].name == PYTHON_FILE:
        if len(uploads) != 1:
            raise BadSubmission(f"This challenge takes one Python file; {len(uploads)} were uploaded.")
        name, data = uploads[0]
        return {name: source_from_upload(name, data, max_source_bytes=max_source_bytes, max_upload_bytes=max_upload_bytes)}
    files: dict[str, str] = {}
    for upload_name, data in uploads:
        spec = _match(specs, upload_name)
        if spec is None:
            wanted = ", ".join(f"`{s.name}`" for s in specs)
            raise BadSubmission(f"`{upload_name}` is not one of the files this challenge takes ({wanted}).")
        if spec.name in files:
            raise BadSubmission(f"`{spec.name}` was uploaded twice.")
        if len(data) > min(spec.max_bytes, max_upload_bytes):
            raise BadSubmission(f"`{spec.name}` is {len(data):,} bytes; the limit is {spec.max_bytes:,}.")
        text = text_of(spec.name, data)
        if not text.strip():
            raise BadSubmission(f"`{spec.name}` is empty.")
        files[spec.name] = text
    missing = [s.name for s in specs if s.required and s.name not in files]
    if missing:
        raise BadSubmission("Missing " + ", ".join(f"`{m}`" for m in missing) + ": upload every file the challenge takes.")
    return {s.name: files[s.name] for s in specs if s.name in files}


def _match(specs: list[FileSpec], upload_name: str) -> FileSpec | None:
    clean = upload_name.replace("\\", "/").strip("/")
    for spec in specs:
        if clean == spec.name or clean.endswith("/" + spec.name) or clean.rsplit("/", 1)[-1] == spec.name.rsplit("/", 1)[-1]:
            return spec
    return None


def pack_files(files: dict[str, str]) -> str:
    """One stored text for a submission's files (a single file is stored as itself)."""
    if len(files) == 1:
        return next(iter(files.values()))
    return "".join(f"{BUNDLE_MARK}{name}\n{text.rstrip(chr(10))}\n" for name, text in files.items())


def unpack_files(filename: str, code: str) -> dict[str, str]:
    """The inverse of ``pack_files``."""
    if not code.startswith(BUNDLE_MARK):
        return {filename: code}
    files: dict[str, str] = {}
    for chunk in code.split(BUNDLE_MARK)[1:]:
        name, _, text = chunk.partition("\n")
        files[name] = text
    return files


MAX_FOLDER_FILES = 50


def read_uploads(paths: list[Path]) -> list[tuple[str, bytes]]:
    """(name, bytes) of each local file, a folder standing for the files in it (names relative
    to the folder), for the console and the CLI. Raises OSError for what cannot be read."""
    uploads: list[tuple[str, bytes]] = []
    for path in paths:
        if path.is_dir():
            found = [p for p in sorted(path.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
            if len(found) > MAX_FOLDER_FILES:
                raise OSError(f"{path} holds {len(found)} files; a submission takes a few")
            uploads += [(str(p.relative_to(path)), p.read_bytes()) for p in found]
        else:
            uploads.append((path.name, path.read_bytes()))
    return uploads
