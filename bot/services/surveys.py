"""Satisfaction surveys: the manager opens one for a period and for groups; anyone with a
group's public link answers it once, anonymously; the manager reads the results (a group's
only from SURVEY_MIN_GROUP responses) and turns a weak question into an improvement
opportunity in one tap."""

from __future__ import annotations

import builtins
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.clock import Clock, SchoolDay
from bot.domain.invites import hash_token
from bot.domain.models import User
from bot.domain.nonconformities import Nonconformity, Severity, Source
from bot.domain.roles import Role
from bot.domain.surveys import (
    COMMENT_MAX,
    DAYS_MAX,
    GROUPS_MAX,
    QuestionResult,
    QuestionType,
    SurveyTemplate,
    below,
    is_open,
    load_templates,
    parse_groups,
    respondent_key,
    results,
    shown,
    template_for,
)
from bot.services.errors import Refused
from bot.services.nonconformities import NcService
from bot.storage.db import Database
from bot.storage.events import EventLog
from bot.storage.invites import InviteRepo
from bot.storage.nonconformities import NcRepo
from bot.storage.surveys import GroupRow, SurveyRepo, SurveyRow

ENTITY = "survey"
Responses = list[tuple[int, dict[str, int], str | None]]
RATE_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Opened:
    survey: SurveyRow
    group: GroupRow
    template: SurveyTemplate


@dataclass(frozen=True, slots=True)
class GroupResults:
    group: GroupRow | None  # None: the whole survey
    responses: int
    results: builtins.list[QuestionResult] | None  # None: too few responses to show
    partial: bool = False  # the overall of the shown groups only


@dataclass(frozen=True, slots=True)
class Report:
    survey: SurveyRow
    template: SurveyTemplate
    overall: GroupResults
    groups: builtins.list[GroupResults]
    comments: builtins.list[tuple[str, str]]  # (group name, comment) of shown groups
    weak: builtins.list[QuestionResult]  # scale questions below the threshold
    improvements: dict[str, int]  # question id -> the NC raised for it
    minimum: int
    threshold: float


