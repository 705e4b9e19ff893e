"""Nonconformities a quality manager can trust: card revisions, findings by question
(with observations, strengths and opportunities for improvement), links between similar
NCs, proven effectiveness with a re-check.

Revision ID: 006
Revises: 005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "006"
down_revision = "005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nonconformities") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("finding", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("verdict_evidence", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("recheck_due", sa.Date(), nullable=True))
    op.create_table(
        "audit_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(20), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=True),
        sa.Column("nc_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_findings"),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audits.id"], name="fk_audit_findings_audit_id_audits"
        ),
        sa.ForeignKeyConstraint(
            ["nc_id"], ["nonconformities.id"], name="fk_audit_findings_nc_id_nonconformities"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name="fk_audit_findings_created_by_users"
        ),
    )
    op.create_index("ix_audit_findings_audit_id", "audit_findings", ["audit_id"])
    op.create_table(
        "nc_links",
        sa.Column("nc_id", sa.Integer(), nullable=False),
        sa.Column("similar_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nc_id", "similar_id", name="pk_nc_links"),
        sa.ForeignKeyConstraint(
            ["nc_id"], ["nonconformities.id"], name="fk_nc_links_nc_id_nonconformities"
        ),
        sa.ForeignKeyConstraint(
            ["similar_id"], ["nonconformities.id"], name="fk_nc_links_similar_id_nonconformities"
        ),
        sa.ForeignKeyConstraint(["linked_by"], ["users.id"], name="fk_nc_links_linked_by_users"),
    )


def downgrade() -> None:
    op.drop_table("nc_links")
    op.drop_index("ix_audit_findings_audit_id", table_name="audit_findings")
    op.drop_table("audit_findings")
    with op.batch_alter_table("nonconformities") as batch:
        batch.drop_column("recheck_due")
        batch.drop_column("verdict_evidence")
        batch.drop_column("finding")
        batch.drop_column("revision")
