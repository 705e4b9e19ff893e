"""Table definitions (SQLAlchemy Core). Migrations in `migrations/versions` must match them;
tests/test_migrations.py checks that."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Stored as naive UTC (portable), handed out as aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


departments = Table(
    "departments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column(
        "head_user_id",
        Integer,
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True),
        nullable=True,
    ),
    Column("created_at", UTCDateTime(), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tg_id", BigInteger, nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("username", String(64), nullable=True),
    Column("language", String(5), nullable=True),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=True),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("bot_blocked", Boolean, nullable=False, default=False),
    Column("commands_hash", String(64), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(20), primary_key=True),
)

invites = Table(
    "invites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("roles", String(100), nullable=False),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=True),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("uses_left", Integer, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("entity", String(30), nullable=False),
    Column("entity_id", Integer, nullable=True),
    Column("action", String(40), nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_events_entity", "entity", "entity_id"),
)

fsm_states = Table(
    "fsm_states",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("state", String(200), nullable=True),
    Column("data", Text, nullable=False, default="{}"),
)

# Updates already handled, so one Telegram delivers again (its offset was not confirmed
# before a crash; a webhook answer was lost) changes nothing twice.
handled_updates = Table(
    "handled_updates",
    metadata,
    Column("update_id", Integer, primary_key=True, autoincrement=False),
    Column("handled_at", UTCDateTime(), nullable=False),
)

checklist_templates = Table(
    "checklist_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False),
    Column("language", String(5), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("question_count", Integer, nullable=False),
    Column("content", JSON, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("code", "language", "version"),
)

audits = Table(
    "audits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=True),
    Column("template_id", Integer, ForeignKey("checklist_templates.id"), nullable=False),
    Column("objectives", JSON, nullable=False),
    Column("scope", Text, nullable=False),
    Column("criteria", Text, nullable=False),
    Column("lead_auditor_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("status", String(12), nullable=False),
    Column("conclusion", Text, nullable=True),
    Column("results", JSON, nullable=True),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    UniqueConstraint("year", "seq"),
    Index("ix_audits_status_start", "status", "start_date"),
)

audit_respondents = Table(
    "audit_respondents",
    metadata,
    Column("audit_id", Integer, ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("submitted_at", UTCDateTime(), nullable=True),
)

answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("audit_id", Integer, ForeignKey("audits.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("question_id", String(20), nullable=False),
    Column("value", Text, nullable=True),
    Column("comment", Text, nullable=True),
    Column("evidence", JSON, nullable=False),
    Column("answered_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("audit_id", "user_id", "question_id"),
)

nonconformities = Table(
    "nonconformities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("source", String(20), nullable=False),
    Column("status", String(12), nullable=False),
    Column("description", Text, nullable=False),
    Column("reporter_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=True),
    Column("audit_id", Integer, ForeignKey("audits.id"), nullable=True),
    Column("answer_id", Integer, ForeignKey("answers.id"), nullable=True),
    Column("question_id", String(20), nullable=True),
    Column("clause", String(20), nullable=True),
    Column("severity", String(12), nullable=True),
    Column("suggested_severity", String(12), nullable=True),
    Column("evidence", JSON, nullable=False),
    Column("responsible_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("external_ref", String(200), nullable=True),
    Column("correction", Text, nullable=True),
    Column("root_cause", JSON, nullable=False),
    Column("corrective_action", Text, nullable=True),
    Column("due_date", Date, nullable=True),
    Column("requested_due_date", Date, nullable=True),
    Column("due_request_reason", Text, nullable=True),
    Column("done_note", Text, nullable=True),
    Column("done_evidence", JSON, nullable=False),
    Column("done_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("done_at", UTCDateTime(), nullable=True),
    Column("verifier_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("effective", Boolean, nullable=True),
    Column("verification_note", Text, nullable=True),
    Column("rejection_reason", Text, nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    # Each change adds one: a button carries the revision of the card it was drawn on, so a
    # stale card's tap is recognised and changes nothing.
    Column("revision", Integer, nullable=False, server_default="0"),
    # An NC raised from an audit question: the facts (question number, how many gave which
    # answer), rendered in each reader's language; never a stored sentence.
    Column("finding", JSON, nullable=True),
    Column("verdict_evidence", JSON, nullable=True),
    Column("recheck_due", Date, nullable=True),  # effectiveness to be confirmed again then
    UniqueConstraint("year", "seq"),
    Index("ix_nonconformities_status", "status"),
    Index("ix_nonconformities_department_id", "department_id"),
    Index("ix_nonconformities_responsible_id", "responsible_id"),
)

dismissed_findings = Table(
    "dismissed_findings",
    metadata,
    Column("answer_id", Integer, ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True),
    Column("dismissed_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("dismissed_at", UTCDateTime(), nullable=False),
)

audit_findings = Table(
    "audit_findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("audit_id", Integer, ForeignKey("audits.id"), nullable=False),
    Column("question_id", String(20), nullable=True),  # none: a finding of the whole audit
    Column("kind", String(16), nullable=False),  # see domain.findings.FindingKind
    Column("text", Text, nullable=True),
    Column("facts", JSON, nullable=True),  # counts of answers, as for an NC
    Column("nc_id", Integer, ForeignKey("nonconformities.id"), nullable=True),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_audit_findings_audit_id", "audit_id"),
)

nc_links = Table(
    "nc_links",
    metadata,
    Column("nc_id", Integer, ForeignKey("nonconformities.id"), primary_key=True),
    Column("similar_id", Integer, ForeignKey("nonconformities.id"), primary_key=True),
    Column("linked_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("linked_at", UTCDateTime(), nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("object_id", Integer, nullable=False),
    Column("recipient_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("slot", String(40), nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", String(300), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("claimed_at", UTCDateTime(), nullable=True),
    Column("sent_at", UTCDateTime(), nullable=True),
    # What an event's message says (an NC step, a submission): it cannot be worked out
    # again later, unlike a reminder's. Empty for reminders.
    Column("params", JSON(), nullable=True),
    UniqueConstraint("kind", "object_id", "recipient_id", "slot"),
    Index("ix_notifications_status", "status", "next_attempt_at"),
)

snoozes = Table(
    "snoozes",
    metadata,
    Column("kind", String(30), primary_key=True),
    Column("object_id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("until", UTCDateTime(), nullable=False),
)

# Staff competence (ISO 9001 7.2): what each role needs, and each person's records.
competence_requirements = Table(
    "competence_requirements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=True, unique=True),  # a shipped one's
    Column("name", String(200), nullable=True),  # none: the shipped name in the reader's language
    Column("roles", String(100), nullable=False),
    Column("months", Integer, nullable=False),
    Column("course", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

competence_records = Table(
    "competence_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("requirement_id", Integer, ForeignKey("competence_requirements.id"), nullable=False),
    Column("completed_on", Date, nullable=False),
    Column("hours", Integer, nullable=True),
    Column("evidence", JSON, nullable=False),
    Column("status", String(12), nullable=False),
    Column("reviewer_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("reviewed_at", UTCDateTime(), nullable=True),
    Column("reason", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_competence_records_user_id", "user_id"),
)

# Controlled documents (ISO 9001 7.5): the register, each document's versions, and one
# acknowledgement per person and version (лист ознакомления).
documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(30), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

document_versions = Table(
    "document_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    Column("file", JSON, nullable=False),  # an evidence item: file id, kind, name, sha256
    Column("roles", String(100), nullable=False),  # the audience chosen at approval
    Column("departments", JSON, nullable=False),
    Column("approved_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("approved_on", Date, nullable=True),
    Column("effective_on", Date, nullable=True),
    Column("review_on", Date, nullable=True),
    Column("replaced_by", Integer, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("document_id", "number"),
)

document_acks = Table(
    "document_acks",
    metadata,
    Column("version_id", Integer, ForeignKey("document_versions.id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
)

# The school's own copy of every file the bot received, named by its SHA-256.
stored_files = Table(
    "stored_files",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("name", String(255), nullable=True),
    Column("kind", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# Audit results reported to management (ISO 9001 9.2.2 c): each person told of a closed
# audit's results, as whom (director, head, team), and when he acknowledged them.
audit_acks = Table(
    "audit_acks",
    metadata,
    Column("audit_id", Integer, ForeignKey("audits.id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("role", String(12), nullable=False),
    Column("told_at", UTCDateTime(), nullable=False),
    Column("acknowledged_at", UTCDateTime(), nullable=True),
)

# Quality objectives (ISO 9001 6.2) with their KPIs and values, and management reviews (9.3).
objectives = Table(
    "objectives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("process", String(300), nullable=False),  # the policy line or process it serves
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

kpis = Table(
    "kpis",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("objective_id", Integer, ForeignKey("objectives.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit", String(20), nullable=False),
    Column("direction", String(8), nullable=False),  # higher / lower is better
    Column("target", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("frequency", String(8), nullable=False),  # month / term
    Column("source", String(40), nullable=False),  # "reported" or a computed source's name
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_kpis_objective_id", "objective_id"),
)

kpi_values = Table(  # the values owners reported (computed ones are worked out when read)
    "kpi_values",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kpi_id", Integer, ForeignKey("kpis.id"), nullable=False),
    Column("period", String(24), nullable=False),  # the period's key: 2026-09, t2026-11-05
    Column("value", Float, nullable=False),
    Column("comment", Text, nullable=True),
    Column("evidence", JSON, nullable=False),
    Column("entered_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("kpi_id", "period"),
)

kpi_actions = Table(  # the NC or improvement raised for a KPI past its threshold, once
    "kpi_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kpi_id", Integer, ForeignKey("kpis.id"), nullable=False),
    Column("period", String(24), nullable=False),
    Column("nc_id", Integer, ForeignKey("nonconformities.id"), nullable=False),
    UniqueConstraint("kpi_id", "period"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("held_on", Date, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("participants", Text, nullable=False),
    Column("external_issues", Text, nullable=True),
    Column("internal_issues", Text, nullable=True),
    Column("pack_file_id", String(200), nullable=True),  # the DOCX as sent to the manager
    Column("status", String(12), nullable=False),  # draft / sent / approved
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("approved_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("approved_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

review_decisions = Table(  # 9.3.3 outputs: each followed as an action (an NC record)
    "review_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("review_id", Integer, ForeignKey("reviews.id"), nullable=False),
    Column("kind", String(12), nullable=False),  # improvement / qms_change / resources
    Column("text", Text, nullable=False),
    Column("nc_id", Integer, ForeignKey("nonconformities.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_review_decisions_review_id", "review_id"),
)

# Satisfaction surveys of parents and students (ISO 9001 9.1.2). Anonymous by design: a
# response keeps only an HMAC of the Telegram account with the survey's own salt.
surveys = Table(
    "surveys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("template", String(40), nullable=False),  # templates/surveys/<code>.<lang>.yaml
    Column("opens_on", Date, nullable=False),
    Column("closes_on", Date, nullable=False),
    Column("salt", String(64), nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),  # closed early by the manager
)

survey_groups = Table(
    "survey_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("survey_id", Integer, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(10), nullable=False),  # class, parallel, all
    Column("name", String(50), nullable=False),
    Column("token", String(32), nullable=False, unique=True),
)

survey_responses = Table(
    "survey_responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("survey_id", Integer, ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", Integer, ForeignKey("survey_groups.id"), nullable=False),
    Column("respondent", String(64), nullable=False),  # HMAC(salt, account id)
    Column("answers", JSON, nullable=False),
    Column("comment", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("survey_id", "respondent"),
)

survey_improvements = Table(
    "survey_improvements",
    metadata,
    Column("survey_id", Integer, ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True),
    Column("question_id", String(20), primary_key=True),
    Column("nc_id", Integer, ForeignKey("nonconformities.id"), nullable=False),
)

# Risks and opportunities (ISO 9001 6.1).
risks = Table(
    "risks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(12), nullable=False),  # risk, opportunity
    Column("status", String(12), nullable=False),  # proposed, active, rejected, closed
    Column("title", String(200), nullable=False),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=True),
    Column("cause", Text, nullable=True),
    Column("consequence", Text, nullable=True),
    Column("likelihood", Integer, nullable=True),
    Column("impact", Integer, nullable=True),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("treatment", String(12), nullable=True),
    Column("review_on", Date, nullable=True),
    Column("residual_likelihood", Integer, nullable=True),
    Column("residual_impact", Integer, nullable=True),
    Column("proposed_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("revision", Integer, nullable=False, server_default="0"),
)

risk_actions = Table(
    "risk_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("risk_id", Integer, ForeignKey("risks.id", ondelete="CASCADE"), nullable=False),
    Column("text", Text, nullable=False),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("done_at", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_risk_actions_risk_id", "risk_id"),
)

# External providers (ISO 9001 8.4) and their yearly evaluations.
suppliers = Table(
    "suppliers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("supplies", String(200), nullable=False),
    Column("contract_from", Date, nullable=True),
    Column("contract_to", Date, nullable=True),
    Column("contact", String(200), nullable=True),
    Column("status", String(12), nullable=False),  # approved, conditional, excluded
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

supplier_criteria = Table(
    "supplier_criteria",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("weight", Integer, nullable=False),
)

supplier_evaluations = Table(
    "supplier_evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("supplier_id", Integer, ForeignKey("suppliers.id"), nullable=False),
    Column("evaluated_on", Date, nullable=False),
    Column("marks", JSON, nullable=False),  # criterion -> 1..5
    Column("weights", JSON, nullable=False),  # the weights in force then
    Column("score", Integer, nullable=False),  # 0..100
    Column("evaluated_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_supplier_evaluations_supplier_id", "supplier_id"),
)

supplier_ncs = Table(
    "supplier_ncs",
    metadata,
    Column("nc_id", Integer, ForeignKey("nonconformities.id"), primary_key=True),
    Column("supplier_id", Integer, ForeignKey("suppliers.id"), nullable=False),
)

# The audit programme (issue 12): recurring lines of a school year, the director's decisions,
# audit teams, and each audit's options. Audits keep their own table unchanged.
programme_lines = Table(
    "programme_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),  # the school year, by the year it begins in
    Column("template_id", Integer, ForeignKey("checklist_templates.id"), nullable=False),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=True),
    Column("frequency", String(10), nullable=False),
    Column("lead_auditor_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_by", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_programme_lines_year", "year"),
)

# Submitted to the director, approved, returned with a comment: one row per step, kept.
programme_decisions = Table(
    "programme_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("decision", String(10), nullable=False),
    Column("comment", Text, nullable=True),
    Column("actor_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_programme_decisions_year", "year"),
)

# Co-auditors (the lead auditor is audits.lead_auditor_id).
audit_team = Table(
    "audit_team",
    metadata,
    Column("audit_id", Integer, ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
)

# Per audit: its edit revision (a button drawn for an older one is stale), whether it is
# anonymous, and the programme line that generated it.
audit_options = Table(
    "audit_options",
    metadata,
    Column("audit_id", Integer, ForeignKey("audits.id", ondelete="CASCADE"), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("line_id", Integer, ForeignKey("programme_lines.id"), nullable=True),
)

# What was answered in an anonymous audit, moved here on submission without the respondent
# (who submitted stays in audit_respondents, for reminders).
anonymous_answers = Table(
    "anonymous_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("audit_id", Integer, ForeignKey("audits.id", ondelete="CASCADE"), nullable=False),
    Column("question_id", String(20), nullable=False),
    Column("value", Text, nullable=True),
    Column("comment", Text, nullable=True),
    Column("evidence", JSON, nullable=False),
    Index("ix_anonymous_answers_audit_id", "audit_id"),
)

# Documents an NC cites (a procedure not followed; ISO 9001 7.5).
nc_documents = Table(
    "nc_documents",
    metadata,
    Column("nc_id", Integer, ForeignKey("nonconformities.id"), primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id"), primary_key=True),
    Column("cited_by", Integer, ForeignKey("users.id"), nullable=True),
    Column("at", UTCDateTime(), nullable=False),
)

# Issue 17: the reminder rules read only what may fall due, each window by its own index
# (bot/storage/nonconformities.py reminder_rows), active snoozes by their end, managers by role.
Index("ix_nonconformities_status_due", nonconformities.c.status, nonconformities.c.due_date)
Index("ix_nonconformities_status_recheck", nonconformities.c.status, nonconformities.c.recheck_due)
Index("ix_nonconformities_status_done", nonconformities.c.status, nonconformities.c.done_at)
Index("ix_nonconformities_status_updated", nonconformities.c.status, nonconformities.c.updated_at)
Index("ix_nonconformities_status_created", nonconformities.c.status, nonconformities.c.created_at)
Index(
    "ix_nonconformities_severity_created", nonconformities.c.severity, nonconformities.c.created_at
)
Index("ix_snoozes_until", snoozes.c.until)
Index("ix_user_roles_role", user_roles.c.role)
# The XLSX export reads the answers a page at a time, in this order.
Index("ix_answers_export", answers.c.audit_id, answers.c.user_id, answers.c.id)
# Issue 17, migration 015: the feature rules' windows — risk actions not done by due date,
# risks by review date, results awaited by when people were told, versions by status,
# confirmed records by requirement and completion.
Index("ix_risk_actions_open_due", risk_actions.c.done_at, risk_actions.c.due_date)
Index("ix_risks_status_review", risks.c.status, risks.c.review_on)
Index("ix_audit_acks_waiting", audit_acks.c.acknowledged_at, audit_acks.c.told_at)
Index("ix_document_versions_status", document_versions.c.status)
Index(
    "ix_competence_records_due",
    competence_records.c.requirement_id,
    competence_records.c.status,
    competence_records.c.completed_on,
)
