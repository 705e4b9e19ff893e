"""Every text exists in Russian and English, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.domain.acknowledgements import AckRole
from bot.domain.audits import AuditStatus, Objective
from bot.domain.checklist_files import PROBLEM_KEYS
from bot.domain.checklists import AnswerType
from bot.domain.competence import DEFAULTS as COMPETENCE_DEFAULTS
from bot.domain.competence import Status as CompetenceStatus
from bot.domain.documents import DocType, VersionStatus
from bot.domain.findings import FindingKind
from bot.domain.invites import InviteProblem
from bot.domain.language import SUPPORTED
from bot.domain.nonconformities import NcAction, NcStatus, Severity, Source
from bot.domain.reminders import EVENT_KINDS, Kind
from bot.domain.risks import Level as RiskLevel
from bot.domain.risks import RiskKind, RiskStatus, Treatment
from bot.domain.roles import ALL_ROLES, COMMAND_ROLES, PUBLIC_COMMANDS
from bot.domain.summaries import Period
from bot.domain.suppliers import CRITERIA as SUPPLIER_CRITERIA
from bot.domain.suppliers import SupplierStatus
from bot.handlers.risks import ASKED as RISK_ASKED
from bot.i18n import create_i18n, po_path
from bot.keyboards.menu import MENU_COMMANDS
from bot.scheduler.sweep import GROUP_SIZES
from bot.services import now
from bot.views.nc import ACTION_VIEWS, PLAN_FIELDS
from bot.views.now import TARGETS

ANSWER_VALUES = ("yes", "no", "na")  # the stored values of yes/no questions
SIMILAR_REASONS = ("clause", "question", "department", "words")  # SimilarNc.reasons
# The keys the services' now_counts() return (issue 16), for /summary and the review pack.
NOW_COUNTS = (
    ("surveys.now.open",),
    ("risks.now.untreated", "risks.now.overdue_actions"),
    ("suppliers.now.overdue",),
)

BOT = Path(__file__).resolve().parent.parent / "bot"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def catalog(locale: str) -> dict[str, str]:
    """Key -> text; a plural entry's forms are joined with "|"."""
    with po_path(locale).open("rb") as source:
        messages = [m for m in read_po(source) if m.id]
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): (
            m.string if isinstance(m.string, str) else "|".join(m.string)
        )
        for m in messages
    }


def test_both_locales_have_the_same_keys_and_placeholders() -> None:
    ru, en = catalog("ru"), catalog("en")
    assert sorted(set(ru) ^ set(en)) == []
    for key in ru:
        assert ru[key].strip() and en[key].strip(), key
        for form in [*ru[key].split("|"), *en[key].split("|")]:
            assert form.strip(), key
            # Every plural form carries the same placeholders as the first English one.
            assert set(PLACEHOLDER.findall(form)) == set(
                PLACEHOLDER.findall(en[key].split("|")[0])
            ), key


def keys_used_in_code() -> set[str]:
    used: set[str] = set()
    for path in BOT.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\b_\(\s*"([\w.]+)"\s*\)""", source))
        used |= set(re.findall(r"""gettext\(\s*"([\w.]+)"\s*[,)]""", source))
        used |= {f"refused.{k}" for k in re.findall(r"""Refused\(\s*"([\w.]+)\"""", source)}
        used |= set(re.findall(r"""plural\(\s*"([\w.]+)"\s*,""", source))
    used |= {f"role.{r.value}" for r in ALL_ROLES} | {f"help.role.{r.value}" for r in ALL_ROLES}
    used |= {f"cmd.{c}" for c in [*COMMAND_ROLES, *PUBLIC_COMMANDS]}
    used |= {f"menu.{c}" for c in MENU_COMMANDS}
    used |= {f"invite.problem.{p.value}" for p in InviteProblem}
    used |= {f"language.name.{code}" for code in SUPPORTED}
    used |= {f"nc.status.{s.value}" for s in NcStatus} | {f"nc.source.{s.value}" for s in Source}
    used |= {f"nc.severity.{s.value}" for s in Severity}
    used |= {f"nc.do.{a.value}" for a in ACTION_VIEWS}
    used |= {f"nc.event.{a.value}" for a in NcAction} | {
        "nc.event.reported",
        "nc.event.raised_from_audit",
    }
    used |= keys_built_at_run_time()
    return used


