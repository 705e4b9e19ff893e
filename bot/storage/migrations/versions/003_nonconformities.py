"""Nonconformities with their corrective actions, and dismissed audit findings.

Revision ID: 003
Revises: 002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "003"
down_revision = "002"
branch_labels = None
depends_on = None


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=f"fk_nonconformities_{column}_{table}"
    )


def upgrade() -> None:
    op.create_table(
        "nonconformities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("question_id", sa.String(20), nullable=True),
        sa.Column("clause", sa.String(20), nullable=True),
        sa.Column("severity", sa.String(12), nullable=True),
        sa.Column("suggested_severity", sa.String(12), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("external_ref", sa.String(200), nullable=True),
        sa.Column("correction", sa.Text(), nullable=True),
        sa.Column("root_cause", sa.JSON(), nullable=False),
        sa.Column("corrective_action", sa.Text(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("requested_due_date", sa.Date(), nullable=True),
        sa.Column("due_request_reason", sa.Text(), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.Column("done_evidence", sa.JSON(), nullable=False),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("verifier_id", sa.Integer(), nullable=True),
        sa.Column("effective", sa.Boolean(), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_nonconformities"),
        sa.UniqueConstraint("number", name="uq_nonconformities_number"),
        sa.UniqueConstraint("year", "seq", name="uq_nonconformities_year"),
        _fk("reporter_id", "users"),
        _fk("department_id", "departments"),
        _fk("audit_id", "audits"),
        _fk("answer_id", "answers"),
        _fk("responsible_id", "users"),
        _fk("done_by", "users"),
        _fk("verifier_id", "users"),
    )
    op.create_index("ix_nonconformities_status", "nonconformities", ["status"])
    op.create_index("ix_nonconformities_department_id", "nonconformities", ["department_id"])
    op.create_index("ix_nonconformities_responsible_id", "nonconformities", ["responsible_id"])
    op.create_table(
        "dismissed_findings",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("dismissed_by", sa.Integer(), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("answer_id", name="pk_dismissed_findings"),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name="fk_dismissed_findings_answer_id_answers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dismissed_by"], ["users.id"], name="fk_dismissed_findings_dismissed_by_users"
        ),
    )


def downgrade() -> None:
    op.drop_table("dismissed_findings")
    op.drop_index("ix_nonconformities_responsible_id", table_name="nonconformities")
    op.drop_index("ix_nonconformities_department_id", table_name="nonconformities")
    op.drop_index("ix_nonconformities_status", table_name="nonconformities")
    op.drop_table("nonconformities")
