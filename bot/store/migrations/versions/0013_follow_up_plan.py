"""The follow-up plan (rencana tindak lanjut): its rows and the tickets each row answers.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rtl",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(160), nullable=False, unique=True),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("session.id", ondelete="SET NULL")),
        sa.Column("section", sa.String(80), nullable=False),
        sa.Column("unsur", sa.String(20)),
        sa.Column("topic", sa.String(160), nullable=False),
        sa.Column("issue", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("program", sa.Text(), nullable=False),
        sa.Column("responsible", sa.Text(), nullable=False),
        sa.Column("target", sa.Date()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime()),
        sa.Column("told_at", sa.DateTime()),
        sa.Column("reminded_target", sa.Date()),
        sa.UniqueConstraint("year", "seq", name="uq_rtl_seq"),
    )
    op.create_index("ix_rtl_topic", "rtl", ["topic", "status"])
    op.create_table(
        "rtl_ticket",
        sa.Column(
            "rtl_id",
            sa.Integer(),
            sa.ForeignKey("rtl.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column(
            "aspiration_id",
            sa.Integer(),
            sa.ForeignKey("aspiration.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
    )
    op.create_index("ix_rtl_ticket_aspiration", "rtl_ticket", ["aspiration_id"])


def downgrade() -> None:
    op.drop_index("ix_rtl_ticket_aspiration", table_name="rtl_ticket")
    op.drop_table("rtl_ticket")
    op.drop_index("ix_rtl_topic", table_name="rtl")
    op.drop_table("rtl")
