"""Alembic migrations: revisions match the models, 0.1.0 databases are adopted without loss, newer ones refused.

The fixtures in tests/fixtures were written by the release before Alembic (see their README): a SQLite file
and a PostgreSQL dump, each with rows in every table.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, Text, inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from bot.cli import app
from bot.store import (
    DatabaseTooNew,
    Store,
    aspirations,
    chats,
    head_revision,
    meta,
    outbox,
    schema_revision,
    sessions,
    sheet_rows,
    surveys,
)
from bot.store import schema as s
from bot.store.backup import BackupError, check_backup, restore
from bot.store.migrate import LEGACY_MIGRATIONS, SCRIPT_LOCATION, alembic_config, sqlite_file_revision
from tests.hang import HANG_GUARD_SECONDS

from .conftest import BOTH_DATABASES

FIXTURES = Path(__file__).parent / "fixtures"
SQLITE_FIXTURE = FIXTURES / "ngopas-0.1.0.sqlite3"
POSTGRES_FIXTURE = FIXTURES / "ngopas-0.1.0-postgresql.sql"
# The revisions this release ships, the head, the ones a 0.1.0 database (at 0004) gets, and the id a new
# revision written by a test takes: tests stay true as revisions are added.
# A revision's id is what its file declares ("0009" or, before a merge renumbers it, "0009_import_fingerprint").
_FILES = sorted((SCRIPT_LOCATION / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
REVISIONS = [re.search(r'^revision: str = "([^"]+)"', p.read_text(), re.M).group(1) for p in _FILES]
HEAD = REVISIONS[-1]
AFTER_0_1_0 = tuple(r for r in REVISIONS if r > "0004")
NEXT = f"{int(_FILES[-1].name[:4]) + 1:04d}"
TABLES = [
    "chat",
    "subscription",
    "session",
    "schedule",
    "outbox",
    "meta",
    "survey_draft",
    "response",
    "sheet_outbox",
    "aspiration",
    "aspiration_route",
    "aspiration_draft",
    "schema_migrations",
]
ROWS_IN_FIXTURE = {
    "chat": 2,
    "subscription": 3,
    "session": 2,
    "schedule": 2,
    "outbox": 2,
    "meta": 2,
    "survey_draft": 1,
    "response": 3,
    "sheet_outbox": 2,
    "aspiration": 2,
    "aspiration_route": 1,
    "aspiration_draft": 1,
    "schema_migrations": 4,
}

# --- helpers ------------------------------------------------------------------------------------------


async def _on(url: str, fn):
    """Run `fn(sync_connection)` in one committed transaction of a throwaway engine."""
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def _drift(conn) -> list:
    return compare_metadata(MigrationContext.configure(conn), s.metadata)


def _snapshot(conn) -> dict[str, list[tuple]]:
    """Every row of every table, raw (no type processing), in a stable order."""
    return {
        table: sorted((tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}"'))), key=repr)
        for table in TABLES
    }


def _upgrade_to(revision: str, script_location=None):
    def run(conn) -> None:
        command.upgrade(alembic_config(script_location, conn), revision)

    return run


def _downgrade_to(revision: str):
    def run(conn) -> None:
        command.downgrade(alembic_config(None, conn), revision)

    return run


def _legacy_database(backend: str, tmp_path: Path, request) -> str:
    """A database exactly as 0.1.0 left it (rows in every table, no alembic_version)."""
    if backend == "sqlite":
        copy = tmp_path / "ngopas-0.1.0.sqlite3"
        shutil.copy(SQLITE_FIXTURE, copy)
        return f"sqlite+aiosqlite:///{copy}"
    server = request.getfixturevalue("postgres_server")
    url = server.new_database()
    name = url.rsplit("/", 1)[1]
    loaded = subprocess.run(
        [str(server.bindir / "psql"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "ngopas", "-d", name]
        + ["-v", "ON_ERROR_STOP=1", "-q", "-f", str(POSTGRES_FIXTURE)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
    )
    assert loaded.returncode == 0, loaded.stderr
    return url


def _copy_migrations(tmp_path: Path) -> Path:
    copy = tmp_path / "migrations"
    shutil.copytree(SCRIPT_LOCATION, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


SESSION_NOTE = '''"""A free-text note on a session.

Revision ID: {rev}
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("session", recreate="{recreate}") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
{after}

def downgrade() -> None:
    with op.batch_alter_table("session") as batch:
        batch.drop_column("note")