class SurveyService(SchoolDay):
    def __init__(
        self,
        db: Database,
        clock: Clock,
        tz: ZoneInfo,
        ncs: NcService,
        min_group: int = 5,
        threshold: float = 3.5,
        rate: int = 10,
    ) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.ncs = ncs
        self.min_group = min_group
        self.threshold = threshold
        self.rate = rate
        self._opened: dict[int, deque[datetime]] = {}  # account -> its recent link opens
        self.templates()  # a broken shipped template stops the start, naming its file

    def templates(self) -> dict[str, dict[str, SurveyTemplate]]:
        return load_templates()

    def template(self, code: str, language: str) -> SurveyTemplate:
        templates = self.templates()
        if code not in templates:
            raise Refused("surveys.not_found")
        return template_for(templates, code, language)

    def is_open(self, survey: SurveyRow) -> bool:
        return is_open(
            survey.opens_on, survey.closes_on, survey.closed_at is not None, self.today()
        )

    # -- the manager -----------------------------------------------------------------------

    async def create(self, actor: User, code: str, closes_on: date, raw_groups: str) -> SurveyRow:
        if not actor.has(Role.MANAGER):
            raise Refused("surveys.not_allowed")
        if code not in self.templates():
            raise Refused("surveys.not_found")
        today = self.today()
        if closes_on < today:
            raise Refused("nc.due_in_past")
        if closes_on > today + timedelta(days=DAYS_MAX):
            raise Refused("surveys.too_long", days=DAYS_MAX)
        try:
            groups = parse_groups(raw_groups)
        except ValueError as error:
            raise Refused("surveys.bad_groups", name=str(error)) from None
        if len(groups) > GROUPS_MAX:
            raise Refused("surveys.too_many_groups", limit=GROUPS_MAX)
        now = self.clock.now()
        salt = secrets.token_hex(32)

        def work(conn: Connection) -> SurveyRow:
            repo = SurveyRepo(conn)
            rows = [(kind, name, secrets.token_urlsafe(12)) for kind, name in groups]
            survey_id = repo.add(code, today, closes_on, salt, actor.id, now, rows)
            EventLog(conn).add(
                now, actor.id, ENTITY, survey_id, "created", template=code,
                closes_on=closes_on.isoformat(), groups=[name for _, name in groups],
            )  # fmt: skip
            created = repo.get(survey_id)
            assert created is not None
            return created

        return await self.db.run(work)

    async def list(self) -> builtins.list[SurveyRow]:
        return await self.db.run(lambda conn: SurveyRepo(conn).list())

    async def get(self, survey_id: int) -> SurveyRow:
        found = await self.db.run(lambda conn: SurveyRepo(conn).get(survey_id))
        if found is None:
            raise Refused("surveys.not_found")
        return found

    async def close(self, actor: User, survey_id: int) -> SurveyRow:
        """Closes a survey early; a second tap changes nothing and says so."""
        now = self.clock.now()

        def work(conn: Connection) -> SurveyRow:
            repo = SurveyRepo(conn)
            survey = repo.get(survey_id)
            if survey is None:
                raise Refused("surveys.not_found")
            if not self.is_open(survey) or not repo.close(survey_id, now):
                raise Refused("surveys.already_closed")
            EventLog(conn).add(now, actor.id, ENTITY, survey_id, "closed")
            closed = repo.get(survey_id)
            assert closed is not None
            return closed

        return await self.db.run(work)

    async def report(self, survey_id: int, language: str) -> Report:
        def work(conn: Connection) -> tuple[SurveyRow | None, Responses, dict[str, int]]:
            repo = SurveyRepo(conn)
            return repo.get(survey_id), repo.responses(survey_id), repo.improvements(survey_id)

        survey, responses, improvements = await self.db.run(work)
        if survey is None:
            raise Refused("surveys.not_found")
        template = self.template(survey.template, language)
        minimum = self.min_group

        def of(group: GroupRow | None) -> GroupResults:
            answers = [a for g, a, _ in responses if group is None or g == group.id]
            hidden = not shown(len(answers), minimum)
            return GroupResults(group, len(answers), None if hidden else results(template, answers))

        groups = [of(group) for group in survey.groups]
        names = {g.group.id: g.group.name for g in groups if g.group and g.results is not None}
        hidden = sum(g.responses for g in groups if g.results is None)
        overall = of(None)
        if names and 0 < hidden < minimum:
            # The whole minus the groups shown would give away a hidden group's answers:
            # the overall counts the shown groups only.
            kept = [a for g, a, _ in responses if g in names]
            overall = GroupResults(None, len(kept), results(template, kept), partial=True)
        comments = [(names[g], c) for g, _, c in responses if c and g in names]
        weak = below(overall.results or [], self.threshold)
        return Report(
            survey, template, overall, groups, comments, weak, improvements, minimum,
            self.threshold,
        )  # fmt: skip

    async def improve(
        self, actor: User, survey_id: int, question_id: str, description: str
    ) -> tuple[Nonconformity, bool]:
        """An improvement opportunity (an NC of the improvement kind, source "survey") for a
        question below the threshold; the one raised before when tapped again."""
        if not actor.has(Role.MANAGER):
            raise Refused("surveys.not_allowed")
        report = await self.report(survey_id, "ru")
        if question_id not in {r.question.id for r in report.weak}:
            raise Refused("surveys.not_weak")

        def work(conn: Connection) -> tuple[Nonconformity, bool]:
            repo = SurveyRepo(conn)
            earlier = repo.improvements(survey_id).get(question_id)
            if earlier is not None:
                found = NcRepo(conn).get(earlier)
                assert found is not None
                return found, False
            nc = self.ncs.create_in(
                conn, actor, "reported", source=Source.SURVEY.value, description=description,
                severity=Severity.IMPROVEMENT.value, evidence=[], department_id=None,
            )  # fmt: skip
            repo.add_improvement(survey_id, question_id, nc.id)
            return nc, True

        return await self.db.run(work)

    # -- a respondent (anyone with the link) -------------------------------------------------

    async def is_invite(self, payload: str) -> bool:
        """Whether a /start payload that looks like a survey's is an invite's after all (an
        invite token may begin with "sv_" by chance)."""
        token_hash = hash_token(payload)
        return await self.db.run(lambda conn: InviteRepo(conn).by_hash(token_hash) is not None)

    def _limited(self, account_id: int) -> bool:
        """At most `rate` link opens per account in ten minutes (kept in memory: a restart
        forgets them, which only lets a patient person in sooner)."""
        now = self.clock.now()
        opened = self._opened.setdefault(account_id, deque())
        while opened and now - opened[0] > RATE_WINDOW:
            opened.popleft()
        if len(opened) >= self.rate:
            return True
        opened.append(now)
        return False

    async def open_link(self, token: str, account_id: int, language: str) -> Opened:
        if self._limited(account_id):
            raise Refused("surveys.too_many")

        def work(conn: Connection) -> tuple[SurveyRow, GroupRow, bool] | None:
            repo = SurveyRepo(conn)
            found = repo.by_token(token)
            if found is None:
                return None
            survey, group = found
            return survey, group, repo.answered(survey.id, respondent_key(survey.salt, account_id))

        found = await self.db.run(work)
        if found is None:
            raise Refused("surveys.link_unknown")
        survey, group, answered = found
        if not self.is_open(survey):
            raise Refused("surveys.link_closed")
        if answered:
            raise Refused("surveys.already_answered")
        return Opened(survey, group, self.template(survey.template, language))

    async def submit(
        self, token: str, account_id: int, answers: dict[str, int], comment: str | None
    ) -> None:
        if comment is not None:
            comment = comment.strip()[:COMMENT_MAX] or None
        now = self.clock.now()

        def work(conn: Connection) -> None:
            repo = SurveyRepo(conn)
            found = repo.by_token(token)
            if found is None:
                raise Refused("surveys.link_unknown")
            survey, group = found
            if not self.is_open(survey):
                raise Refused("surveys.link_closed")
            template = self.template(survey.template, "ru")
            kept = {
                q.id: answers[q.id]
                for q in template.questions
                if isinstance(answers.get(q.id), int)
                and (
                    1 <= answers[q.id] <= 5
                    if q.type is QuestionType.SCALE
                    else 0 <= answers[q.id] < len(q.options)
                )
            }
            key = respondent_key(survey.salt, account_id)
            if not repo.add_response(survey.id, group.id, key, kept, comment, now):
                raise Refused("surveys.already_answered")

        await self.db.run(work)

    # -- for /summary and the management review ----------------------------------------------

    async def now_counts(self, today: date) -> builtins.list[tuple[str, int]]:
        """(plural locale key with {n}, count) of what is going on now."""
        count = await self.db.run(lambda conn: SurveyRepo(conn).open_count(today))
        return [("surveys.now.open", count)]
