"""Indexes for the feature rules of the reminder sweep (issue 17): each reads its window only
(risk actions by due date, risks by review date, results awaited by when told, documents in
force, confirmed records by requirement and completion).

Revision ID: 015
Revises: 014
Create Date: 2026-12-04
"""

from alembic import op

revision = "015"
down_revision = "014"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_risk_actions_open_due", "risk_actions", ["done_at", "due_date"]),
    ("ix_risks_status_review", "risks", ["status", "review_on"]),
    ("ix_audit_acks_waiting", "audit_acks", ["acknowledged_at", "told_at"]),
    ("ix_document_versions_status", "document_versions", ["status"]),
    (
        "ix_competence_records_due",
        "competence_records",
        ["requirement_id", "status", "completed_on"],
    ),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
