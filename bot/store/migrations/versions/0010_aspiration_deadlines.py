"""Aspiration deadlines: each ticket's classification, its first response, its forwarding to SP4N-LAPOR!,
and the deadline notices the staff group was given (aspiration_notice).

The columns of older tickets stay empty: an empty classification reads as what the channel suggests (a
survey suggestion is a Saran, a ticket written with /aspirasi a Keluhan, see bot.domain.deadlines), and the
deadline clocks (reminders, breach notices) start with the first run after this release, never for older
tickets.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("aspiration") as batch:
        batch.add_column(sa.Column("classification", sa.String(16), nullable=True))
        batch.add_column(sa.Column("first_response_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("forwarded_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("lapor_consent", sa.Boolean(), nullable=True))
    op.create_table(
        "aspiration_notice",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column(
            "aspiration_id",
            sa.Integer(),
            sa.ForeignKey("aspiration.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("aspiration_notice")
    with op.batch_alter_table("aspiration") as batch:
        batch.drop_column("lapor_consent")
        batch.drop_column("forwarded_at")
        batch.drop_column("first_response_at")
        batch.drop_column("classification")
