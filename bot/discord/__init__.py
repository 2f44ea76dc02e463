"""The Discord front end (discord.py 2.x): it only translates Discord to the tutor service.

`client.TutorBot` loads one extension per feature from `bot.discord.cogs`; rendering lives in
`render`, live grading in `grading`, views and modals in `views`, the one error handler in
`errors`, and the command payloads `tutor commands` prints or syncs in `sync`. Nothing outside
this package imports discord.
"""