def keys_built_at_run_time() -> set[str]:
    """Keys the code builds from a value (f"audit.status.{status}"): one per value of the
    enum or table it comes from, so a new value without its text fails here, not in chat."""
    used = {f"summary.period.{p.value}" for p in Period}
    used |= {f"audit.status.{s.value}" for s in AuditStatus}
    used |= {f"objective.{o.value}" for o in Objective}
    used |= {f"q.type_{t.value}" for t in (AnswerType.NUMBER, AnswerType.TEXT)}  # typed ones
    used |= {f"answer.{v}" for v in ANSWER_VALUES} | {f"value.{v}" for v in ANSWER_VALUES}
    used |= {f"findings.kind.{k.value}" for k in FindingKind}
    typed = set(FindingKind) - {FindingKind.NONCONFORMITY, FindingKind.DISMISSED}
    used |= {f"findings.{use}.{k.value}" for k in typed for use in ("add", "ask")}
    used |= {f"nc.similar.{reason}" for reason in SIMILAR_REASONS}
    used |= {f"nc.plan.edit_{field}" for field in PLAN_FIELDS}
    used |= {f"checklist.error.{key}" for key in PROBLEM_KEYS}
    messages = set(Kind) - EVENT_KINDS - {Kind.AUDIT_OPENED, Kind.DIGEST}
    used |= {f"reminder.{k.value}" for k in messages}
    used |= {f"reminder.many.{k.value}" for k in GROUP_SIZES}
    used |= {f"competence.req.{code}" for code, *_ in COMPETENCE_DEFAULTS}
    used |= {f"competence.status.{s.value}" for s in CompetenceStatus}
    used |= {"competence.told.review", "competence.told.confirmed", "competence.told.rejected"}
    used |= {f"documents.{use}.{k.value}" for k in DocType for use in ("type", "types")}
    used |= {f"documents.status.{s.value}" for s in VersionStatus}
    used |= {f"documents.now.{count}" for count in ("outstanding", "overdue_reviews")}
    used.add("documents.told.replaced")
    used |= {f"acks.role.{r.value}" for r in AckRole}
    used |= {now.AUDITS, now.OVERDUE, now.WAITING, now.EXPIRED}
    used |= {f"now.line.waiting.{step}" for step in ("new", "done", "verified", "due")}
    used |= {"now.line.audit", "now.line.overdue", "now.line.expired"}
    used |= {f"now.open.{target}" for target in TARGETS}
    used |= {f"now.line.objective.{s}" for s in ("at_risk", "missed")}  # bot/services/integration
    used |= {f"now.line.risk.{level}" for level in ("high", "critical")}
    lines = ("awaited", "unread", "review_overdue", "survey", "risk_action", "evaluation")
    used |= {f"now.line.{line}" for line in lines}
    used |= {"objectives.now.at_risk", "objectives.now.awaited"}  # ObjectiveService.now_counts
    used |= objective_keys()
    used |= {f"risks.level.{v.value}" for v in RiskLevel}
    used |= {f"risks.kind.{v.value}" for v in RiskKind}
    used |= {f"risks.status.{v.value}" for v in RiskStatus}
    used |= {f"risks.treat.{v.value}" for v in Treatment}
    used |= {f"risks.ask_title.{v.value}" for v in RiskKind}
    used |= {f"risks.ask.{field}" for field in RISK_ASKED} | {"risks.ask.action_due"}
    used |= {key for service in NOW_COUNTS for key in service}
    used |= {f"reminder.risk_proposed.{v.value}" for v in RiskKind}
    used |= {f"suppliers.status.{s.value}" for s in SupplierStatus}
    used |= {f"suppliers.criterion.{c}" for c in SUPPLIER_CRITERIA}
    used |= {f"suppliers.ask.{field}" for field in ("contact", "contract")}
    used |= programme_keys()
    return used


def programme_keys() -> set[str]:
    """Issue 12: the audit programme's keys built from a value."""
    from bot.domain.programme import REASON_KEYS, Frequency
    from bot.views.audit_edit import FIELDS
    from bot.views.planning import SUMMARY_FIELDS

    used = {f"plan.edit.{name}" for name in SUMMARY_FIELDS}
    used |= {f"audit_edit.field.{name}" for name in FIELDS}
    used |= {"audit_edit.ask_scope", "audit_edit.ask_criteria"}
    why = ("own_department", "auditor_is_respondent")
    used |= {f"plan.why.{key}" for key in why} | {f"refused.audits.{key}" for key in why}
    used.add("refused.audits.respondent_on_team")
    told = ("changed", "team_added", "team_removed", "added", "removed")
    used |= {f"audit.told.{key}" for key in told}
    used |= set(REASON_KEYS) | {f"programme.freq.{f.value}" for f in Frequency}
    used |= {f"programme.told.{key}" for key in ("submitted", "approved", "returned")}
    return used


def objective_keys() -> set[str]:
    """Issue 15: objectives' and reviews' texts built from a value."""
    from bot.domain import objectives as ob
    from bot.reports.review_pack import SEAMS
    from bot.services.objectives import ObjectiveService

    used = {f"objectives.source.{s}" for s in ObjectiveService.sources()}
    used |= {f"objectives.status.{s.value}" for s in ob.Status}
    used |= {f"objectives.standing.{s.value}" for s in ob.Standing}
    used |= {f"objectives.frequency.{f.value}" for f in ob.Frequency}
    used |= {f"objectives.direction.{d.value}" for d in ob.Direction}
    used |= {f"reviews.kind.{k.value}" for k in ob.DecisionKind}
    used |= {f"reviews.status.{s.value}" for s in ob.ReviewStatus}
    used |= {f"reviews.docx.seam.{name}" for name in SEAMS}
    used |= {"reviews.told.approve", "reviews.told.approved", "refused.objectives.threshold_above"}
    used |= {"refused.objectives.threshold_below"}
    # Issue 15's editing: each field's button and the target's own refusals.
    from bot.services.objectives import KPI_FIELDS, OBJECTIVE_FIELDS, TARGET_PROBLEMS

    used |= {f"objectives.field.{f}" for f in OBJECTIVE_FIELDS}
    used |= {f"objectives.kpi_field.{f}" for f in KPI_FIELDS}
    return used | {f"refused.{key}" for key in TARGET_PROBLEMS.values()}


def test_every_key_the_code_uses_exists() -> None:
    missing = sorted(keys_used_in_code() - set(catalog("ru")))
    assert missing == []


@pytest.mark.parametrize("locale", SUPPORTED)
def test_the_bot_loads_each_locale(locale: str) -> None:
    i18n = create_i18n("ru")
    assert set(i18n.available_locales) == set(SUPPORTED)
    assert i18n.gettext("cmd.help", locale=locale) == catalog(locale)["cmd.help"]
