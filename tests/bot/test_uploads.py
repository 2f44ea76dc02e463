"""Upload checks: every unusable file gets a clear message, never a crash."""

import json

import pytest

from bot.errors import BadSubmission
from bot.uploads import source_from_upload

LIMITS = {"max_source_bytes": 50_000, "max_upload_bytes": 1_000_000}


def test_plain_python_is_accepted_and_crlf_normalised() -> None:
    assert source_from_upload("a.py", b"x = 1\r\nprint(x)\r\n", **LIMITS) == "x = 1\nprint(x)\n"


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("a.py", b"", "empty"),
        ("a.py", b"   \n\n", "empty"),
        ("a.py", b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("a.py", "x = 'é'".encode("latin-1"), "not UTF-8"),
        ("a.py", b"x = 1\n" * 20_000, "limit"),
        ("a.exe", b"MZ", "not a .py or .ipynb"),
        ("a.ipynb", b"{not json", "not a readable Jupyter notebook"),
        ("a.ipynb", json.dumps({"cells": "nope"}).encode(), "not a readable Jupyter notebook"),
        ("big.py", b"#" * 2_000_000, "bytes; the limit"),
    ],
)
def test_bad_uploads_say_what_is_wrong(name: str, data: bytes, fragment: str) -> None:
    with pytest.raises(BadSubmission, match=fragment):
        source_from_upload(name, data, **LIMITS)


def test_notebook_code_cells_are_joined_and_magics_commented() -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["# Title"]},
            {"cell_type": "code", "source": ["!pip install torch\n", "import torch\n"]},
            {"cell_type": "code", "source": "%matplotlib inline\nx = torch.ones(2)"},
        ]
    }
    source = source_from_upload("nb.ipynb", json.dumps(notebook).encode(), **LIMITS)
    assert "# !pip install torch" in source
    assert "# %matplotlib inline" in source
    assert "import torch" in source and "x = torch.ones(2)" in source
    assert "Title" not in source
    compile(source, "nb.py", "exec")


@pytest.mark.parametrize("data", [
    json.dumps({"cells": [{"cell_type": "code", "source": [1, 2, {"a": 1}]}]}).encode(),
    ('{"cells":' + "[" * 100_000 + "]" * 100_000 + "}").encode(),
    ('{"cells":[{"cell_type":"code","source":' + "[" * 5000 + "]" * 5000 + "}]}").encode(),
    json.dumps([1, 2, 3]).encode(),
    json.dumps({"cells": {"not": "a list"}}).encode(),
], ids=["non-string-source", "deep-cells", "deep-source", "not-an-object", "cells-not-a-list"])
def test_hostile_notebooks_are_refused_with_a_message(data: bytes) -> None:
    with pytest.raises(BadSubmission, match=r"notebook|not text"):
        source_from_upload("n.ipynb", data, max_source_bytes=50_000, max_upload_bytes=2_000_000)


def test_source_that_makes_the_parser_recurse_is_refused_not_crashed() -> None:
    from challenges.catalogue import load_catalogue
    from challenges.kinds.base import Submission
    from sandbox.driver import precheck
    from sandbox.lint import check_source

    source = "x = " + "+".join(["1"] * 12_000) + "\n"
    assert check_source(source) and "nests too deeply" in check_source(source)[0].message
    challenge = load_catalogue().get("shapes-classifier")
    assert challenge is not None
    report = precheck(challenge, Submission({"s.py": source}))
    assert report is not None and report.status == "rejected" and "deep" in report.checks[0].message
