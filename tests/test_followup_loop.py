"""The follow-up loop end to end through the Telegram emulator: low scores and two related aspirations become
rows in the Tindak Lanjut sheet, staff mark it Selesai there, and both citizens hear of it once, also after
a restart and after staff set the row back and forth."""

from __future__ import annotations

from datetime import timedelta

from openpyxl import load_workbook

from bot.base.clock import FakeClock
from bot.dev.sandbox import STAFF_ID, running_sandbox, sandbox_settings
from bot.domain.worksheets import TINDAK_LANJUT
from sheets.workbook import CellUpdate

from .test_aspirations import BUDI, NOW, SITI, STAFF_GROUP, _write
from .test_followup import _answer, _session

TOLD = "Tindak lanjut atas aspirasi Anda"


def _plan(path) -> list[dict]:
    ws = load_workbook(path)[TINDAK_LANJUT.name]
    headers = [c.value for c in ws[1]]
    return [dict(zip(headers, [c.value for c in row], strict=False)) for row in ws.iter_rows(min_row=2)]


def _staff_edit(sb, code: str, **cells: str) -> None:
    """A staff member types into the Tindak Lanjut sheet (the local workbook stands in for Google Sheets)."""
    workbook = sb.running.sheets.workbook
    [row] = [r for r in workbook.read_rows(TINDAK_LANJUT) if r.values["ID"] == code]
    workbook.update_cells(TINDAK_LANJUT, [CellUpdate(row.row_number, h, v) for h, v in cells.items()])


async def _sync(sb) -> None:
    """What the running bot does on its sync cadence: flush, read every staff sheet, send what that caused."""
    await sb.running.sheets.flush()
    await sb.running.sheets.read_staff_sheets()
    await sb.running.sheets.flush()
    sb.rt.wake_sender()
    await sb.outbox_idle()


async def test_low_scores_and_two_aspirations_to_a_plan_row_to_both_citizens_once(tmp_path, tg):
    clock = FakeClock(NOW)
    tg.add_user(SITI, "Siti")
    tg.add_user(BUDI, "Budi", language_code="en")
    tg.add_user(STAFF_ID, "Petugas")
    tg.add_group(STAFF_GROUP, "Petugas NGOPAS", supergroup=True)
    settings = sandbox_settings(tmp_path, staff_chat_id=STAFF_GROUP)
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
        await _write(sb, SITI, "Parkir motor di KUA terlalu sempit, mohon diperluas.")
        await _write(sb, BUDI, "The queue at the KUA office is disorderly.", named=False)
        # Low scores, stored as every channel stores them (the chat survey itself is tested elsewhere; here
        # it would only make the test slow): IKM below B, sarana the weakest.
        session = await _session(sb.rt)
        await _answer(sb.rt, session, 1, score=2, sarana=1, followup_text="Ruangannya panas sekali")
        await _answer(sb.rt, session, 2, score=3, sarana=2)
        await sb.advance(timedelta(days=8))  # the survey closes below B: the sweep proposes the plan
        await _sync(sb)
        rows = {row["ID"]: row for row in _plan(settings.workbook_path)}
        unsur, group = rows["RTL-2026-001"], rows["RTL-2026-002"]
        assert (
            unsur["Prioritas"] == "Unsur terlemah: Sarana dan Prasarana" and unsur["Bidang"] == "Bimas Islam"
        )
        assert unsur["Periode"] == f"#{session} Dialog Kerukunan" and unsur["Tiket"] == "ASP-2026-0003"
        assert group["Tiket"] == "ASP-2026-0001, ASP-2026-0002" and group["Status"] == "Rencana"
        assert "Parkir motor" in group["Prioritas"]
        _staff_edit(
            sb,
            "RTL-2026-002",
            **{
                "Program/Kegiatan": "Halaman belakang KUA dijadikan parkir; petugas antrean setiap Senin",
                "Penanggung jawab": "Subbag TU",
                "Target": "30/04/2026",
                "Status": "Selesai",
                "Bukti": "https://kemenag.go.id/parkir-kua",
            },
        )
        await _sync(sb)
        [siti] = [m for m in sb.texts(SITI) if TOLD in m]
        assert "ASP-2026-0001" in siti and "Halaman belakang KUA" in siti and "parkir-kua" in siti
        [budi] = [m for m in sb.texts(BUDI) if "Follow-up on your aspiration" in m]  # anonymous, in English
        assert "ASP-2026-0002" in budi and "Halaman belakang KUA" in budi
        row = next(r for r in _plan(settings.workbook_path) if r["ID"] == "RTL-2026-002")
        assert row["Status Bot"].startswith("Selesai; warga di balik tiketnya diberi tahu")
        assert not any(TOLD in m for m in sb.texts(STAFF_GROUP))
        await sb.say(STAFF_ID, "/status")  # staff see the plan's state there (nothing past its target yet)
        assert "Tindak lanjut: tidak ada yang lewat target." in sb.texts(STAFF_ID)[-1]
    async with running_sandbox(tmp_path, clock=clock, tg=tg, settings=settings) as sb:
        await _sync(sb)  # a fresh process reads the same sheet
        _staff_edit(sb, "RTL-2026-002", Status="Berjalan")
        await _sync(sb)
        _staff_edit(sb, "RTL-2026-002", Status="Selesai")
        await _sync(sb)
        assert sum(TOLD in m for m in sb.texts(SITI)) == 1
        assert sum("Follow-up on your aspiration" in m for m in sb.texts(BUDI)) == 1
