"""The counts every report figure is computed from (`report_group`, `report_answer`, `report_text`), so
`ngopas report` no longer reads and parses every stored answer.

Created empty: the bot counts the stored answers the first time a report needs them (the month depends on
the office's timezone and a value's meaning on the survey definition, which a migration cannot see), then
keeps the counts with every answer stored or replaced (`bot/domain/report_counts.py`).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key() -> list[sa.Column]:
    return [
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("month", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
    ]


def upgrade() -> None:
    op.create_table(
        "report_group",
        *_key(),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("ipak_respondents", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "report_answer",
        *_key(),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
    )
    op.create_table(
        "report_text",
        sa.Column("response_id", sa.String(40), primary_key=True),
        sa.Column("column", sa.String(40), primary_key=True),
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("session.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_report_text_session", "report_text", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_report_text_session", "report_text")
    op.drop_table("report_text")
    op.drop_table("report_answer")
    op.drop_table("report_group")
