"""Risks and opportunities, external providers and evaluations, satisfaction surveys (issue 16).

Revision ID: 011
Revises: 010
Create Date: 2026-12-03
"""

revision = "011"
down_revision = "010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled by the change that needs it


def downgrade() -> None:
    pass
