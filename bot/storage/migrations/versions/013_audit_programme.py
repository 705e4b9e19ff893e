"""The school year's audit programme: recurring lines, approval, teams, anonymity (issue 12).

Revision ID: 013
Revises: 012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "013"
down_revision = "012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programme_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("lead_auditor_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_programme_lines"),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_templates.id"],
            name="fk_programme_lines_template_id_checklist_templates",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name="fk_programme_lines_department_id_departments",
        ),
        sa.ForeignKeyConstraint(
            ["lead_auditor_id"], ["users.id"], name="fk_programme_lines_lead_auditor_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name="fk_programme_lines_created_by_users"
        ),
    )
    op.create_index("ix_programme_lines_year", "programme_lines", ["year"])
    op.create_table(
        "programme_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_programme_decisions"),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name="fk_programme_decisions_actor_id_users"
        ),
    )
    op.create_index("ix_programme_decisions_year", "programme_decisions", ["year"])
    op.create_table(
        "audit_team",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("audit_id", "user_id", name="pk_audit_team"),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name="fk_audit_team_audit_id_audits", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_audit_team_user_id_users"),
    )
    op.create_table(
        "audit_options",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("audit_id", name="pk_audit_options"),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name="fk_audit_options_audit_id_audits",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["programme_lines.id"], name="fk_audit_options_line_id_programme_lines"
        ),
    )
    op.create_table(
        "anonymous_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(20), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_anonymous_answers"),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name="fk_anonymous_answers_audit_id_audits",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_anonymous_answers_audit_id", "anonymous_answers", ["audit_id"])


def downgrade() -> None:
    op.drop_index("ix_anonymous_answers_audit_id", table_name="anonymous_answers")
    op.drop_table("anonymous_answers")
    op.drop_table("audit_options")
    op.drop_table("audit_team")
    op.drop_index("ix_programme_decisions_year", table_name="programme_decisions")
    op.drop_table("programme_decisions")
    op.drop_index("ix_programme_lines_year", table_name="programme_lines")
    op.drop_table("programme_lines")
