"""Recurring sessions and venue pins: the `series` table, and on each session its coordinates, its series and
the start its series' rule gave it (unique per series, so occurrences are made once however often the rule
is expanded).

Older sessions get empty columns: no pin, no series.  The calendar (.ics) needs no column: its SEQUENCE is
the session's `version`, which every change already bumps.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("session") as batch:
        batch.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("occurrence_at", sa.DateTime(), nullable=True))
    op.create_index("uq_session_occurrence", "session", ["series_id", "occurrence_at"], unique=True)
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("section", sa.String(80), nullable=False),
        sa.Column("venue", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("zoom_url", sa.Text(), nullable=True),
        sa.Column("youtube_url", sa.Text(), nullable=True),
        sa.Column("speaker", sa.Text(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("repeat", sa.Text(), nullable=True),
        sa.Column("first_starts_at", sa.DateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("made_until", sa.DateTime(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_key", sa.String(120), nullable=True, unique=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("series")
    op.drop_index("uq_session_occurrence", table_name="session")
    with op.batch_alter_table("session") as batch:
        batch.drop_column("occurrence_at")
        batch.drop_column("series_id")
        batch.drop_column("longitude")
        batch.drop_column("latitude")
