"""The sandbox page in a real headless Chromium: a teacher answers, the manager looks.

Uses Debian's chromium and chromedriver (`apt-get install chromium chromium-driver`);
without them the test is skipped. Screenshots go to test-artifacts/; with
UPDATE_DOCS=1 the teacher's also replaces docs/sandbox.png (the README's picture), which
is otherwise left as committed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.demo import PERSONAS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
WAIT = 20

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip(
        "needs Debian's /usr/bin/chromium and /usr/bin/chromedriver "
        "(apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium: pip install .[dev]")

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = [pytest.mark.timeout(180), pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    """`python -m bot sandbox` as a person runs it: its own process, its own port."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox",
         "--port", str(port), "--data", str(tmp_path / "sandbox")],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Sandbox: open http://127.0.0.1:"), process.stderr.read()  # type: ignore[union-attr]
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager never downloads anything

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--window-size=412,915",
        "--lang=ru",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_window_size(412, 915)
    try:
        yield driver
    finally:
        driver.quit()


def until(driver: Any, found: Callable[[], Any], what: str) -> Any:
    """Waits for `found()` to give something truthy (re-finding elements the page re-drew)."""

    def attempt(_: Any) -> Any:
        try:
            return found()
        except StaleElementReferenceException:
            return None

    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(attempt, f"waited for {what}")


def messages(driver: Any) -> list[Any]:
    return driver.find_elements(By.CSS_SELECTOR, "#messages .msg")


def bot_texts(driver: Any) -> list[str]:
    return [m.text for m in driver.find_elements(By.CSS_SELECTOR, "#messages .msg.in")]


def message_with(driver: Any, fragment: str) -> Any:
    found = [m for m in messages(driver) if fragment in m.text]
    return found[-1] if found else None


def button(driver: Any, label: str, within: str | None = None) -> Any:
    """The newest inline button whose text is `label` (or contains it), optionally only in
    a message that contains `within`."""
    for message in reversed(messages(driver)):
        if within is not None and within not in message.text:
            continue
        keys = message.find_elements(By.CSS_SELECTOR, ".kb-btn")
        exact = [k for k in keys if k.text.strip() == label]
        matching = exact or [k for k in keys if label in k.text]
        if matching:
            return matching[0]
    return None


def type_text(driver: Any, text: str) -> None:
    box = driver.find_element(By.ID, "composer-input")
    box.click()
    box.send_keys(text)
    box.send_keys(Keys.ENTER)


def choose(driver: Any, key: str) -> None:
    until(driver, lambda: driver.find_element(By.CSS_SELECTOR, f'.persona[data-key="{key}"]'),
          f"persona {key}").click()  # fmt: skip
    until(
        driver,
        lambda: driver.find_element(
            By.CSS_SELECTOR, f'.persona[data-key="{key}"][aria-selected="true"]'
        ),
        f"{key} chosen",
    )


def screenshot(driver: Any, name: str) -> Path:
    from selenium.webdriver.common.action_chains import ActionChains

    # The pointer rests on the header, so no button looks hovered in the picture.
    ActionChains(driver).move_to_element(
        driver.find_element(By.CSS_SELECTOR, ".chat-head")
    ).perform()
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path)), path
    return path


def test_teacher_answers_and_manager_sees_the_chart(sandbox_url: str, browser: Any) -> None:
    driver = browser
    driver.get(sandbox_url)
    until(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, ".persona")) == 7, "personas")

    # The teacher types /audits and starts her questionnaire.
    choose(driver, "teacher")
    assert PERSONAS.teacher.first_name in driver.find_element(By.ID, "persona-list").text
    until(driver, lambda: message_with(driver, "Начался аудит"), "the audit notice")
    type_text(driver, "/audits")
    until(driver, lambda: message_with(driver, "Ваши анкеты"), "the list of questionnaires")
    assert "отвечено 0/19" in message_with(driver, "Ваши анкеты").text
    until(driver, lambda: button(driver, "Начать анкету"), "Начать анкету").click()

    # Two answers by buttons; the third question shows.
    until(driver, lambda: button(driver, "Да", within="вопрос 1/19"), "question 1").click()
    until(driver, lambda: button(driver, "Да", within="вопрос 2/19"), "question 2").click()
    third = until(driver, lambda: message_with(driver, "вопрос 3/19"), "question 3")
    assert "▰▰▱▱▱▱▱▱▱▱" in third.text  # the progress bar: question 3 of 19
    driver.execute_script("arguments[0].scrollIntoView({block: 'end'});", third)
    teacher = screenshot(driver, "teacher.png")
    if os.environ.get("UPDATE_DOCS") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(teacher, ROOT / "docs" / "sandbox.png")

    # The manager asks for the summary and its chart (or, without /summary, the register).
    choose(driver, "manager")
    until(driver, lambda: message_with(driver, "NC-"), "the manager's notices")
    before = len(bot_texts(driver))
    type_text(driver, "/summary")
    until(driver, lambda: len(bot_texts(driver)) > before, "an answer to /summary")
    answer = "\n".join(bot_texts(driver)[before:])
    chart = button(driver, "График") or button(driver, "Chart")
    if "Такой команды нет" in answer or chart is None:
        type_text(driver, "/ncr")
        until(driver, lambda: message_with(driver, "Реестр несоответствий"), "the register")
        assert "просрочено" in message_with(driver, "Реестр несоответствий").text
    else:
        chart.click()
        picture = until(
            driver,
            lambda: [
                img
                for img in driver.find_elements(By.CSS_SELECTOR, "#messages .msg.in img.photo")
                if driver.execute_script(
                    "return arguments[0].complete && arguments[0].naturalWidth", img
                )
            ],
            "the chart picture",
        )[-1]
        driver.execute_script("arguments[0].scrollIntoView({block: 'end'});", picture)
    screenshot(driver, "manager.png")
