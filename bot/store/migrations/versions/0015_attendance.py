"""Attendance check-ins and headcounts, the invitation routes of checked-in people, the closing record of a
session, and the members who asked for private reminders ("Ingatkan saya").

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _session_key() -> sa.Column:
    return sa.Column(
        "session_id", sa.Integer(), sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
    )


def upgrade() -> None:
    op.create_table(
        "attendance",
        _session_key(),
        sa.Column("attendee", sa.String(64), primary_key=True),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "attendance_count",
        _session_key(),
        sa.Column("mode", sa.String(12), primary_key=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "attendance_route",
        _session_key(),
        sa.Column("chat_id", sa.BigInteger(), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
    )
    op.create_table(
        "session_record",
        _session_key(),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "reminder_optin",
        _session_key(),
        sa.Column("chat_id", sa.BigInteger(), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("reminder_optin", "session_record", "attendance_route", "attendance_count", "attendance"):
        op.drop_table(table)
