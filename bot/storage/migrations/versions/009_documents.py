"""Controlled documents, versions and acknowledgements; the school's file store (issue 14).

Revision ID: 009
Revises: 008
Create Date: 2026-12-03
"""

revision = "009"
down_revision = "008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass  # reserved: filled by the change that needs it


def downgrade() -> None:
    pass
