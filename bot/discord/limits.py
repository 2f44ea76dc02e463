"""Discord's limits (the docs' values where the OpenAPI spec is looser) and our own display budgets.

Source: ../shared/design/discord.md §1 (discord-api-docs c98d64bc).
"""

from __future__ import annotations

import re

# Application commands
COMMAND_NAME = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")  # \w: letters, digits, _ (unicode)
DESCRIPTION = 100
OPTIONS = 25
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
COMMAND_TOTAL = 8000
GLOBAL_CHAT_COMMANDS = 100
AUTOCOMPLETE_CHOICES = 25

# Messages and embeds
CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
EMBED_TOTAL = 6000
EMBEDS = 10
ATTACHMENTS = 10
ATTACHMENT_BYTES = 10 * 1024 * 1024

# Components and modals
MODAL_TITLE = 45
MODAL_COMPONENTS = 5
CUSTOM_ID = 100
TEXT_INPUT = 4000
TEXT_INPUT_LABEL = 45
PLACEHOLDER = 100
BUTTON_LABEL = 80
ACTION_ROWS = 5
SELECT_OPTIONS = 25
SELECT_TEXT = 100
SELECT_PLACEHOLDER = 150
THREAD_NAME = 100

# Our display budgets (snekbox-style: a few lines inline, the rest attached)
OUTPUT_LINES = 10
OUTPUT_CHARS = 900
CHECKS_CHARS = 2500
STATEMENT_CHARS = 2000
REVIEW_CODE_CHARS = 3500
LIST_PAGE = 10
LEADERBOARD_PAGE = 10
