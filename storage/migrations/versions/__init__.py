"""Alembic revisions, hand-written."""
