"""Updates already handled: a redelivered update (its offset not confirmed before a crash)
is recognised and skipped.

Revision ID: 007
Revises: 006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "007"
down_revision = "006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handled_updates",
        sa.Column("update_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name="pk_handled_updates"),
    )


def downgrade() -> None:
    op.drop_table("handled_updates")
