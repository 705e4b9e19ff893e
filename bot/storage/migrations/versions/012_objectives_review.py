"""Quality objectives, KPIs and their values, management reviews and their decisions (issue 15).

Revision ID: 012
Revises: 011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "012"
down_revision = "011"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}")


def upgrade() -> None:
    op.create_table(
        "objectives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("process", sa.String(300), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_objectives"),
        _fk("objectives", "owner_id", "users"),
    )
    op.create_table(
        "kpis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kpis"),
        _fk("kpis", "objective_id", "objectives"),
    )
    op.create_index("ix_kpis_objective_id", "kpis", ["objective_id"])
    op.create_table(
        "kpi_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(24), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("entered_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_values"),
        _fk("kpi_values", "kpi_id", "kpis"),
        _fk("kpi_values", "entered_by", "users"),
        sa.UniqueConstraint("kpi_id", "period", name="uq_kpi_values_kpi_id"),
    )
    op.create_table(
        "kpi_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(24), nullable=False),
        sa.Column("nc_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kpi_actions"),
        _fk("kpi_actions", "kpi_id", "kpis"),
        _fk("kpi_actions", "nc_id", "nonconformities"),
        sa.UniqueConstraint("kpi_id", "period", name="uq_kpi_actions_kpi_id"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("external_issues", sa.Text(), nullable=True),
        sa.Column("internal_issues", sa.Text(), nullable=True),
        sa.Column("pack_file_id", sa.String(200), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        _fk("reviews", "created_by", "users"),
        _fk("reviews", "approved_by", "users"),
    )
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("nc_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_decisions"),
        _fk("review_decisions", "review_id", "reviews"),
        _fk("review_decisions", "nc_id", "nonconformities"),
    )
    op.create_index("ix_review_decisions_review_id", "review_decisions", ["review_id"])


def downgrade() -> None:
    op.drop_index("ix_review_decisions_review_id", table_name="review_decisions")
    op.drop_table("review_decisions")
    op.drop_table("reviews")
    op.drop_table("kpi_actions")
    op.drop_table("kpi_values")
    op.drop_index("ix_kpis_objective_id", table_name="kpis")
    op.drop_table("kpis")
    op.drop_table("objectives")
