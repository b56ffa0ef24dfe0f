"""Survey drafts (written through on every step) and finished responses (legacy 0002_survey).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_NAME = "0002_survey"


def upgrade() -> None:
    op.create_table(
        "survey_draft",
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("respondent", sa.String(64), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("definition_id", sa.String(40), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("ipak", sa.Boolean(), nullable=False),
        sa.Column("current", sa.String(80), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("followups", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("replaces", sa.String(40)),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("reminded_at", sa.DateTime()),
    )
    op.create_index("ix_draft_updated", "survey_draft", ["updated_at"])
    op.create_table(
        "response",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("session.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("respondent", sa.String(64), nullable=False),
        sa.Column("definition_id", sa.String(40), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("followups", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime()),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("replaced_by", sa.String(40)),
    )
    op.create_index("ix_response_session", "response", ["session_id"])
    # One current (not replaced) response per person per session.
    op.create_index(
        "uq_response_current",
        "response",
        ["session_id", "respondent"],
        unique=True,
        sqlite_where=sa.text("replaced_by IS NULL"),
        postgresql_where=sa.text("replaced_by IS NULL"),
    )
    _record(LEGACY_NAME)


def downgrade() -> None:
    op.drop_index("uq_response_current", table_name="response")
    op.drop_index("ix_response_session", table_name="response")
    op.drop_table("response")
    op.drop_index("ix_draft_updated", table_name="survey_draft")
    op.drop_table("survey_draft")
    op.execute(sa.text("DELETE FROM schema_migrations WHERE name = :name").bindparams(name=LEGACY_NAME))


def _record(name: str) -> None:
    """The legacy marker row, so schema_migrations reads as it would under the release that had it."""
    marker = sa.table("schema_migrations", sa.column("name", sa.String), sa.column("applied_at", sa.DateTime))
    op.bulk_insert(marker, [{"name": name, "applied_at": datetime.now(UTC).replace(tzinfo=None)}])
