"""Alembic adopts the schema: no table changes, one legacy marker row `0005_alembic`.

Releases before Alembic refuse a database whose `schema_migrations` names a migration they do not know
("Basis data ini dibuat oleh versi ngopas-bot yang lebih baru ...").  This row is what makes an older
release refuse a database that this code upgraded, instead of running on a schema it cannot know about.
Later revisions need not touch `schema_migrations`: this one row already keeps every older release out.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_NAME = "0005_alembic"


def upgrade() -> None:
    marker = sa.table("schema_migrations", sa.column("name", sa.String), sa.column("applied_at", sa.DateTime))
    op.bulk_insert(marker, [{"name": LEGACY_NAME, "applied_at": datetime.now(UTC).replace(tzinfo=None)}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM schema_migrations WHERE name = :name").bindparams(name=LEGACY_NAME))
