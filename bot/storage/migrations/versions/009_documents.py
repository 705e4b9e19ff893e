"""Controlled documents, versions and acknowledgements; the school's file store (issue 14).

Revision ID: 009
Revises: 008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "009"
down_revision = "008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("code", name="uq_documents_code"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_documents_owner_id_users"),
    )
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("file", sa.JSON(), nullable=False),
        sa.Column("roles", sa.String(100), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document_versions"),
        sa.UniqueConstraint("document_id", "number", name="uq_document_versions_document_id"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_document_versions_document_id_documents"
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["users.id"], name="fk_document_versions_approved_by_users"
        ),
    )
    op.create_table(
        "document_acks",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "user_id", name="pk_document_acks"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["document_versions.id"],
            name="fk_document_acks_version_id_document_versions",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_document_acks_user_id_users"),
    )
    op.create_table(
        "stored_files",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_stored_files"),
    )
    op.create_table(
        "nc_documents",
        sa.Column("nc_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("cited_by", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nc_id", "document_id", name="pk_nc_documents"),
        sa.ForeignKeyConstraint(
            ["nc_id"], ["nonconformities.id"], name="fk_nc_documents_nc_id_nonconformities"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_nc_documents_document_id_documents"
        ),
        sa.ForeignKeyConstraint(["cited_by"], ["users.id"], name="fk_nc_documents_cited_by_users"),
    )


def downgrade() -> None:
    op.drop_table("nc_documents")
    op.drop_table("stored_files")
    op.drop_table("document_acks")
    op.drop_table("document_versions")
    op.drop_table("documents")
