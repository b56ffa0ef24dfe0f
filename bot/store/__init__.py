"""The store: SQLite (or PostgreSQL) as the single source of truth.

Every subscription, session, answer and outgoing message is committed here first; Telegram and Google
Sheets are fed from it.  All SQL lives in this package so a move to PostgreSQL stays small.
"""

from .engine import Store
from .migrate import DatabaseTooNew, MigrationReport, head_revision, migrate, schema_revision

__all__ = ["DatabaseTooNew", "MigrationReport", "Store", "head_revision", "migrate", "schema_revision"]
