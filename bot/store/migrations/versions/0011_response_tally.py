"""Running IKM sums and counts per session and quarter, so the Ringkasan sheet no longer reads every answer.

Created empty: the bot fills it from the stored answers the first time it needs it (the quarter depends on
the office's timezone, a setting a migration cannot see), then keeps it with every answer stored.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSUR = (
    "persyaratan",
    "prosedur",
    "waktu",
    "biaya",
    "produk",
    "kompetensi",
    "perilaku",
    "pengaduan",
    "sarana",
)


def upgrade() -> None:
    op.create_table(
        "response_tally",
        sa.Column(
            "session_id", sa.Integer(), sa.ForeignKey("session.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("period", sa.Integer(), primary_key=True),
        sa.Column("respondents", sa.Integer(), nullable=False),
        *[sa.Column(f"{key}_sum", sa.Integer(), nullable=False) for key in UNSUR],
        *[sa.Column(f"{key}_n", sa.Integer(), nullable=False) for key in UNSUR],
    )


def downgrade() -> None:
    op.drop_table("response_tally")
