"""The store: SQLite (or PostgreSQL) as the single source of truth.

Every subscription, session, answer and outgoing message is committed here first; Telegram and Google
Sheets are fed from it.  All SQL lives in this package: the layers above call its functions with a
`Connection` from `Store.begin()` (one write transaction) or `Store.connect()` (reads).
"""

from sqlalchemy.ext.asyncio import AsyncConnection as Connection

from .engine import Store
from .migrate import DatabaseTooNew, MigrationReport, head_revision, migrate, schema_revision
from .problems import DatabaseProblem, database_problem, describe_database, sqlite_file

__all__ = [
    "Connection",
    "DatabaseProblem",
    "DatabaseTooNew",
    "MigrationReport",
    "Store",
    "database_problem",
    "describe_database",
    "head_revision",
    "migrate",
    "schema_revision",
    "sqlite_file",
]
