"""Event notifications (an NC step, a submission, a nudge) go through the ledger too: the
message's words are kept with the row.

Revision ID: 005
Revises: 004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "005"
down_revision = "004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("params")
