"""Alembic migrations of the newsbrief store, shipped inside the package (see news.store)."""
