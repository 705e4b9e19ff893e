"""Satisfaction surveys: the manager opens one for two groups; parents answer by the public
link without an invite, once each, and see nothing else of the bot; results stay hidden
below the minimum group size; a weak question becomes an improvement opportunity in one
tap; the XLSX and the chart; a closed survey refuses with a clear sentence."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import Connection, select

from bot.domain.nonconformities import Severity, Source
from bot.domain.roles import Role
from bot.domain.surveys import (
    GroupKind,
    TemplateError,
    below,
    load_templates,
    parse_groups,
    parse_template,
    respondent_key,
    results,
)
from bot.storage.schema import survey_responses
from tests.fakeapi import TgUser
from tests.flows import boss
from tests.harness import BotHarness

LINK = re.compile(r"https://t\.me/\w+\?start=(sv_[\w-]+)")


def test_groups_are_classes_parallels_or_the_whole_school() -> None:
    assert parse_groups("5а, 5 Б; 6") == [
        (GroupKind.CLASS, "5А"),
        (GroupKind.CLASS, "5Б"),
        (GroupKind.PARALLEL, "6"),
    ]
    assert parse_groups("Все") == [(GroupKind.ALL, "*")]
    with pytest.raises(ValueError, match="кошка"):
        parse_groups("5А, кошка")
    with pytest.raises(ValueError):
        parse_groups("12")  # there is no twelfth grade


def test_shipped_templates_ask_the_same_questions_in_both_languages() -> None:
    templates = load_templates()
    assert set(templates) == {"parents", "students"}
    for languages in templates.values():
        assert set(languages) == {"ru", "en"}
        ru, en = languages["ru"], languages["en"]
        assert [(q.id, q.type, len(q.options)) for q in ru.questions] == [
            (q.id, q.type, len(q.options)) for q in en.questions
        ]
        assert {q.type.value for q in ru.questions} == {"scale", "choice"} and ru.comment


def test_a_broken_template_is_refused_with_its_reason() -> None:
    with pytest.raises(TemplateError, match="'type' must be scale or choice"):
        parse_template(
            "code: x\ntitle: T\nintro: I\ncomment: C\nquestions:\n- {id: a, type: yes, text: Q}",
            "ru",
        )
    with pytest.raises(TemplateError, match="options"):
        parse_template(
            "code: x\ntitle: T\nintro: I\ncomment: C\nquestions:\n"
            "- {id: a, type: choice, text: Q, options: [one]}",
            "ru",
        )


def test_the_respondent_key_is_per_survey_and_results_are_averaged() -> None:
    assert respondent_key("salt-a", 42) == respondent_key("salt-a", 42)
    assert respondent_key("salt-a", 42) != respondent_key("salt-b", 42)
    assert "42" not in respondent_key("salt-a", 42)
    template = load_templates()["parents"]["ru"]
    found = results(template, [{"teaching": 5, "catering": 2}, {"teaching": 4, "catering": 3}])
    assert found[0].average == 4.5 and found[0].counts == (0, 0, 0, 1, 1)
    assert [r.question.id for r in below(found, 3.5)] == ["catering"]


async def _answer(parent: TgUser, token: str, marks: list[str], comment: str | None) -> str:
    reply = await parent.send(f"/start {token}")
    for mark in marks:
        reply = await parent.press(mark)
    if comment is None:
        reply = await parent.press("Без комментария")
    else:
        reply = await parent.send(comment)
    return reply.text


async def test_parents_answer_once_anonymously_and_the_manager_reads_the_results(
    harness: BotHarness, manager: TgUser
) -> None:
    assert harness.app is not None
    reply = await manager.send("/surveys")
    assert "Опросов пока нет" in reply.text
    await manager.press("Новый опрос")
    reply = await manager.press("Удовлетворённость родителей")
    assert "До какого дня" in reply.text
    reply = await manager.send("20.11.2026")  # a past day: the question stays
    assert "До какого дня" not in reply.text and reply.text
    reply = await manager.send("10.12.2026")
    assert "Для каких групп" in reply.text
    reply = await manager.send("5А, кошка")
    assert "Не понял группу «кошка»" in reply.text
    reply = await manager.send("5А, 6")
    assert "Период: 26.11.2026–10.12.2026" in reply.text and "Состояние: открыт" in reply.text
    tokens = LINK.findall(reply.text)
    assert len(tokens) == 2 and "6-е классы" in reply.text
    class_5a, parallel_6 = tokens

    # A parent without any invite opens the link, answers every question and a comment.
    anna = harness.user(5001, "Анна")
    reply = await anna.send(f"/start {class_5a}")
    assert "Удовлетворённость родителей" in reply.text and "Анкета анонимна" in reply.text
    assert "Вопрос 1 из 5" in reply.text and reply.last.buttons == ["1", "2", "3", "4", "5"]
    four, three = (reply.last.button(m)["callback_data"] for m in ("4", "3"))
    reply = await anna.press("4")
    assert "Вопрос 2 из 5" in reply.text
    again = await anna.press_data(four)  # a double tap on the first question
    assert "Вопрос 2 из 5" in anna.last.text  # nothing moved on
    assert "ответ уже есть" in str(again.alert)
    for mark in ("5", "4", "2"):
        reply = await anna.press(mark)
    assert "Порекомендуете ли вы" in reply.text
    reply = await anna.press("Скорее да")
    assert "Что школе стоит улучшить" in reply.text
    reply = await anna.send("Больше кружков по робототехнике")
    assert "Спасибо! Ваш ответ принят" in reply.text
    stale = await anna.press_data(three)
    assert "ответ уже есть" in str(stale.alert)

    # Once per account; nothing else of the bot.
    reply = await anna.send(f"/start {class_5a}")
    assert "Вы уже ответили на этот опрос" in reply.text
    reply = await anna.send(f"/start {parallel_6}")  # another group's link: the same survey
    assert "Вы уже ответили на этот опрос" in reply.text
    for attempt in ("/menu", "/ncr", "/surveys", "привет"):
        reply = await anna.send(attempt)
        assert "только для сотрудников" in reply.text, attempt
        assert reply.last.buttons == []

    # One response: everything hidden (SURVEY_MIN_GROUP is 5).
    await manager.send("/surveys")
    reply = await manager.press("Удовлетворённость родителей")
    assert "5А — 1 ответ" in reply.text
    reply = await manager.press("Результаты")
    assert reply.text.count("Результаты скрыты: меньше 5 ответов.") == 3
    assert "Больше кружков" not in reply.text and "💡" not in reply.text

    # Four more parents of 5А, one in English; the sixth grade stays below the minimum.
    for number, marks in enumerate((["5", "4", "5", "2"], ["4", "3", "4", "3"]), 5002):
        text = await _answer(harness.user(number, "Родитель"), class_5a, [*marks, "Да"], None)
        assert "Спасибо" in text
    john = harness.user(5004, "John", language_code="en")
    text = await _answer(john, class_5a, ["5", "5", "5", "1", "Rather no"], "More sport")
    assert "Thank you! Your answer is in" in text
    parent = harness.user(5005, "Родитель")
    text = await _answer(parent, class_5a, ["3", "4", "4", "2", "Нет"], None)
    text = await _answer(harness.user(5006, "Родитель"), parallel_6, ["2", "2", "2", "2", "Нет"],
                         "Секрет шестого класса")  # fmt: skip
    assert "Спасибо" in text

    reply = await manager.press("Результаты")
    # All six minus 5А's five would give away the sixth grade's one answer: the overall
    # counts the groups shown only.
    assert "Все ответы" not in reply.text
    assert "Группы, где не меньше 5 ответов · 5 ответов" in reply.text
    assert "5А · 5 ответов" in reply.text and "6-е классы · 1 ответ" in reply.text
    assert "Результаты скрыты: меньше 5 ответов." in reply.text  # the sixth grade's
    assert "1. Насколько вы довольны качеством обучения вашего ребёнка? — 4,2 из 5" in reply.text
    assert "⚠️ 4. Насколько вы довольны школьным питанием? — 2,0 из 5 (5 ответов)" in reply.text
    assert "1. Насколько вы довольны качеством обучения вашего ребёнка? — 3,8" not in reply.text
    assert "Больше кружков по робототехнике" in reply.text and "More sport" in reply.text
    assert "Секрет шестого класса" not in reply.text  # a hidden group's comment stays hidden
    assert "   Скорее да: 1" in reply.text

    reply = await manager.press("💡 Возможность для улучшения: вопрос 4")
    assert "Возможность для улучшения зарегистрирована: NC-2026-001" in str(reply.alert)
    again = await manager.press("Возможность для улучшения: вопрос 4")
    assert "Уже зарегистрирована: NC-2026-001" in str(again.alert)
    nc = await harness.app.dispatcher["ncs"].get(await boss(harness), 1)
    assert nc.source is Source.SURVEY and nc.severity is Severity.IMPROVEMENT
    assert "«Насколько вы довольны школьным питанием?» — в среднем 2,0 из 5" in nc.description

    mark = len(manager.chat())
    await manager.press("📈 График")
    await manager.press("📥 Excel")
    sent = manager.chat()[mark:]
    assert any(m.photo for m in sent)
    document = next(m for m in sent if m.document)
    content, _ = harness.api.files[document.document["file_id"]]
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = [[c.value for c in row] for row in book["Результаты опроса"].iter_rows(min_row=2)]
    catering = "Насколько вы довольны школьным питанием?"
    assert ["5А", catering, 5, 2.0, "1: 1; 2: 3; 3: 1; 4: 0; 5: 0"] in rows
    assert ["6-е классы", "Результаты скрыты: меньше 5 ответов.", 1, None, None] in rows
    assert [
        "Группы, где не меньше 5 ответов",
        catering,
        5,
        2.0,
        "1: 1; 2: 3; 3: 1; 4: 0; 5: 0",
    ] in (rows)
    comments = [[c.value for c in row] for row in book["Комментарии"].iter_rows(min_row=2)]
    assert sorted(comments) == [["5А", "More sport"], ["5А", "Больше кружков по робототехнике"]]

    # Closed early: the links refuse, with a sentence; a second tap changes nothing.
    surveys = harness.app.dispatcher["surveys"]
    assert await surveys.now_counts(date(2026, 11, 30)) == [("surveys.now.open", 1)]
    reply = await manager.press("⬅️")
    reply = await manager.press("Закрыть опрос")
    assert "Опрос закрыт" in str(reply.alert) and "ссылка больше не принимает ответы" in reply.text
    reply = await manager.press_data(reply.last.raw["reply_markup"]["inline_keyboard"][0][0]
                                     ["callback_data"].replace(":res:", ":close:"))  # fmt: skip
    assert "Опрос уже закрыт" in str(reply.alert)
    assert await surveys.now_counts(date(2026, 11, 30)) == [("surveys.now.open", 0)]
    late = await harness.user(5010, "Опоздавший").send(f"/start {parallel_6}")
    assert "Опрос уже закрыт — ответы больше не принимаются" in late.text


async def test_the_public_link_is_rate_limited_and_an_unknown_one_explained(
    harness: BotHarness,
) -> None:
    guesser = harness.user(6001, "Гость")
    for _ in range(10):
        reply = await guesser.send("/start sv_nosuchtoken")
        assert "Эта ссылка на опрос не действует" in reply.text
    reply = await guesser.send("/start sv_nosuchtoken")
    assert "Слишком много попыток" in reply.text
    harness.clock.advance(timedelta(minutes=11))
    reply = await guesser.send("/start sv_nosuchtoken")
    assert "не действует" in reply.text


async def test_a_survey_half_answered_survives_a_restart_and_a_stray_photo(
    harness: BotHarness, manager: TgUser
) -> None:
    await manager.send("/surveys")
    await manager.press("Новый опрос")
    await manager.press("Удовлетворённость обучающихся")
    await manager.send("10.12.2026")
    reply = await manager.press("Вся школа")
    assert "вся школа — 0 ответов" in reply.text
    (token,) = LINK.findall(reply.text)

    pupil = harness.user(5101, "Петя")
    reply = await pupil.send(f"/start {token}")
    assert "Насколько тебе интересно на уроках?" in reply.text
    await pupil.press("5")
    reply = await pupil.send_photo()
    assert "Ответьте, пожалуйста, кнопками под вопросом" in reply.text
    await harness.restart()
    for mark in ("4", "3", "5"):
        reply = await pupil.press(mark)
    reply = await pupil.press("Нормальная")
    assert "Что бы ты изменил в школе" in reply.text
    reply = await pupil.send_photo()
    assert "Напишите комментарий текстом" in reply.text
    reply = await pupil.press("Без комментария")
    assert "Спасибо! Ваш ответ принят" in reply.text
    assert harness.app is not None
    report = await harness.app.dispatcher["surveys"].report(1, "ru")
    assert report.overall.responses == 1 and report.overall.results is None

    def stored(conn: Connection) -> list[tuple[str, dict[str, int], str | None]]:
        rows = conn.execute(select(survey_responses)).all()
        return [(r.respondent, r.answers, r.comment) for r in rows]

    ((respondent, answers, comment),) = await harness.app.db.run(stored)
    assert answers == {"lessons": 5, "teachers": 4, "comfort": 3, "activities": 5, "load": 1}
    assert comment is None and "5101" not in respondent and len(respondent) == 64


async def test_an_invite_whose_token_begins_like_a_survey_link_still_lets_one_join(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert harness.app is not None
    monkeypatch.setattr("bot.services.invites.new_token", lambda: "sv_AbCdEfGhIjKlMnOpQrS")
    token, _ = await harness.app.dispatcher["invites"].create(
        await boss(harness), frozenset({Role.TEACHER}), None, 1
    )
    assert token.startswith("sv_")
    reply = await harness.user(5201, "Вера").send(f"/start {token}")
    assert "Вера" in reply.text and "Главное меню" in reply.text, reply.text
