"""Turn an uploaded file into Python source, or say clearly why it cannot be graded."""

from __future__ import annotations

import json

from bot.errors import BadSubmission

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


def notebook_source(filename: str, data: bytes) -> str:
    """Code cells of a Jupyter notebook, in order; shell (!) and magic (%) lines commented out."""
    try:
        notebook = json.loads(text_of(filename, data))
        cells = notebook["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise BadSubmission(f"`{filename}` is not a readable Jupyter notebook ({exc}).") from exc
    parts = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        lines = [f"# {line}" if line.lstrip().startswith(("!", "%")) else line for line in text.splitlines()]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
