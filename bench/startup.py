"""Start-up and idle memory of `python -m bot` against the fake Bot API, beside aiogram's
own import (the floor: its types are most of a start).

Figures: wall and process CPU from the spawn to the first getUpdates (CPU from
/proc/<pid>/stat at that moment; wall swings with the machine's load), and the resident
memory two seconds later, idle. The baseline is a process that imports aiogram (Bot,
Dispatcher and its types) and nothing else. Targets: start ≤ aiogram's import + 0.5 s,
idle RSS ≤ aiogram's import + 30 MB. The first start makes the database (every
migration); the next ones find it at head. The bot's bytecode is compiled first, as the
Dockerfile does.

    python -m bench.startup [runs]
"""

from __future__ import annotations

import asyncio
import compileall
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import record
from tests.fakeapi import FakeTelegram

TOKEN = "123456789:AAHbenchTokenForLoadTestsOnly_abcdefg"
ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
BASELINE = (
    "import resource, time\n"
    "from aiogram import Bot, Dispatcher\n"
    "import aiogram.types\n"
    "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
    "rss = [l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1]\n"
    "print(usage.ru_utime + usage.ru_stime, int(rss) / 1024)\n"
)


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


async def baseline() -> tuple[float, float, float]:
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BASELINE, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    wall = time.perf_counter() - began
    cpu, rss = (float(x) for x in out.split())
    return wall, cpu, rss


async def bot_start(telegram: FakeTelegram, folder: Path) -> tuple[float, float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env.update(
        BOT_TOKEN=TOKEN,
        ADMIN_IDS="1",
        TELEGRAM_API_URL=telegram.url,
        DATABASE_PATH=str(folder / "qms.sqlite3"),
        BACKUP_DIR=str(folder / "backups"),
        PYTHONPATH=str(ROOT),
    )
    telegram.polled.clear()
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=folder,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await asyncio.wait_for(telegram.polled.wait(), 120)
    wall = time.perf_counter() - began
    cpu = cpu_of(process.pid)
    await asyncio.sleep(2)
    rss = rss_of(process.pid)
    process.terminate()
    await process.communicate()
    return wall, cpu, rss


async def main(runs: int) -> None:
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    # As the Dockerfile does: bytecode made once (PYTHONDONTWRITEBYTECODE is set there).
    compileall.compile_dir(ROOT / "bot", quiet=1)
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    rows: dict[str, list[tuple[float, ...]]] = {"aiogram import": [], "bot": []}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(runs):
            rows["aiogram import"].append(await baseline())
            figures = await bot_start(telegram, Path(folder))
            label = "bot, new database" if run == 0 else "bot"
            rows.setdefault(label, []).append(figures)
            print(
                f"{label:<18} start {figures[0]:5.2f} s wall {figures[1]:5.2f} s CPU  "
                f"idle RSS {figures[2]:6.1f} MB",
                flush=True,
            )
    await telegram.stop()
    for label, figures in rows.items():
        if figures:
            wall, cpu, rss = (statistics.median(f[i] for f in figures) for i in range(3))
            print(f"median {label:<18} {wall:5.2f} s wall {cpu:5.2f} s CPU {rss:6.1f} MB")
    base = [statistics.median(f[i] for f in rows["aiogram import"]) for i in range(3)]
    bot = [statistics.median(f[i] for f in rows["bot"]) for i in range(3)]
    if rows["bot"]:
        print(
            f"bot at head minus aiogram's import: {bot[0] - base[0]:+.2f} s wall, "
            f"{bot[1] - base[1]:+.2f} s CPU (target ≤ +0.5 s), "
            f"{bot[2] - base[2]:+.1f} MB (target ≤ +30 MB)"
        )
        record(
            "startup",
            start_cpu=bot[1], start_wall=bot[0], base_cpu=base[1], base_wall=base[0],
            rss=bot[2], base_rss=base[2],
        )  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if sys.argv[1:] else 3))
