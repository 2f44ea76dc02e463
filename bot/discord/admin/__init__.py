"""The admin feature: `/admin ...` (per-guild settings, invalidating a cheating result) for
Manage Server, and the owners' `@bot sync` (`owner`)."""
