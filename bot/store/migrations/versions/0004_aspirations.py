"""Aspiration tickets, the private routes back to their writers, unfinished drafts (legacy 0004_aspirations).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_NAME = "0004_aspirations"


def upgrade() -> None:
    op.create_table(
        "aspiration",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket", sa.String(20), nullable=False, unique=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("section", sa.String(80), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("session.id", ondelete="SET NULL")),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_file_id", sa.String(200)),
        sa.Column("sender_name", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(120), unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime()),
        sa.UniqueConstraint("year", "seq", name="uq_aspiration_seq"),
    )
    op.create_index("ix_aspiration_status", "aspiration", ["status", "created_at"])
    op.create_table(
        "aspiration_route",
        # A foreign key, not a counter: no sequence on PostgreSQL.
        sa.Column(
            "aspiration_id",
            sa.Integer(),
            sa.ForeignKey("aspiration.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("person", sa.String(64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
    )
    op.create_index("ix_route_person", "aspiration_route", ["person"])
    op.create_table(
        "aspiration_draft",
        sa.Column("person", sa.String(64), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("section", sa.String(80)),
        sa.Column("text", sa.Text()),
        sa.Column("photo_file_id", sa.String(200)),
        sa.Column("sender_name", sa.Text()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    _record(LEGACY_NAME)


def downgrade() -> None:
    op.drop_table("aspiration_draft")
    op.drop_index("ix_route_person", table_name="aspiration_route")
    op.drop_table("aspiration_route")
    op.drop_index("ix_aspiration_status", table_name="aspiration")
    op.drop_table("aspiration")
    op.execute(sa.text("DELETE FROM schema_migrations WHERE name = :name").bindparams(name=LEGACY_NAME))


def _record(name: str) -> None:
    """The legacy marker row, so schema_migrations reads as it would under the release that had it."""
    marker = sa.table("schema_migrations", sa.column("name", sa.String), sa.column("applied_at", sa.DateTime))
    op.bulk_insert(marker, [{"name": name, "applied_at": datetime.now(UTC).replace(tzinfo=None)}])
