"""Google Form response spreadsheets linked to a session (`ngopas forms link`), pulled on the Sheets cadence.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_link",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("session.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("spreadsheet_id", sa.String(128), nullable=False),
        sa.Column("worksheet", sa.String(200), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("pulled_at", sa.DateTime()),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("problem", sa.Text()),
        sa.Column("rejected", sa.JSON(), nullable=False),
        sa.Column("told", sa.JSON(), nullable=False),
        sa.UniqueConstraint("spreadsheet_id", "worksheet", name="uq_form_link_sheet"),
    )


def downgrade() -> None:
    op.drop_table("form_link")
