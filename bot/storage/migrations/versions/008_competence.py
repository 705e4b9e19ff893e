"""Staff competence: requirements per role (the shipped ones seeded here) and each person's
records with the certificate, confirmed by the head or the manager.

Revision ID: 008
Revises: 007
Create Date: 2026-12-03
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "008"
down_revision = "007"
branch_labels = None
depends_on = None

# code, roles, months, course: as bot.domain.competence.DEFAULTS when this was written
# (a migration keeps its own copy: later changes of the defaults are not history).
SHIPPED = (
    ("kpk", "teacher", 36, True),
    ("first_aid", "head,teacher", 36, False),
    ("labour_protection", "manager,auditor,head,teacher,observer", 36, False),
    ("attestation", "teacher", 60, False),
    ("internal_auditor", "manager,auditor", 36, True),
)


def upgrade() -> None:
    requirements = op.create_table(
        "competence_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("roles", sa.String(100), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("course", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_competence_requirements"),
        sa.UniqueConstraint("code", name="uq_competence_requirements_code"),
    )
    op.create_table(
        "competence_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_competence_records"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_competence_records_user_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["competence_requirements.id"],
            name="fk_competence_records_requirement_id_competence_requirements",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name="fk_competence_records_reviewer_id_users"
        ),
    )
    op.create_index("ix_competence_records_user_id", "competence_records", ["user_id"])
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        requirements,
        [
            {
                "code": code,
                "name": None,
                "roles": roles,
                "months": months,
                "course": course,
                "active": True,
                "created_at": now,
            }
            for code, roles, months, course in SHIPPED
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_competence_records_user_id", table_name="competence_records")
    op.drop_table("competence_records")
    op.drop_table("competence_requirements")
