"""Audit results reported to management: who was told and who acknowledged (issue 13).

Revision ID: 010
Revises: 009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "010"
down_revision = "009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_acks",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("told_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("audit_id", "user_id", name="pk_audit_acks"),
        sa.ForeignKeyConstraint(["audit_id"], ["audits.id"], name="fk_audit_acks_audit_id_audits"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_audit_acks_user_id_users"),
    )


def downgrade() -> None:
    op.drop_table("audit_acks")
