"""Survey reminders written before this revision lose the respondent's pseudonym from their key.

Their key was survey_reminder:<session>:<respondent>, beside the chat the reminder went to: joined with
`response.respondent`, it named the person who gave the answers.  A reminder already sent, dropped or
cancelled is history: it forgets its chat, text and key (as bot.store.outbox.anonymize does now).  One still
waiting to be sent keeps its chat and text and gets a key without the pseudonym.  Keys of new reminders are
survey_reminder:<session>:<chat> (bot.domain.survey.invitations.reminder_key).  The pseudonym cannot be put
back, so the downgrade leaves the rows as they are (their keys stay unique and valid).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("kind", sa.String),
        sa.column("chat_id", sa.BigInteger),
        sa.column("session_id", sa.Integer),
        sa.column("payload", sa.JSON),
        sa.column("state", sa.String),
    )
    reminder = outbox.c.kind == "survey_reminder"
    row_id = sa.cast(outbox.c.id, sa.String)
    op.execute(
        outbox.update()
        .where(reminder, outbox.c.state.in_(("sent", "dropped", "cancelled", "uncertain")))
        .values(chat_id=0, payload={}, key=sa.literal("purged:") + row_id)
    )
    # Unique by the row's id, so no two rows can collide whatever they held before.
    op.execute(
        outbox.update()
        .where(reminder, outbox.c.key.like("survey_reminder:%"))
        .values(
            key=sa.literal("survey_reminder:")
            + sa.cast(outbox.c.session_id, sa.String)
            + ":"
            + sa.cast(outbox.c.chat_id, sa.String)
            + ":o"
            + row_id
        )
    )


def downgrade() -> None:
    pass
