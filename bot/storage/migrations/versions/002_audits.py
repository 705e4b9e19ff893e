"""Checklist templates, audits, respondents and answers.

Revision ID: 002
Revises: 001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "002"
down_revision = "001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checklist_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_checklist_templates"),
        sa.UniqueConstraint("code", "language", "version", name="uq_checklist_templates_code"),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name="fk_checklist_templates_created_by_users"
        ),
    )
    op.create_table(
        "audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("objectives", sa.JSON(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("lead_auditor_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audits"),
        sa.UniqueConstraint("number", name="uq_audits_number"),
        sa.UniqueConstraint("year", "seq", name="uq_audits_year"),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_audits_department_id_departments"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_templates.id"],
            name="fk_audits_template_id_checklist_templates",
        ),
        sa.ForeignKeyConstraint(
            ["lead_auditor_id"], ["users.id"], name="fk_audits_lead_auditor_id_users"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_audits_created_by_users"),
    )
    op.create_index("ix_audits_status_start", "audits", ["status", "start_date"])
    op.create_table(
        "audit_respondents",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("audit_id", "user_id", name="pk_audit_respondents"),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name="fk_audit_respondents_audit_id_audits",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_audit_respondents_user_id_users"
        ),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(20), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
        sa.UniqueConstraint("audit_id", "user_id", "question_id", name="uq_answers_audit_id"),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name="fk_answers_audit_id_audits", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_answers_user_id_users"),
    )


def downgrade() -> None:
    op.drop_table("answers")
    op.drop_table("audit_respondents")
    op.drop_index("ix_audits_status_start", table_name="audits")
    op.drop_table("audits")
    op.drop_table("checklist_templates")
