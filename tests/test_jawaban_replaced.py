"""A replaced answer's Jawaban row says it no longer counts, and a Jawaban export read back counts each
person once.

Someone who answers a session's survey twice and chooses to replace the first answer has two Jawaban rows:
the first must read "Diganti" (it left the IKM when it was replaced), or a report made from the sheet
(`report --input Jawaban.csv`) counts that person twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.base.clock import FakeClock
from bot.base.settings import Settings
from bot.delivery.sheets_sync import SheetsSync
from bot.domain import reporting
from bot.domain.response_import import reader_hints
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.domain.survey.flow import replace_response
from bot.domain.worksheets import jawaban_spec
from bot.store import Store
from bot.store.sessions import insert_session
from bot.store.surveys import Response
from reports.responses_input import read_responses, read_table, table_from_rows
from sheets.local_xlsx import LocalWorkbook

from .conftest import chat_response

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
FIRST = dict.fromkeys(("persyaratan", "prosedur", "waktu", "biaya", "produk"), "1")
SECOND = dict.fromkeys(("persyaratan", "prosedur", "waktu", "biaya", "produk"), "4")


def _response(ident: str, session: int, who: str, answers: dict[str, str], when: datetime, defn) -> Response:
    return chat_response(defn, ident, session, who, answers, when)


async def test_a_replaced_answer_reads_diganti_and_the_sheet_counts_each_person_once(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'ngopas.db'}"
    store = await Store.open(url)
    rt = Runtime(Settings(database_url=url, workbook_path=tmp_path / "ngopas.xlsx"), store, FakeClock(NOW))
    try:
        defn = definition_for(rt)
        async with rt.store.begin() as conn:
            session = await insert_session(
                conn,
                {
                    "title": "Dialog",
                    "section": "Bimas Islam",
                    "starts_at": NOW - timedelta(hours=2),
                    "ends_at": NOW - timedelta(hours=1),
                    "survey_closes_at": NOW + timedelta(days=7),
                    "source": "test",
                },
                NOW,
            )
            await replace_response(conn, rt, _response("R1", session.id, "siti", FIRST, NOW, defn))
            await replace_response(conn, rt, _response("R2", session.id, "budi", SECOND, NOW, defn))
        sync = SheetsSync(rt, LocalWorkbook(tmp_path / "ngopas.xlsx"))
        await sync.flush()  # Siti's first answer is in the sheet, counted
        async with rt.store.begin() as conn:  # then she answers again and replaces it
            later = NOW + timedelta(minutes=30)
            await replace_response(conn, rt, _response("R3", session.id, "siti", SECOND, later, defn))
        await sync.flush()

        rows = {r.values["ID Jawaban"]: r.values for r in sync.workbook.read_rows(jawaban_spec(defn))}
        assert {k: v["Status"] for k, v in rows.items()} == {
            "R1": "Diganti",
            "R2": "Dihitung",
            "R3": "Dihitung",
        }

        read = read_responses(read_table(tmp_path / "ngopas.xlsx"), **reader_hints(defn, values=False))
        stored = await reporting.responses_frame(rt)
        assert len(read.frame) == len(stored) == 2  # Siti once, with her second answer
        assert sorted(read.frame["persyaratan"].tolist()) == sorted(stored["persyaratan"].tolist()) == [4, 4]
    finally:
        await store.close()


def test_rows_marked_as_not_counted_are_left_out_when_read_back():
    rows = [
        ["ID Jawaban", "Tanggal Isi", "persyaratan", "Status"],
        ["R1", "01/06/2026 10.00", "1", "Diganti"],
        ["R2", "01/06/2026 10.05", "4", "Dihitung"],
        ["R3", "01/06/2026 10.10", "3", ""],  # a row typed by staff without a status counts
    ]
    frame = read_responses(table_from_rows(rows, "Jawaban.csv")).frame
    assert frame["persyaratan"].tolist() == [4, 3]
    assert frame["row"].tolist() == [3, 4]
