"""Surveys, their groups (each with its public link's token) and anonymous responses."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from bot.domain.surveys import GroupKind
from bot.storage.db import inserted_id
from bot.storage.schema import survey_groups, survey_improvements, survey_responses, surveys

s_t, g_t, r_t, i_t = surveys, survey_groups, survey_responses, survey_improvements


class SurveyRow:
    def __init__(self, row: Row[Any], groups: builtins.list[GroupRow]) -> None:
        self.id: int = row.id
        self.template: str = row.template
        self.opens_on: date = row.opens_on
        self.closes_on: date = row.closes_on
        self.salt: str = row.salt
        self.created_at: datetime = row.created_at
        self.closed_at: datetime | None = row.closed_at
        self.groups = groups

    @property
    def responses(self) -> int:
        return sum(g.responses for g in self.groups)


class GroupRow:
    def __init__(self, row: Row[Any], responses: int) -> None:
        self.id: int = row.id
        self.survey_id: int = row.survey_id
        self.kind = GroupKind(row.kind)
        self.name: str = row.name
        self.token: str = row.token
        self.responses = responses


class SurveyRepo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        template: str,
        opens_on: date,
        closes_on: date,
        salt: str,
        actor_id: int,
        now: datetime,
        groups: builtins.list[tuple[GroupKind, str, str]],
    ) -> int:
        survey_id = inserted_id(
            self.conn.execute(
                insert(s_t).values(
                    template=template, opens_on=opens_on, closes_on=closes_on, salt=salt,
                    created_by=actor_id, created_at=now,
                )
            )
        )  # fmt: skip
        for kind, name, token in groups:
            self.conn.execute(
                insert(g_t).values(survey_id=survey_id, kind=kind.value, name=name, token=token)
            )
        return survey_id

    def _groups(self, survey_ids: builtins.list[int]) -> dict[int, builtins.list[GroupRow]]:
        counts: dict[int, int] = dict(
            self.conn.execute(
                select(r_t.c.group_id, func.count())
                .where(r_t.c.survey_id.in_(survey_ids))
                .group_by(r_t.c.group_id)
            ).all()
        )
        found: dict[int, builtins.list[GroupRow]] = {i: [] for i in survey_ids}
        query = select(g_t).where(g_t.c.survey_id.in_(survey_ids)).order_by(g_t.c.id)
        for row in self.conn.execute(query):
            found[row.survey_id].append(GroupRow(row, counts.get(row.id, 0)))
        return found

    def list(self) -> builtins.list[SurveyRow]:
        rows = self.conn.execute(select(s_t).order_by(s_t.c.id.desc())).all()
        groups = self._groups([r.id for r in rows])
        return [SurveyRow(r, groups[r.id]) for r in rows]

    def get(self, survey_id: int) -> SurveyRow | None:
        row = self.conn.execute(select(s_t).where(s_t.c.id == survey_id)).first()
        return SurveyRow(row, self._groups([row.id])[row.id]) if row else None

    def by_token(self, token: str) -> tuple[SurveyRow, GroupRow] | None:
        row = self.conn.execute(select(g_t.c.survey_id, g_t.c.id).where(g_t.c.token == token))
        found = row.first()
        if found is None:
            return None
        survey = self.get(found.survey_id)
        assert survey is not None
        return survey, next(g for g in survey.groups if g.id == found.id)

    def close(self, survey_id: int, now: datetime) -> bool:
        result = self.conn.execute(
            update(s_t)
            .where(s_t.c.id == survey_id, s_t.c.closed_at.is_(None))
            .values(closed_at=now)
        )
        return result.rowcount == 1

    def answered(self, survey_id: int, respondent: str) -> bool:
        query = select(r_t.c.id).where(r_t.c.survey_id == survey_id, r_t.c.respondent == respondent)
        return self.conn.execute(query).first() is not None

    def add_response(
        self,
        survey_id: int,
        group_id: int,
        respondent: str,
        answers: dict[str, int],
        comment: str | None,
        now: datetime,
    ) -> bool:
        """False when this respondent has answered this survey already."""
        if self.answered(survey_id, respondent):  # one writer: checked in the same unit
            return False
        self.conn.execute(
            insert(r_t).values(
                survey_id=survey_id, group_id=group_id, respondent=respondent,
                answers=answers, comment=comment, created_at=now,
            )
        )  # fmt: skip
        return True

    def responses(self, survey_id: int) -> builtins.list[tuple[int, dict[str, int], str | None]]:
        """(group id, answers, comment) of each response."""
        query = select(r_t.c.group_id, r_t.c.answers, r_t.c.comment).where(
            r_t.c.survey_id == survey_id
        )
        return [(r.group_id, dict(r.answers), r.comment) for r in self.conn.execute(query)]

    def improvements(self, survey_id: int) -> dict[str, int]:
        query = select(i_t.c.question_id, i_t.c.nc_id).where(i_t.c.survey_id == survey_id)
        return {r.question_id: r.nc_id for r in self.conn.execute(query)}

    def add_improvement(self, survey_id: int, question_id: str, nc_id: int) -> None:
        self.conn.execute(
            insert(i_t).values(survey_id=survey_id, question_id=question_id, nc_id=nc_id)
        )

    def open_count(self, today: date) -> int:
        query = select(func.count()).where(
            s_t.c.closed_at.is_(None), s_t.c.opens_on <= today, s_t.c.closes_on >= today
        )
        return int(self.conn.execute(query).scalar_one())
