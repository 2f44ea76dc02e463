"""The learning feature: `/quiz`, `/resources`, `/progress`, `/leaderboard` with their views and
rendering."""
