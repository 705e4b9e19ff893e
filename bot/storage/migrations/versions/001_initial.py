"""Users, departments, roles, invites, the event log and FSM state.

Revision ID: 001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("head_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_departments"),
        sa.UniqueConstraint("name", name="uq_departments_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tg_id", sa.BigInteger(), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("language", sa.String(5), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("bot_blocked", sa.Boolean(), nullable=False),
        sa.Column("commands_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("tg_id", name="uq_users_tg_id"),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_users_department_id_departments"
        ),
    )
    # The head link closes a cycle users <-> departments, so it is added last (PostgreSQL
    # needs both tables to exist first).
    with op.batch_alter_table("departments") as batch:
        batch.create_foreign_key(
            "fk_departments_head_user_id_users",
            "users",
            ["head_user_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "role", name="pk_user_roles"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_user_roles_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("roles", sa.String(100), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("uses_left", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_invites"),
        sa.UniqueConstraint("token_hash", name="uq_invites_token_hash"),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_invites_department_id_departments"
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_invites_created_by_users"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(30), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_events_actor_id_users"),
    )
    op.create_index("ix_events_entity", "events", ["entity", "entity_id"])
    op.create_table(
        "fsm_states",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("state", sa.String(200), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_fsm_states"),
    )


def downgrade() -> None:
    op.drop_table("fsm_states")
    op.drop_index("ix_events_entity", table_name="events")
    op.drop_table("events")
    op.drop_table("invites")
    op.drop_table("user_roles")
    with op.batch_alter_table("departments") as batch:
        batch.drop_constraint("fk_departments_head_user_id_users", type_="foreignkey")
    op.drop_table("users")
    op.drop_table("departments")
