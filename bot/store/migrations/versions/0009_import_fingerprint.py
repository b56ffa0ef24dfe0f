"""Imported survey rows (Google Form, paper, Excel) carry a fingerprint, unique, so importing the same file
or sheet again adds nothing (reports.responses_input.fingerprints).  Rows stored before this revision have
none: they were imported without one and cannot be recognised afterwards.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("response") as batch:
        batch.add_column(sa.Column("import_fingerprint", sa.String(64), nullable=True))
    op.create_index("uq_response_import_fingerprint", "response", ["import_fingerprint"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_response_import_fingerprint", table_name="response")
    with op.batch_alter_table("response") as batch:
        batch.drop_column("import_fingerprint")
