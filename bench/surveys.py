"""Surveys and risks benchmark: a parents' survey of a whole school (40 classes, 30
responses each: 1,200 responses), its results, XLSX and chart; a register of 300 risks and
its heat map; the reminder rules over 300 risks with 3 actions each and 100 providers.
Targets: results < 0.5 s, XLSX < 1 s, each chart < 1.5 s, the sweep's rules < 0.5 s.

    python -m bench.surveys
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.models import User
from bot.domain.risks import RiskKind, RiskStatus
from bot.domain.roles import Role
from bot.reports.charts import risk_heat_map, survey_averages
from bot.reports.xlsx import build_survey_workbook
from bot.scheduler.rules import compute_due
from bot.services.nonconformities import NcService
from bot.services.risks import RiskService
from bot.services.surveys import SurveyService
from bot.services.templates import TemplateService
from bot.storage.db import Database
from bot.storage.risks import RiskRepo
from bot.storage.suppliers import SupplierRepo
from bot.storage.users import UserRepo

TOKEN = "123456789:AAHbenchTokenForLoadTestsOnly_abcdefg"
CLASSES = [f"{grade}{letter}" for grade in range(1, 11) for letter in "АБВГ"]
PER_CLASS, RISKS, SUPPLIERS = 30, 300, 100
ZONE = ZoneInfo("Europe/Moscow")


def timed(label: str, seconds: float, target: float) -> None:
    verdict = "ok" if seconds < target else "SLOW"
    print(f"{label:<32} {seconds * 1000:8.1f} ms  (target {target * 1000:.0f} ms) {verdict}")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "qms.sqlite3"
        db = Database.sqlite(path)
        await db.migrate()
        now = datetime(2026, 11, 26, 9, tzinfo=UTC)
        clock = FixedClock(now)

        def people(conn: object) -> User:
            users = UserRepo(conn)  # type: ignore[arg-type]
            manager_id = users.add(1, "Менеджер", None, "ru", None, now)
            users.set_roles(manager_id, {Role.MANAGER})
            found = users.get(manager_id)
            assert found is not None
            return found

        manager = await db.run(people)
        templates = TemplateService(db, clock)
        ncs = NcService(db, clock, ZONE, templates)
        surveys = SurveyService(db, clock, ZONE, ncs)
        survey = await surveys.create(manager, "parents", date(2026, 12, 20), ", ".join(CLASSES))
        rng = random.Random(16)
        account = 10_000
        for group in survey.groups:
            for _ in range(PER_CLASS):
                account += 1
                answers = {q: rng.randint(1, 5) for q in ("teaching", "information", "safety")}
                answers |= {"catering": rng.randint(1, 4), "recommend": rng.randint(0, 3)}
                await surveys.submit(
                    group.token, account, answers, "Комментарий" * (account % 7 == 0)
                )

        started = time.perf_counter()
        report = await surveys.report(survey.id, "ru")
        timed("survey results (1,200 responses)", time.perf_counter() - started, 0.5)
        assert report.overall.responses == len(CLASSES) * PER_CLASS

        rows = [
            SimpleNamespace(group=g.group.name if g.group else "*", question=r.question.text,
                            responses=r.answered, average=r.average, spread="")
            for g in [report.overall, *report.groups] for r in g.results or []
        ]  # fmt: skip
        comments = [SimpleNamespace(group=g, comment=c) for g, c in report.comments]
        started = time.perf_counter()
        build_survey_workbook(rows, comments, lambda key: key)
        timed("survey XLSX", time.perf_counter() - started, 1.0)

        values = {r.question.text: r.average for r in report.overall.results or []}
        started = time.perf_counter()
        survey_averages(values, "Удовлетворённость родителей", lambda key: key)
        timed("survey chart", time.perf_counter() - started, 1.5)

        def register(conn: object) -> None:
            repo = RiskRepo(conn)  # type: ignore[arg-type]
            suppliers = SupplierRepo(conn)  # type: ignore[arg-type]
            for n in range(RISKS):
                risk_id = repo.add(RiskKind.RISK, f"Риск {n}", None, manager.id, now,
                                   RiskStatus.ACTIVE)  # fmt: skip
                repo.update(risk_id, 0, now, likelihood=rng.randint(1, 5),
                            impact=rng.randint(1, 5), review_on=date(2027, 3, 1))  # fmt: skip
                for k in range(3):
                    repo.add_action(risk_id, f"Действие {k}", manager.id,
                                    date(2026, 11, 20) + timedelta(days=7 * k), now)  # fmt: skip
            for n in range(SUPPLIERS):
                suppliers.add(f"Поставщик {n}", "услуги", manager.id, now)

        await db.run(register)
        risks = RiskService(db, clock, ZONE)
        counts = await risks.heat()
        started = time.perf_counter()
        risk_heat_map(dict(counts), "Тепловая карта рисков", lambda key: key)
        timed("heat map (300 risks)", time.perf_counter() - started, 1.5)

        settings = Settings(_env_file=None, bot_token=TOKEN, database_path=path)  # type: ignore[call-arg]
        started = time.perf_counter()
        due = await db.run(lambda conn: compute_due(conn, now, settings, templates))
        timed("reminder rules (sweep)", time.perf_counter() - started, 0.5)
        print(f"{len(due)} reminders due")
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
