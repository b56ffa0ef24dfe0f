"""The store: SQLite (or PostgreSQL) as the single source of truth.

Every subscription, session, answer and outgoing message is committed here first; Telegram and Google
Sheets are fed from it.  All SQL lives in this package so a move to PostgreSQL stays small.
"""

from bot.store.engine import Store
from bot.store.migrations import DatabaseTooNew, apply_migrations

__all__ = ["DatabaseTooNew", "Store", "apply_migrations"]
