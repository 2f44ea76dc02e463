"""Contract: the serialised command tree (exactly what `tree.sync` and `tutor commands --json` send)
validates against Discord's OpenAPI schema for `PUT /applications/{application_id}/commands`
and against the docs' stricter limits, which neither discord.py nor the schema fully enforce.
Negative controls prove both checkers catch violations.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from bot.discord.sync import check_limits, command_payloads, offline_bot

ROOT = Path(__file__).resolve().parents[3]
# Discord's own API spec (github.com/discord/discord-api-spec at 74fda0fa, as in ../shared/discord),
# vendored so the contract test runs on any clone.
SPEC = Path(__file__).with_name("discord-openapi.json")


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    body = spec["paths"]["/applications/{application_id}/commands"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    schema = dict(body)
    schema["components"] = spec["components"]  # so the $refs resolve
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture
async def payloads() -> list[dict[str, Any]]:
    bot = await offline_bot()
    return command_payloads(bot)


def errors(validator: Draft202012Validator, payloads: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(payloads)]


async def test_tree_matches_the_spec_and_the_limits(validator: Draft202012Validator, payloads: list[dict[str, Any]]) -> None:
    assert {p["name"] for p in payloads} == {"challenge", "quiz", "resources", "progress", "leaderboard", "review", "admin"}
    assert errors(validator, payloads) == []
    assert check_limits(payloads) == []


async def test_tree_shape(payloads: list[dict[str, Any]]) -> None:
    by_name = {p["name"]: p for p in payloads}
    subs = {o["name"] for o in by_name["challenge"]["options"]}
    assert subs == {"list", "show", "submit", "resubmit"}
    submit = next(o for o in by_name["challenge"]["options"] if o["name"] == "submit")
    challenge, *files = submit["options"]
    assert challenge["autocomplete"] is True and challenge["required"] is True
    assert [f["name"] for f in files] == ["file", "file2", "file3", "file4"]
    assert all(f["type"] == 11 and f["required"] is False for f in files)  # optional attachments
    assert int(by_name["admin"]["default_member_permissions"]) == 1 << 5  # Manage Server (int in discord.py and the spec)
    assert by_name["admin"]["contexts"] == [0]  # guild only
    assert {o["name"] for o in by_name["admin"]["options"]} == {"mentor-role", "review-channel", "completion-role", "settings",
                                                               "invalidate", "restore"}
    board = by_name["leaderboard"]["options"]
    assert [c["value"] for c in board[0]["choices"]] == ["all-time", "weekly"]


def _first_leaf(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    return next(o for o in payloads[0]["options"] if o["name"] == "list")


@pytest.mark.parametrize("mutation, schema_catches", [
    ("long_description", True),
    ("many_options", True),
    ("many_choices", True),
    ("uppercase_name", False),
    ("space_in_name", False),
    ("required_after_optional", False),
    ("too_big", False),
    ("duplicate_option", False),
    ("long_choice_value", False),
])
async def test_negative_controls(validator: Draft202012Validator, payloads: list[dict[str, Any]], mutation: str,
                                 schema_catches: bool) -> None:
    broken = copy.deepcopy(payloads)
    leaf = _first_leaf(broken)
    option = {"type": 3, "name": "extra", "description": "x", "required": False}
    if mutation == "long_description":
        leaf["description"] = "d" * 101
    elif mutation == "many_options":
        leaf["options"] = [dict(option, name=f"o{i}") for i in range(26)]
    elif mutation == "many_choices":
        leaf["options"][0]["choices"] = [{"name": f"c{i}", "value": i} for i in range(26)]
    elif mutation == "uppercase_name":
        broken[0]["name"] = "Challenge"
    elif mutation == "space_in_name":
        leaf["name"] = "list all"
    elif mutation == "required_after_optional":
        leaf["options"].append(dict(option, required=True))
    elif mutation == "too_big":
        leaf["options"] = [dict(option, name=f"o{i}", description="d" * 100,
                                choices=[{"name": "n" * 100, "value": "v" * 100} for _ in range(25)]) for i in range(4)]
    elif mutation == "duplicate_option":
        leaf["options"] = [dict(option), dict(option)]
    elif mutation == "long_choice_value":
        leaf["options"] = [dict(option, choices=[{"name": "n", "value": "v" * 101}])]
    assert check_limits(broken), f"the limits checker missed {mutation}"
    if schema_catches:
        assert errors(validator, broken), f"the schema missed {mutation}"


def test_cli_json_prints_exactly_the_sync_payloads(validator: Draft202012Validator, payloads: list[dict[str, Any]],
                                                    tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "bot.cli", "commands", "--json"], cwd=tmp_path, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    assert printed == payloads
    assert errors(validator, printed) == []


def test_bot_without_token_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "bot.cli", "bot"], cwd=tmp_path, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, timeout=120)
    assert out.returncode == 2
    assert "TUTOR_DISCORD_TOKEN" in out.stderr
