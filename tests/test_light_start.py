"""What the running bot keeps out of its memory (issue 17 #6, bench.footprint): Alembic when the database is
already at the head revision, and every holiday calendar but Indonesia's.  Each start runs in a fresh
interpreter that imports the whole bot (`bot.telegram.app`, every handler, job and sweep of `ngopas run`), so
`sys.modules` shows exactly what the start-up loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from bot.store import head_revision
from bot.store.migrate import HEAD_REVISION, alembic_config

START = """
import asyncio, json, sys
import bot.telegram.app
from bot.store import Store

async def start(url):
    store = await Store.open(url)
    await store.close()
    return store.migration

report = asyncio.run(start(sys.argv[1]))
print(json.dumps({
    "revision": report.revision,
    "applied": list(report.applied),
    "alembic": sorted(name for name in sys.modules if name.split(".")[0] in ("alembic", "mako")),
}))
"""


def start(database: Path) -> dict:
    """`Store.open` as `ngopas run` does it, in a fresh interpreter: the migration report and what loaded."""
    out = subprocess.run(
        [sys.executable, "-c", START, f"sqlite+aiosqlite:///{database}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def test_the_head_revision_the_code_knows_is_alembics_head() -> None:
    """A start at HEAD_REVISION skips Alembic, so the constant must be the newest revision file: a new
    revision that forgets to move it fails here (and its databases would never be upgraded)."""
    assert head_revision() == HEAD_REVISION


def test_a_start_at_the_head_loads_no_alembic_and_an_older_database_is_still_upgraded(tmp_path) -> None:
    database = tmp_path / "ngopas.db"
    first = start(database)  # a new database: every revision applied, through Alembic
    assert first["revision"] == HEAD_REVISION and first["applied"][-1] == HEAD_REVISION
    assert "alembic" in first["alembic"]

    again = start(database)  # every later start
    assert again == {"revision": HEAD_REVISION, "applied": [], "alembic": []}

    engine = create_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        command.downgrade(alembic_config(None, conn), "-1")  # as the release before this one left it
        previous = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    engine.dispose()
    assert previous != HEAD_REVISION
    upgraded = start(database)
    assert upgraded["revision"] == HEAD_REVISION and upgraded["applied"] == [HEAD_REVISION]
    assert "alembic" in upgraded["alembic"]
