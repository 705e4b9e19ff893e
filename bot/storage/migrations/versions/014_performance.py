"""Indexes for the incremental reminder sweep (issue 17): each rule reads only its window;
and for the XLSX export, which reads the answers a page at a time.

Revision ID: 014
Revises: 013
Create Date: 2026-12-04
"""

from alembic import op

revision = "014"
down_revision = "013"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_nonconformities_status_due", "nonconformities", ["status", "due_date"]),
    ("ix_nonconformities_status_recheck", "nonconformities", ["status", "recheck_due"]),
    ("ix_nonconformities_status_done", "nonconformities", ["status", "done_at"]),
    ("ix_nonconformities_status_updated", "nonconformities", ["status", "updated_at"]),
    ("ix_nonconformities_status_created", "nonconformities", ["status", "created_at"]),
    ("ix_nonconformities_severity_created", "nonconformities", ["severity", "created_at"]),
    ("ix_snoozes_until", "snoozes", ["until"]),
    ("ix_user_roles_role", "user_roles", ["role"]),
    ("ix_answers_export", "answers", ["audit_id", "user_id", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
