"""Risks and opportunities, external providers and evaluations, satisfaction surveys (issue 16).

Revision ID: 011
Revises: 010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "011"
down_revision = "010"
branch_labels = None
depends_on = None

# The evaluation criteria and their default weights, as bot.domain.suppliers.CRITERIA when
# this was written (the manager edits them).
CRITERIA = (("quality", 40), ("timeliness", 20), ("compliance", 25), ("responsiveness", 15))


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.Constraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(40), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_surveys"),
        _fk("surveys", "created_by", "users"),
    )
    op.create_table(
        "survey_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("token", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_survey_groups"),
        sa.UniqueConstraint("token", name="uq_survey_groups_token"),
        _fk("survey_groups", "survey_id", "surveys", "CASCADE"),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("respondent", sa.String(64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_survey_responses"),
        sa.UniqueConstraint("survey_id", "respondent", name="uq_survey_responses_survey_id"),
        _fk("survey_responses", "survey_id", "surveys", "CASCADE"),
        _fk("survey_responses", "group_id", "survey_groups"),
    )
    op.create_table(
        "survey_improvements",
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(20), nullable=False),
        sa.Column("nc_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("survey_id", "question_id", name="pk_survey_improvements"),
        _fk("survey_improvements", "survey_id", "surveys", "CASCADE"),
        _fk("survey_improvements", "nc_id", "nonconformities"),
    )
    op.create_table(
        "risks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("consequence", sa.Text(), nullable=True),
        sa.Column("likelihood", sa.Integer(), nullable=True),
        sa.Column("impact", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("treatment", sa.String(12), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("residual_likelihood", sa.Integer(), nullable=True),
        sa.Column("residual_impact", sa.Integer(), nullable=True),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_risks"),
        _fk("risks", "department_id", "departments"),
        _fk("risks", "owner_id", "users"),
        _fk("risks", "proposed_by", "users"),
    )
    op.create_table(
        "risk_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_actions"),
        _fk("risk_actions", "risk_id", "risks", "CASCADE"),
        _fk("risk_actions", "owner_id", "users"),
    )
    op.create_index("ix_risk_actions_risk_id", "risk_actions", ["risk_id"])
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("supplies", sa.String(200), nullable=False),
        sa.Column("contract_from", sa.Date(), nullable=True),
        sa.Column("contract_to", sa.Date(), nullable=True),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_suppliers"),
        _fk("suppliers", "owner_id", "users"),
    )
    criteria = op.create_table(
        "supplier_criteria",
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_supplier_criteria"),
    )
    op.bulk_insert(criteria, [{"code": code, "weight": weight} for code, weight in CRITERIA])
    op.create_table(
        "supplier_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("marks", sa.JSON(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("evaluated_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_supplier_evaluations"),
        _fk("supplier_evaluations", "supplier_id", "suppliers"),
        _fk("supplier_evaluations", "evaluated_by", "users"),
    )
    op.create_index("ix_supplier_evaluations_supplier_id", "supplier_evaluations", ["supplier_id"])
    op.create_table(
        "supplier_ncs",
        sa.Column("nc_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("nc_id", name="pk_supplier_ncs"),
        _fk("supplier_ncs", "nc_id", "nonconformities"),
        _fk("supplier_ncs", "supplier_id", "suppliers"),
    )


def downgrade() -> None:
    op.drop_table("supplier_ncs")
    op.drop_index("ix_supplier_evaluations_supplier_id", table_name="supplier_evaluations")
    op.drop_table("supplier_evaluations")
    op.drop_table("supplier_criteria")
    op.drop_table("suppliers")
    op.drop_index("ix_risk_actions_risk_id", table_name="risk_actions")
    op.drop_table("risk_actions")
    op.drop_table("risks")
    op.drop_table("survey_improvements")
    op.drop_table("survey_responses")
    op.drop_table("survey_groups")
    op.drop_table("surveys")
