"""The challenges feature: `/challenge list|show|submit|resubmit`, the Hint / Submit / Resubmit
buttons, the code modal, and the catalogue's and verdicts' rendering. Live grading itself is
`bot.discord.challenges.live_grade` (it moves here once the job queue is merged)."""
