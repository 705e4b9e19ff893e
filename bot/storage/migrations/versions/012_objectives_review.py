"""Quality objectives, KPIs and their values, management reviews and their decisions (issue 15).

Revision ID: 012
Revises: 011
Create Date: 2026-12-03
"""

revision = "012"
down_revision = "011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled by the change that needs it


def downgrade() -> None:
    pass
