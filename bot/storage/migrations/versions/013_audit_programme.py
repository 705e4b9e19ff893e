"""The school year's audit programme: recurring lines, approval, teams, anonymity (issue 12).

Revision ID: 013
Revises: 012
Create Date: 2026-12-03
"""

revision = "013"
down_revision = "012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled by the change that needs it


def downgrade() -> None:
    pass
