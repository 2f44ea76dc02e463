"""The Discord front end (discord.py 2.x): it only translates Discord to the tutor service.

One folder per feature, as python-discord's bot does: `challenges`, `learning`, `reviews`,
`admin`, each holding its cog (an extension ending with ``async def setup(bot)``), its views and
its rendering. What the features share: `context` (who, where, the mentor check, shared options,
the completion role), `base` (restart-proof buttons routed by custom_id, invoker-only views,
modals, the paginator), `render` (text helpers and limits-safe embeds), `errors` (the one error
handler), `limits`. `client.TutorBot` only loads the features and holds their shared state;
`challenges/live_grade` runs a submission's live message; `sync` builds the command payloads `tutor
commands` prints or syncs. Features never import each other (an import-linter contract).
Nothing outside this package imports discord.
"""