'''


# --- the revisions against the models and against 0.1.0 -----------------------------------------------


@BOTH_DATABASES
async def test_a_fresh_database_migrated_from_scratch_matches_the_models(database_url):
    st = await Store.open(database_url)
    assert st.migration.applied == tuple(REVISIONS) and REVISIONS[-1] == head_revision()
    assert st.migration.adopted is None and await schema_revision(st.engine) == head_revision()
    await st.close()
    assert await _on(database_url, _drift) == []


@BOTH_DATABASES
async def test_the_drift_check_sees_a_column_missing_from_the_revisions(database_url):
    """The comparison above can fail: a column in the models that no revision made is reported."""
    await (await Store.open(database_url)).close()
    models = MetaData()
    for table in s.metadata.sorted_tables:
        table.to_metadata(models)
    models.tables["session"].append_column(Column("note", Text))
    drift = await _on(database_url, lambda c: compare_metadata(MigrationContext.configure(c), models))
    assert [(d[0], d[2], d[3].name) for d in drift] == [("add_column", "session", "note")]


async def test_revisions_0001_to_0004_write_the_same_sqlite_schema_as_0_1_0(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    await _on(url, _upgrade_to("0004"))
    query = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name != 'alembic_version'"
    with (
        sqlite3.connect(tmp_path / "new.db") as new,
        sqlite3.connect(f"file:{SQLITE_FIXTURE}?mode=ro", uri=True) as old,
    ):
        made = sorted(new.execute(query).fetchall())
        legacy = sorted(old.execute(query).fetchall())
    assert {name for kind, name, _table, _sql in legacy if kind == "table"} == set(TABLES)
    assert made == legacy


def _pg_schema(conn) -> dict:
    insp = inspect(conn)
    tables = {}
    for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
        tables[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c["default"]) for c in insp.get_columns(table)
            ],
            "pk": insp.get_pk_constraint(table),
            "fks": sorted(insp.get_foreign_keys(table), key=lambda fk: fk["name"]),
            "uniques": sorted(insp.get_unique_constraints(table), key=lambda u: u["name"]),
            "indexes": sorted(insp.get_indexes(table), key=lambda i: i["name"]),
        }
    sequences = sorted(insp.get_sequence_names())
    return {"tables": tables, "sequences": sequences}


@pytest.mark.postgres
async def test_revisions_0001_to_0004_write_the_same_postgresql_schema_as_0_1_0(tmp_path, request):
    legacy = await _on(_legacy_database("postgresql", tmp_path, request), _pg_schema)
    url = request.getfixturevalue("postgres_server").new_database()
    await _on(url, _upgrade_to("0004"))
    made = await _on(url, _pg_schema)
    assert len(legacy["tables"]) == 13 and len(legacy["sequences"]) == 5
    assert made == legacy  # names of constraints and sequences included: later revisions can name them


@BOTH_DATABASES
async def test_every_revision_downgrades_and_upgrades_again(database_url):
    await (await Store.open(database_url)).close()
    await _on(database_url, _downgrade_to("base"))
    assert await _on(database_url, lambda c: inspect(c).get_table_names()) == ["alembic_version"]
    st = await Store.open(database_url)
    assert st.migration.applied[0] == "0001"
    await st.close()
    assert await _on(database_url, _drift) == []


# --- adopting a database written by 0.1.0 ---------------------------------------------------------------


@BOTH_DATABASES
async def test_a_0_1_0_database_is_adopted_and_upgraded_without_loss(backend, tmp_path, request):
    url = _legacy_database(backend, tmp_path, request)
    before = await _on(url, _snapshot)
    assert {table: len(rows) for table, rows in before.items()} == ROWS_IN_FIXTURE
    assert await _on(url, lambda c: inspect(c).has_table("alembic_version")) is False
    unmigrated = await Store.open(url, migrate=False)
    assert await schema_revision(unmigrated.engine) is None
    await unmigrated.close()

    st = await Store.open(url)
    try:
        assert st.migration.adopted == "0004" and st.migration.applied == AFTER_0_1_0
        assert st.migration.summary() == (
            f"Basis data versi lama diambil alih pada revisi 0004. Migrasi diterapkan: {', '.join(AFTER_0_1_0)}. "
            f"Basis data mutakhir (revisi {HEAD})."
        )
        assert await schema_revision(st.engine) == head_revision()
        await _the_store_reads_and_writes_the_old_rows(st)
    finally:
        await st.close()

    after = await _on(url, _snapshot)
    for table in TABLES:
        if table == "schema_migrations":
            assert after[table][:4] == before[table]  # the old marker rows, untouched
            assert [row[0] for row in after[table][4:]] == ["0005_alembic"]
        elif table == "aspiration":
            old = _old_columns(after, before, table)
            assert old[: len(before[table])] == before[table]  # plus the ticket written above
        else:
            assert _old_columns(after, before, table) == before[table], table
    assert await _on(url, _drift) == []
    # What a 0.1.0 release checks on start: a migration name it does not know makes it refuse the database.
    names = {row[0] for row in after["schema_migrations"]}
    assert names - LEGACY_MIGRATIONS.keys() == {"0005_alembic"}


def _old_columns(after: dict, before: dict, table: str) -> list[tuple]:
    """The rows of `table` after the upgrade, cut to the columns 0.1.0 had; the columns later revisions
    added (at the end) must be empty in every old row."""
    width = len(before[table][0]) if before[table] else 0
    if width:
        for row in after[table][: len(before[table])]:
            assert all(value is None for value in row[width:]), (table, row)
    return [row[:width] if width else row for row in after[table]]


async def _the_store_reads_and_writes_the_old_rows(st: Store) -> None:
    async with st.connect() as conn:
        listed = await sessions.list_sessions(conn, include_cancelled=True)
        assert [x.title for x in listed] == [
            "Ngobrol Pintar Agama dan Sosial: Zakat Profesi",
            "Manasik Haji Akbar",
        ]
        first = listed[0]
        assert first.starts_at == datetime(2026, 3, 20, 2, 0, tzinfo=UTC) and first.population == 120
        assert listed[1].cancelled and listed[1].version == 2
        answers = await surveys.responses(conn, session_id=first.id)
        assert {r.id: r.answers for r in answers}["r-0001"] == {"u1": "4", "u2": "4", "u3": None}
        assert (await surveys.current_response(conn, first.id, "c" * 64)).id == "r-0003"
        draft = await surveys.get_draft(conn, first.id, "b" * 64)
        assert draft.history == ["u1", "u2"] and draft.ipak is True
        ticket = await aspirations.by_ticket(conn, "ASP-2026-0001")
        assert ticket.status == "Selesai" and ticket.public is True and ticket.sender_name == "Siti Aminah"
        assert (await aspirations.route_of(conn, ticket.id)).chat_id == 555002
        assert (await aspirations.get_draft(conn, "e" * 64)).section == "Pendidikan Madrasah"
        assert {c.id for c in await chats.subscribers(conn, "PHU")} == {-1001234567890}
        assert await meta.get(conn, "sheets_layout") == {"version": 3, "sheets": ["Jadwal", "Jawaban"]}
        assert (await outbox.stats(conn)).by_state == {"sent": 1, "pending": 1}
        assert [(r.worksheet, r.row_key) for r in await sheet_rows.pending(conn)] == [
            ("Aspirasi", "ASP-2026-0001")
        ]
    async with st.begin() as conn:  # and new rows number on from the old ones (PostgreSQL's sequences)
        made = await aspirations.create(
            conn, category="langsung", section="PHU", text="Tes", now=datetime.now(UTC), year=2026
        )
    assert made.ticket == "ASP-2026-0003" and made.id == 3


async def test_a_0_1_0_backup_is_still_restorable_and_then_adopted(tmp_path):
    assert check_backup(SQLITE_FIXTURE) == "0004"
    url = f"sqlite+aiosqlite:///{tmp_path / 'ngopas.db'}"
    restore(url, SQLITE_FIXTURE)  # onto a new server (the fixture's small pages cannot go into a WAL file)
    assert sqlite_file_revision(tmp_path / "ngopas.db") == "0004"
    st = await Store.open(url)
    assert st.migration.adopted == "0004"
    await st.close()
    assert check_backup(tmp_path / "ngopas.db") == head_revision()


async def test_an_empty_legacy_marker_from_an_interrupted_first_start_is_migrated_from_scratch(tmp_path):
    """0.1.0 created schema_migrations before its first migration: a crash in between left only that."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'ngopas.db'}"
    with sqlite3.connect(tmp_path / "ngopas.db") as conn:
        conn.execute(
            "CREATE TABLE schema_migrations (name VARCHAR(120) NOT NULL PRIMARY KEY, applied_at DATETIME)"
        )
    st = await Store.open(url)
    assert st.migration.adopted is None and st.migration.applied[0] == "0001"
    await st.close()
    assert await _on(url, _drift) == []


# --- a new column is one new revision -----------------------------------------------------------------


@BOTH_DATABASES
@pytest.mark.parametrize("recreate", ["auto", "always"])
async def test_adding_a_nullable_column_is_one_new_revision(backend, recreate, tmp_path, request):
    """`recreate="always"` makes SQLite copy the session table, which four tables reference with ON DELETE
    CASCADE / SET NULL: the migration runs with foreign keys off, so no child row is lost."""
    if recreate == "always" and backend != "sqlite":
        pytest.skip("copying a table to change it is SQLite's way (batch mode); PostgreSQL alters in place")
    folder = _copy_migrations(tmp_path)
    head = head_revision()
    (folder / "versions" / f"{NEXT}_session_note.py").write_text(
        SESSION_NOTE.format(rev=NEXT, head=head, recreate=recreate, after="")
    )
    assert head_revision(folder) == NEXT and head_revision() == head

    fresh = request.getfixturevalue("postgres_server").new_database() if backend == "postgresql" else None
    fresh = fresh or f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    old = _legacy_database(backend, tmp_path, request)
    before = await _on(old, _snapshot)

    st = await Store.open(fresh, script_location=folder)
    assert st.migration.applied[-1] == NEXT and st.migration.revision == NEXT
    await st.close()
    st = await Store.open(old, script_location=folder)
    assert st.migration.adopted == "0004" and st.migration.applied == (*AFTER_0_1_0, NEXT)
    assert await schema_revision(st.engine) == NEXT
    async with st.connect() as conn:  # the store's own queries still work with the extra column there
        assert len(await sessions.list_sessions(conn, include_cancelled=True)) == 2
    await st.close()

    for url in (fresh, old):
        columns = await _on(url, lambda c: {x["name"]: x for x in inspect(c).get_columns("session")})
        assert columns["note"]["nullable"] is True
    after = await _on(old, _snapshot)
    for table in TABLES:
        if table == "session":
            # The columns 0.1.0 had are unchanged; every column added since (the note last) is empty.
            assert _old_columns(after, before, table) == before[table]
            assert [row[-1] for row in after[table]] == [None, None]
        elif table != "schema_migrations":
            assert _old_columns(after, before, table) == before[table], table
    # Opening with the package's own folder now refuses: the database is newer than this code.
    with pytest.raises(DatabaseTooNew, match=rf"\(revisi {NEXT}\)"):
        await Store.open(old)


@BOTH_DATABASES
async def test_a_failing_revision_leaves_the_database_at_the_revision_it_had(database_url, tmp_path):
    """All pending revisions run in one transaction: a crash halfway changes nothing."""
    await (await Store.open(database_url)).close()
    folder = _copy_migrations(tmp_path)
    boom = "    raise RuntimeError('boom')\n"
    (folder / "versions" / f"{NEXT}_session_note.py").write_text(
        SESSION_NOTE.format(rev=NEXT, head=head_revision(), recreate="auto", after=boom)
    )
    with pytest.raises(RuntimeError, match="boom"):
        await Store.open(database_url, script_location=folder)
    st = await Store.open(database_url)
    assert await schema_revision(st.engine) == head_revision() and st.migration.applied == ()
    await st.close()
    columns = await _on(database_url, lambda c: {x["name"] for x in inspect(c).get_columns("session")})
    assert "note" not in columns


def test_the_revision_template_writes_the_next_revision(tmp_path):
    """`script.py.mako` ships with the revisions: a developer's next revision starts from it."""
    folder = _copy_migrations(tmp_path)
    head = head_revision()
    command.revision(alembic_config(folder), message="session note", rev_id=NEXT)
    written = folder / "versions" / f"{NEXT}_session_note.py"
    assert written.exists() and f"down_revision: str | None = {head!r}" in written.read_text()
    assert head_revision(folder) == NEXT


# --- refusing a newer database -------------------------------------------------------------------------

NEWER = (
    "Basis data ini dibuat oleh versi ngopas-bot yang lebih baru (revisi 0099); "
    "perbarui aplikasi atau pulihkan cadangan yang cocok."
)


async def _make_newer(url: str) -> None:
    await (await Store.open(url)).close()
    await _on(url, lambda c: c.execute(text("UPDATE alembic_version SET version_num = '0099'")))


@BOTH_DATABASES
async def test_a_database_at_an_unknown_revision_is_refused_and_left_alone(database_url):
    await _make_newer(database_url)
    before = await _on(database_url, _snapshot)
    with pytest.raises(DatabaseTooNew) as refused:
        await Store.open(database_url)
    assert str(refused.value) == NEWER
    assert await _on(database_url, _snapshot) == before


async def test_a_legacy_database_with_an_unknown_migration_is_refused(tmp_path):
    copy = tmp_path / "ngopas.db"
    shutil.copy(SQLITE_FIXTURE, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('0009_from_the_future', '2026-03-20 01:00:00')")
    with pytest.raises(DatabaseTooNew, match=r"\(migrasi 0009_from_the_future\)"):
        await Store.open(f"sqlite+aiosqlite:///{copy}")
    with pytest.raises(BackupError, match="lebih baru"):
        check_backup(copy)


def test_ngopas_migrate_reports_what_it_applied_and_refuses_a_newer_database(tmp_path):
    runner = CliRunner()
    env = tmp_path / "settings.env"
    env.write_text(f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}\n")
    first = runner.invoke(app, ["migrate", "--env-file", str(env)])
    assert first.exit_code == 0, first.output
    assert (
        first.stdout == f"Migrasi diterapkan: {', '.join(REVISIONS)}. Basis data mutakhir (revisi {HEAD}).\n"
    )
    again = runner.invoke(app, ["migrate", "--env-file", str(env)])
    assert again.exit_code == 0 and again.stdout == f"Basis data mutakhir (revisi {HEAD}).\n"

    asyncio.run(_on(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", _set_revision("0099")))
    refused = runner.invoke(app, ["migrate", "--env-file", str(env)])
    assert refused.exit_code == 2
    assert refused.stdout == "" and refused.stderr == NEWER + "\n"  # one sentence, no traceback
    with pytest.raises(BackupError, match=r"lebih baru \(revisi 0099\)"):
        check_backup(tmp_path / "db.sqlite")


def _set_revision(revision: str):
    return lambda c: c.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_ngopas_migrate_adopts_a_0_1_0_database(tmp_path):
    copy = tmp_path / "ngopas.db"
    shutil.copy(SQLITE_FIXTURE, copy)
    env = tmp_path / "settings.env"
    env.write_text(f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{copy}\n")
    result = CliRunner().invoke(app, ["migrate", "--env-file", str(env)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Basis data versi lama diambil alih pada revisi 0004. Migrasi diterapkan: {', '.join(AFTER_0_1_0)}. "
        f"Basis data mutakhir (revisi {HEAD}).\n"
    )


# --- starting more than once -----------------------------------------------------------------------------


@BOTH_DATABASES
async def test_starting_again_changes_nothing(database_url):
    await (await Store.open(database_url)).close()
    before = await _on(database_url, _snapshot)
    st = await Store.open(database_url)
    assert st.migration.applied == () and st.migration.adopted is None
    assert st.migration.summary() == f"Basis data mutakhir (revisi {head_revision()})."
    await st.close()
    assert await _on(database_url, _snapshot) == before


WORKER = """
import asyncio, sys
from bot.store import Store

async def main():
    store = await Store.open(sys.argv[1])
    await store.close()
    print(len(store.migration.applied))

asyncio.run(main())
"""


@BOTH_DATABASES
async def test_workers_starting_at_once_on_a_fresh_database_all_succeed(database_url, backend, tmp_path):
    """Separate processes, as several workers of one deployment: one migrates (PostgreSQL: under the
    advisory lock; SQLite: under the write lock BEGIN IMMEDIATE takes), the rest wait, then find nothing."""
    if backend == "sqlite":
        # The file in WAL mode first: switching a new file to WAL at once from several processes is a race of
        # its own (engine._sqlite_pragmas), not the migration's.
        with sqlite3.connect(tmp_path / "ngopas.db") as conn:
            conn.execute("PRAGMA journal_mode=WAL")
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", WORKER, database_url, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    results = [await asyncio.wait_for(w.communicate(), 120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], [err.decode() for _out, err in results]
    assert sorted(int(out) for out, _err in results) == [0, 0, len(REVISIONS)]
    assert await _on(database_url, _drift) == []


@BOTH_DATABASES
async def test_stores_opened_at_once_in_one_process_all_succeed(database_url):
    """Alembic's `op`/`context` are process-wide: concurrent migrations in one process take turns."""
    stores = await asyncio.gather(*(Store.open(database_url) for _ in range(4)))
    try:
        assert sorted(len(st.migration.applied) for st in stores) == [0, 0, 0, len(REVISIONS)]
    finally:
        for st in stores:
            await st.close()
    assert await _on(database_url, _drift) == []


async def test_stores_of_different_databases_opened_at_once_all_migrate(tmp_path):
    urls = [f"sqlite+aiosqlite:///{tmp_path / f'db{n}.sqlite'}" for n in range(3)]
    stores = await asyncio.gather(*(Store.open(url) for url in urls))
    for st in stores:
        assert st.migration.revision == head_revision() and len(st.migration.applied) == len(REVISIONS)
        await st.close()
    for url in urls:
        assert await _on(url, _drift) == []
