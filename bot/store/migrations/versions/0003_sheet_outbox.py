"""The Sheets mirror's outbox of rows to append or update (legacy 0003_sheet_outbox).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_NAME = "0003_sheet_outbox"


def upgrade() -> None:
    op.create_table(
        "sheet_outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("worksheet", sa.String(40), nullable=False),
        sa.Column("row_key", sa.String(120), nullable=False),
        sa.Column("op", sa.String(10), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("flushed_at", sa.DateTime()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.UniqueConstraint("worksheet", "row_key", "op", name="uq_sheet_row"),
    )
    op.create_index("ix_sheet_pending", "sheet_outbox", ["flushed_at", "id"])
    _record(LEGACY_NAME)


def downgrade() -> None:
    op.drop_index("ix_sheet_pending", table_name="sheet_outbox")
    op.drop_table("sheet_outbox")
    op.execute(sa.text("DELETE FROM schema_migrations WHERE name = :name").bindparams(name=LEGACY_NAME))


def _record(name: str) -> None:
    """The legacy marker row, so schema_migrations reads as it would under the release that had it."""
    marker = sa.table("schema_migrations", sa.column("name", sa.String), sa.column("applied_at", sa.DateTime))
    op.bulk_insert(marker, [{"name": name, "applied_at": datetime.now(UTC).replace(tzinfo=None)}])
