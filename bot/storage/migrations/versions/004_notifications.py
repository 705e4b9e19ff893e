"""The notification ledger (exactly-once reminders) and snoozes.

Revision ID: 004
Revises: 003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "004"
down_revision = "003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint(
            "kind", "object_id", "recipient_id", "slot", name="uq_notifications_kind"
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["users.id"], name="fk_notifications_recipient_id_users"
        ),
    )
    op.create_index("ix_notifications_status", "notifications", ["status", "next_attempt_at"])
    op.create_table(
        "snoozes",
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "object_id", "user_id", name="pk_snoozes"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_snoozes_user_id_users"),
    )


def downgrade() -> None:
    op.drop_table("snoozes")
    op.drop_index("ix_notifications_status", table_name="notifications")
    op.drop_table("notifications")
