"""Benchmark: `ngopas report --format json` over 1,000,000 stored responses, run as staff run it.

The responses are written into the real store (migrated by `Store.open`) by a bulk path, not one by one
through the chat's write path (that would take hours): set-up, not measured.  The report reads the counts
the store keeps with every answer (`bot/domain/report_counts.py`); bulk-inserted rows have none, so the
set-up then runs the product's own `ngopas report --recount`, which counts every stored answer with the
same `reports.counts.CountsBuilder` the write path runs for each answer it stores (tests/test_report_counts_kept.py
shows kept and recounted tables are identical).  Then the measured command runs as a separate process and
its wall time and peak resident memory are taken from the operating system.  Beside it, in the same run,
two bare reads by pandas alone (`pandas.read_sql` on SQLite; asyncpg into a DataFrame on PostgreSQL, where
pandas has no async driver):

- raw: id, session, time, channel and the answers and follow-ups as their stored JSON text
  (`surveys.counted_raw_query`), into a DataFrame, nothing parsed: the floor of any report that reads
  every answer;
- per answer: one SQL column per answer taken out of the JSON by the database (what a frame of the
  answers holds), the baseline the issue first named.

`bench.report_1m` stays the pure-computation floor (a pickle, no database).

Run: .venv/bin/python -m bench.report_db [--rows 1000000] [--backend sqlite,postgresql]
Goals: SQLite <= 10 s and < 1 GiB peak; ratio to the bare read <= 1.5x (printed for both databases).
PostgreSQL runs on a throwaway server from the machine's binaries (skipped when there are none).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from bot.domain.survey.definition import SurveyDefinition, load_definition
from bot.store import Store
from bot.store import schema as s
from bot.store.surveys import counted_raw_query
from reports.instrument import PROFILE_KEYS

ROWS = 1_000_000
SESSIONS = 400
SECTIONS = ["TU/Kerukunan Umat Beragama", "Bimas Islam", "PHU", "Pendidikan Islam"]
START = datetime(2025, 1, 1, tzinfo=UTC)
CHUNK = 100_000


def _fmt(when: datetime) -> str:
    """As SQLAlchemy stores a naive-UTC DateTime on SQLite."""
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


def sessions() -> list[dict[str, Any]]:
    rows = []
    for i in range(SESSIONS):
        starts = START + timedelta(days=730 * i / SESSIONS, hours=2)
        rows.append(
            {
                "id": i + 1,
                "title": f"Dialog NGOPAS {i + 1}",
                "section": SECTIONS[i % 4],
                "venue": "Aula",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "survey_closes_at": starts + timedelta(days=7),
                "status": "done",
                "rev": 1,
                "version": 1,
                "source": "bench",
                "created_at": starts,
                "updated_at": starts,
            }
        )
    return rows


def responses(defn: SurveyDefinition, n: int, seed: int = 17) -> Iterator[list[tuple[Any, ...]]]:
    """Chunks of (id, session_id, respondent, definition, version, channel, answers JSON, followups JSON,
    finished_at): a year and a half of answers with gaps (about 2 % skipped per question, 5 % suggestions)."""
    rng = np.random.default_rng(seed)
    scored = [q.key for q in defn.questions if q.kind == "ikm"]
    choices = {q.key: [o.value for o in q.options] for q in defn.questions if q.key in PROFILE_KEYS}
    choices["kehadiran"] = ["langsung", "zoom", "youtube"]
    for first in range(0, n, CHUNK):
        size = min(CHUNK, n - first)
        scores = rng.integers(1, 5, size=(size, len(scored)))
        skipped = rng.random((size, len(scored))) < 0.02
        picks = {k: rng.integers(0, len(v), size) for k, v in choices.items()}
        saran = rng.random(size) < 0.05
        session = rng.integers(0, SESSIONS, size)
        offset = rng.integers(0, 7 * 86400, size)
        rows = []
        for j in range(size):
            answers: dict[str, Any] = {
                k: (None if skipped[j, c] else str(scores[j, c])) for c, k in enumerate(scored)
            }
            for k, v in choices.items():
                answers[k] = v[picks[k][j]]
            followups = {}
            if saran[j]:
                answers["saran"] = f"Saran nomor {first + j}: tolong perbaiki suara Zoom."
                low = [k for c, k in enumerate(scored) if scores[j, c] == 1 and not skipped[j, c]]
                if low:
                    followups[low[0]] = "Suara kurang jelas."
            sid = int(session[j])
            finished = START + timedelta(days=730 * sid / SESSIONS, hours=4, seconds=int(offset[j]))
            rows.append(
                (
                    f"B{first + j:09d}",
                    sid + 1,
                    f"bench:{first + j}",
                    defn.id,
                    defn.version,
                    "telegram",
                    json.dumps(answers),
                    json.dumps(followups),
                    finished,
                )
            )
        yield rows


async def seed(url: str, n: int, defn: SurveyDefinition) -> float:
    """Migrate a fresh database and bulk-load `n` responses; returns seconds taken."""
    t0 = time.perf_counter()
    store = await Store.open(url)
    await store.close()
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1]
        db = sqlite3.connect(path)
        columns = ", ".join(sessions()[0])
        marks = ", ".join(f":{k}" for k in sessions()[0])
        db.executemany(
            f"INSERT INTO session ({columns}) VALUES ({marks})",  # noqa: S608 - our own column names
            [{k: _fmt(v) if isinstance(v, datetime) else v for k, v in row.items()} for row in sessions()],
        )
        for rows in responses(defn, n):
            db.executemany(
                "INSERT INTO response (id, session_id, respondent, definition_id, definition_version, channel,"
                " answers, followups, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*row[:8], _fmt(row[8])) for row in rows],
            )
        db.commit()
        db.close()
    else:
        import asyncpg  # noqa: PLC0415 - PostgreSQL only

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            naive = [
                {k: v.replace(tzinfo=None) if isinstance(v, datetime) else v for k, v in row.items()}
                for row in sessions()
            ]
            await conn.copy_records_to_table(
                "session", records=[tuple(r.values()) for r in naive], columns=list(naive[0])
            )
            await conn.execute("SELECT setval('session_id_seq', (SELECT max(id) FROM session))")
            for rows in responses(defn, n):
                await conn.copy_records_to_table(
                    "response",
                    records=[(*row[:8], row[8].replace(tzinfo=None)) for row in rows],
                    columns=[
                        "id",
                        "session_id",
                        "respondent",
                        "definition_id",
                        "definition_version",
                        "channel",
                        "answers",
                        "followups",
                        "finished_at",
                    ],
                )
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
    return time.perf_counter() - t0


def run_report(workdir: Path, url: str, *extra: str) -> tuple[float, float, float, dict[str, Any]]:
    """`ngopas report --format json` as a separate process: wall seconds, CPU seconds, peak RSS in MiB, the
    report."""
    env = {**os.environ, "NGOPAS_DATABASE_URL": url, "NGOPAS_DATA_DIR": str(workdir)}
    settings_file = workdir / "settings.env"
    settings_file.write_text("")
    out = workdir / "report.json"
    command = [sys.executable, "-m", "bot.cli", "report", "--format", "json", "--quiet"]
    command += ["--env-file", str(settings_file)]
    # Started by a small launcher, not by this process: a child forked from a process holding a million
    # rows inherits that process's peak RSS as its own (Linux keeps the high-water mark across exec).
    launched = subprocess.run(
        [sys.executable, "-c", LAUNCHER, json.dumps(command), str(out)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if launched.returncode != 0:
        raise SystemExit(f"ngopas report failed: {launched.stderr}")
    measured = json.loads(launched.stdout)
    return measured["seconds"], measured["cpu"], measured["peak_kib"] / 1024, json.loads(out.read_text())


LAUNCHER = """
import json, os, subprocess, sys, time
command, out = json.loads(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
proc = subprocess.Popen(command, stdout=open(out, "wb"), stderr=subprocess.PIPE)
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - t0
if status != 0:
    sys.exit(proc.stderr.read().decode())
print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_kib": usage.ru_maxrss}))
"""


def per_answer_query(defn: SurveyDefinition) -> Any:
    """One SQL column per answer, taken out of the JSON by the database."""
    scored = [q.key for q in defn.questions if q.kind in ("ikm", "scale")]
    r = s.response.c
    return select(
        r.id,
        r.session_id,
        r.finished_at,
        r.channel,
        *[r.answers[key].as_string().label(key) for key in [*scored, *PROFILE_KEYS, "saran"]],
        *[r.followups[key].as_string().label(f"perbaikan_{key}") for key in scored],
    ).where(r.replaced_by.is_(None))


def bare_read(url: str, query: Any) -> tuple[float, float, int]:
    """`query` read by pandas alone into a DataFrame: wall and CPU seconds, rows."""
    if url.startswith("sqlite"):
        sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
        db = sqlite3.connect(url.split("///", 1)[1])
        t0, c0 = time.perf_counter(), time.process_time()
        frame = pd.read_sql(sql, db)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        db.close()
        return seconds, cpu, len(frame)
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))

    async def read() -> tuple[float, float, int]:
        import asyncpg  # noqa: PLC0415 - PostgreSQL only

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            rows = await conn.fetch(sql)
            frame = pd.DataFrame.from_records(rows, columns=list(rows[0].keys()) if rows else None)
            return time.perf_counter() - t0, time.process_time() - c0, len(frame)
        finally:
            await conn.close()

    return asyncio.run(read())


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def measure(backend: str, url: str, workdir: Path, n: int, defn: SurveyDefinition) -> None:
    print(f"-- {backend}: {n:,} responses --")
    print(f"set-up (migrate + bulk insert)  {asyncio.run(seed(url, n, defn)):>8.1f} s   (not measured)")
    # The rows were bulk-inserted, not stored one by one, so the report's kept counts are the product's own
    # recount of them (the same CountsBuilder the write path runs for each answer stored).
    recount_seconds, _, recount_peak, recounted = run_report(workdir, url, "--recount")
    print(
        f"set-up: ngopas report --recount {recount_seconds:>8.1f} s   ({recount_peak:.0f} MiB; counts every"
        " stored answer once, as after an upgrade or a restore; not measured)"
    )
    print(f"load: {uptime()}")
    raw_seconds, raw_cpu, raw_rows = bare_read(url, counted_raw_query())
    wide_seconds, wide_cpu, _ = bare_read(url, per_answer_query(defn))
    seconds, cpu, peak, report = run_report(workdir, url)
    sqlite_goal = backend == "SQLite"
    time_ok = f"(goal <= 10 s) {'OK' if seconds <= 10 else 'MISSED'}" if sqlite_goal else ""
    mem_ok = f"(goal < 1024 MiB) {'OK' if peak < 1024 else 'MISSED'}" if sqlite_goal else ""
    print(
        f"bare read, raw columns          {raw_seconds:>8.2f} s   ({raw_cpu:.2f} CPU s; {raw_rows:,} rows:"
        " id, session, time, channel, answers and follow-ups as JSON text)"
    )
    print(
        f"bare read, a column per answer  {wide_seconds:>8.2f} s   ({wide_cpu:.2f} CPU s; the database"
        " takes each answer out of the JSON)"
    )
    print(
        f"ngopas report --format json     {seconds:>8.2f} s   ({cpu:.2f} CPU s, start-up included) {time_ok}"
    )
    print(f"peak memory of the command      {peak:>8.0f} MiB {mem_ok}")
    for name, bare, bare_cpu in (
        ("raw columns", raw_seconds, raw_cpu),
        ("a column per answer", wide_seconds, wide_cpu),
    ):
        ratio = seconds / bare
        print(
            f"ratio to the bare read of {name:<20} {ratio:>5.2f} x wall, {cpu / bare_cpu:>5.2f} x CPU"
            f"   (goal <= 1.50 x) {'OK' if ratio <= 1.5 else 'MISSED'}"
        )
    print(f"IKM {report['ikm']:.2f} {report['mutu']}; {report['respondents']:,} respondents")
    same = {k: v for k, v in report.items() if k != "generated_at"} == {
        k: v for k, v in recounted.items() if k != "generated_at"
    }
    print(f"the report from the kept counts equals the report right after the recount: {same}")
    print(f"load: {uptime()}")
    sys.stdout.flush()


def main(n: int = ROWS, backends: tuple[str, ...] = ("sqlite", "postgresql")) -> None:
    defn = load_definition("ngopas")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if "sqlite" in backends:
            measure("SQLite", f"sqlite+aiosqlite:///{workdir / 'ngopas.db'}", workdir, n, defn)
        if "postgresql" in backends:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
            from tests.postgres import PostgresServer, find_bin  # noqa: PLC0415 - the test suite's throwaway server

            bindir = find_bin()
            if bindir is None:
                print("-- PostgreSQL: skipped (no PostgreSQL binaries on this machine) --")
                return
            server = PostgresServer(bindir)
            server.start()
            try:
                measure("PostgreSQL", server.new_database(), workdir, n, defn)
            finally:
                server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--backend", default="sqlite,postgresql")
    args = parser.parse_args()
    main(args.rows, tuple(args.backend.split(",")))
