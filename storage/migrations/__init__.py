"""Alembic migration environment (a package so it ships in wheels)."""
