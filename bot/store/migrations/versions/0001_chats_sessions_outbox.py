"""Chats, subscriptions, sessions and their schedule, the outbox, meta (legacy 0001_chats_sessions_outbox).

Also creates `schema_migrations`, the pre-Alembic marker table, which the legacy code created before its
first migration: releases before Alembic read it to refuse a database they do not know.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_NAME = "0001_chats_sessions_outbox"


def upgrade() -> None:
    op.create_table(
        "schema_migrations",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "chat",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("inactive_reason", sa.Text()),
        sa.Column("added_by", sa.BigInteger()),
        sa.Column("migrated_to", sa.BigInteger()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "session",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("section", sa.String(80), nullable=False),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("zoom_url", sa.Text()),
        sa.Column("youtube_url", sa.Text()),
        sa.Column("speaker", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("survey_closes_at", sa.DateTime(), nullable=False),
        sa.Column("population", sa.Integer()),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_key", sa.String(120), unique=True),
        sa.Column("created_by", sa.BigInteger()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_session_starts", "session", ["starts_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.Integer()),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("claimed_until", sa.DateTime()),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "due_at"])
    op.create_table(
        "meta",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", sa.JSON()),
    )
    op.create_table(
        "subscription",
        sa.Column("chat_id", sa.BigInteger(), sa.ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("section", sa.String(80), primary_key=True),
        sa.Column("created_by", sa.BigInteger()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "schedule",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("session.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("rev", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("done_at", sa.DateTime()),
        sa.UniqueConstraint("session_id", "kind", "rev", name="uq_schedule_once"),
    )
    op.create_index("ix_schedule_due", "schedule", ["state", "due_at"])
    _record(LEGACY_NAME)


def downgrade() -> None:
    op.drop_index("ix_schedule_due", table_name="schedule")
    op.drop_table("schedule")
    op.drop_table("subscription")
    op.drop_table("meta")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_session_starts", table_name="session")
    op.drop_table("session")
    op.drop_table("chat")
    op.drop_table("schema_migrations")


def _record(name: str) -> None:
    """The legacy marker row, so schema_migrations reads as it would under the release that had it."""
    marker = sa.table("schema_migrations", sa.column("name", sa.String), sa.column("applied_at", sa.DateTime))
    op.bulk_insert(marker, [{"name": name, "applied_at": datetime.now(UTC).replace(tzinfo=None)}])
