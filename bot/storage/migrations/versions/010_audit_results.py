"""Audit results reported to management: who was told and who acknowledged (issue 13).

Revision ID: 010
Revises: 009
Create Date: 2026-12-03
"""

revision = "010"
down_revision = "009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled by the change that needs it


def downgrade() -> None:
    pass
