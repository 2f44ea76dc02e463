"""What every rendering test checks: an embed within Discord's limits (the OpenAPI `RichEmbed`
schema plus the docs' 6000-character total), no pings in learner text, components and modals
within the docs' limits; and the hostile texts they are fed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import discord
from jsonschema import Draft202012Validator

from bot.discord import limits as L
from challenges.catalogue import load_catalogue

# Discord's own API spec (discord-api-spec 74fda0fa, the same file as ../shared/discord/openapi.json), vendored.
SPEC = Path(__file__).with_name("discord-openapi.json")
LONG = "Ünïcødé 🧪 " * 600
EVIL = "@everyone @here <@123456789012345678> <@&42> ``` ```py\n" * 50
CATALOGUE = load_catalogue()


def embed_validator() -> Draft202012Validator:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    return Draft202012Validator({"$ref": "#/components/schemas/RichEmbed", "components": spec["components"]})


def within_limits(embed: discord.Embed, schema: Draft202012Validator | None) -> None:
    """The embed fits Discord: the docs' limits, then the OpenAPI schema."""
    data = embed.to_dict()
    assert len(embed) <= L.EMBED_TOTAL, len(embed)
    assert len(data.get("title", "")) <= L.EMBED_TITLE
    assert len(data.get("description", "")) <= L.EMBED_DESCRIPTION
    assert len(data.get("fields", [])) <= L.EMBED_FIELDS
    for f in data.get("fields", []):
        assert 1 <= len(f["name"]) <= L.FIELD_NAME and 1 <= len(f["value"]) <= L.FIELD_VALUE
    assert len(data.get("footer", {}).get("text", "")) <= L.FOOTER
    if schema is not None:
        problems = [e.message for e in schema.iter_errors(data)]
        assert not problems, problems


def no_pings(text: str) -> None:
    assert "@everyone" not in text and "@here" not in text
    assert "<@1" not in text and "<@&" not in text


def components_ok(payload: list[dict[str, Any]]) -> None:
    assert len(payload) <= L.ACTION_ROWS
    for row in payload:
        items = row["components"]
        assert len(items) <= 5
        for item in items:
            assert 1 <= len(item.get("custom_id", "x")) <= L.CUSTOM_ID
            assert len(item.get("label", "")) <= L.BUTTON_LABEL
            for option in item.get("options", []):
                assert len(option["label"]) <= L.SELECT_TEXT and len(option.get("description", "")) <= L.SELECT_TEXT
            assert len(item.get("options", [])) <= L.SELECT_OPTIONS




def modal_ok(modal: discord.ui.Modal) -> None:
    data = modal.to_dict()
    assert len(data["title"]) <= L.MODAL_TITLE and 1 <= len(data["custom_id"]) <= L.CUSTOM_ID
    assert 1 <= len(data["components"]) <= L.MODAL_COMPONENTS
    for label in data["components"]:
        assert label["type"] == 18 and len(label["label"]) <= L.TEXT_INPUT_LABEL
        text_input = label["component"]
        assert text_input["max_length"] <= L.TEXT_INPUT
        assert len(text_input.get("value", "")) <= L.TEXT_INPUT
        assert len(text_input.get("placeholder", "")) <= L.PLACEHOLDER


def embed_text(embed: discord.Embed) -> str:
    return json.dumps(embed.to_dict(), ensure_ascii=False)
