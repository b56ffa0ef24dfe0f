"""The offline demo: the real bot against the local Telegram emulator, simulated groups and citizens.

Time is compressed with a fake clock.  The story is the office's whole loop: groups subscribe, staff plan a
session (announcement, reminders, start), attendees answer the survey, citizens write aspirations, staff
answer one in the workbook and the citizen hears back, the quarter ends and the bot proposes a follow-up
plan, staff complete a row and the citizens behind it are told.  After each step it prints every message
each chat received, whole; it ends by writing the quarter's SKM report (PDF), infographic (PNG) and XLSX,
says where they are, and leaves nothing running.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import shutil
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.base.clock import FakeClock
from bot.base.files import FileProblem, describe
from bot.dev.sandbox import STAFF_ID, Sandbox, running_sandbox
from bot.domain import reporting
from bot.domain.survey.definition import definition_for
from bot.domain.worksheets import ASPIRASI, TINDAK_LANJUT
from bot.store import outbox
from sheets.workbook import CellUpdate, WorksheetSpec

TZ = ZoneInfo("Asia/Jakarta")
GROUP_TAKLIM = -100200
GROUP_HAJI = -100300
ADMIN_TAKLIM = 2001
MEMBER_TAKLIM = 2002
ADMIN_HAJI = 3001
CITIZEN = 4001
RINA = 5001


STAFF_GROUP = -100400
SOUND = "Suara pengeras di aula masjid kurang jelas dari saf belakang, mohon diperbaiki."
HUMMING = "Sound system aula sering berdengung waktu tanya jawab."
NAMES = {
    GROUP_TAKLIM: "Grup Majelis Taklim Al-Ikhlas (Bimas Islam)",
    GROUP_HAJI: "Grup Paguyuban KBIHU Magelang (PHU)",
    STAFF_GROUP: "Grup petugas NGOPAS",
    STAFF_ID: "Petugas Kemenag (chat pribadi)",
    ADMIN_TAKLIM: "Bu Siti (admin majelis taklim)",
    MEMBER_TAKLIM: "Pak Budi (anggota, bukan admin)",
    ADMIN_HAJI: "H. Ahmad (admin paguyuban haji)",
    CITIZEN: "Mas Joko (warga, Semua bidang)",
    RINA: "Mbak Rina (peserta Zoom)",
}


class Transcript:
    """Prints, after each step of the story, every message each simulated chat received since the step
    before: whole, indented, with its buttons, so the reader sees what people would see and in which order."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.shown: dict[int, int] = {}

    def step(self, text: str) -> None:
        self.show()
        print(f"\n▶ {text}", flush=True)

    def show(self) -> None:
        tg = self.sb.tg
        for chat_id, name in NAMES.items():
            messages = tg.messages(chat_id)
            new = messages[self.shown.get(chat_id, 0) :]
            self.shown[chat_id] = len(messages)
            if not new:
                continue
            print(f"  ■ {name} menerima {len(new)} pesan:")
            for m in new:
                print(_message_text(tg, m))
        sys.stdout.flush()


def _message_text(tg: Any, m: Any) -> str:
    """One message as its reader sees it: the text without HTML tags, every line indented, then its buttons."""
    body = html.unescape(re.sub(r"<[^>]+>", "", m.text or "")).strip()
    if m.kind == "venue" and m.venue:  # a map pin, shown as a phone shows it: title, address, the point
        v = m.venue
        body = f"📌 Peta: {v['title']}\n{v['address']} ({v['latitude']}, {v['longitude']})"
    body = body or f"[{m.kind}]"
    lines = body.splitlines()
    out = ["    • " + lines[0], *[("      " + line).rstrip() for line in lines[1:]]]
    buttons = [b["text"] for row in tg.buttons(m) for b in row]
    if buttons:
        out.append("      [tombol: " + " | ".join(buttons) + "]")
    return "\n".join(out)


async def scenario(sb: Sandbox, say: Transcript) -> None:
    tg = sb.tg
    tg.add_user(STAFF_ID, "Petugas Kemenag")
    tg.add_user(ADMIN_TAKLIM, "Bu Siti")
    tg.add_user(MEMBER_TAKLIM, "Pak Budi")
    tg.add_user(ADMIN_HAJI, "H. Ahmad")
    tg.add_user(CITIZEN, "Mas Joko", language_code="id")
    tg.add_user(RINA, "Mbak Rina")
    tg.add_group(
        GROUP_TAKLIM,
        "Majelis Taklim Al-Ikhlas",
        supergroup=True,
        admins=[ADMIN_TAKLIM],
        members=[MEMBER_TAKLIM],
    )
    tg.add_group(GROUP_HAJI, "Paguyuban KBIHU Magelang", supergroup=True, admins=[ADMIN_HAJI])
    tg.add_group(STAFF_GROUP, "Petugas NGOPAS", supergroup=True, admins=[STAFF_ID])

    say.step(
        "Grup majelis taklim menambahkan bot; anggota biasa mencoba /langganan, lalu admin memilih Bimas Islam"
    )
    tg.add_bot_to_group(GROUP_TAKLIM, by_user=ADMIN_TAKLIM)
    await sb.settle()
    await sb.say(MEMBER_TAKLIM, "/langganan", GROUP_TAKLIM)
    await sb.say(ADMIN_TAKLIM, "/langganan", GROUP_TAKLIM)
    await sb.press(ADMIN_TAKLIM, GROUP_TAKLIM, "Bimas Islam")
    await sb.press(ADMIN_TAKLIM, GROUP_TAKLIM, "Selesai")

    say.step("Paguyuban haji berlangganan bidang PHU; warga berlangganan Semua bidang di chat pribadi")
    tg.add_bot_to_group(GROUP_HAJI, by_user=ADMIN_HAJI)
    await sb.say(ADMIN_HAJI, "/langganan", GROUP_HAJI)
    await sb.press(ADMIN_HAJI, GROUP_HAJI, "PHU")
    await sb.press(ADMIN_HAJI, GROUP_HAJI, "Selesai")
    await sb.say(CITIZEN, "/start")
    await sb.say(CITIZEN, "/langganan")
    await sb.press(CITIZEN, CITIZEN, "Semua")
    await sb.press(CITIZEN, CITIZEN, "Selesai")

    now_local = sb.clock.now().astimezone(TZ)
    start = (now_local + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    when = f"{start:%d/%m/%Y} 09.00-11.00"
    say.step(f"Petugas membuat sesi lewat /sesi_baru untuk {when} (sekali salah ketik tanggal): pengumuman")
    await sb.say(STAFF_ID, "/sesi_baru")
    await sb.say(STAFF_ID, "Ngobrol Kerukunan di Masjid Agung Kota Magelang")
    await sb.press(STAFF_ID, STAFF_ID, "Bimas Islam")
    await sb.say(STAFF_ID, "besok pagi")  # a mistake: re-asked with the reason
    await sb.say(STAFF_ID, when)
    await sb.say(STAFF_ID, "Aula Masjid Agung Kota Magelang")
    sb.tg.send_location(STAFF_ID, -7.4779, 110.2178)  # the venue's pin, shared with 📎 → Lokasi
    await sb.settle()
    await sb.say(STAFF_ID, "https://zoom.us/j/1234567890")
    await sb.say(STAFF_ID, "https://youtube.com/@kemenagkotamagelang")
    await sb.say(STAFF_ID, "Dr. H. Abdurrosyid")
    await sb.say(STAFF_ID, "-")  # held once (a pattern such as "setiap Jumat pertama" makes a series)
    await sb.press(STAFF_ID, STAFF_ID, "Simpan")
    await _delivered(sb)

    for label, moment in [
        ("pengingat H-1", start - timedelta(days=1)),
        ("pengingat satu jam sebelumnya", start - timedelta(hours=1)),
        ("sesi dimulai: pesan 'Mulai sekarang' dengan tautan", start),
    ]:
        say.step(f"Waktu dipercepat → {moment:%d/%m %H.%M} WIB ({label})")
        await sb.advance(to=max(moment, sb.clock.now()))
        await _delivered(sb)
    await _attendees_check_in(sb, say)

    end = start + timedelta(hours=2)
    say.step(f"Waktu dipercepat → {end:%d/%m %H.%M} WIB (sesi selesai: undangan survei ke grup)")
    await sb.advance(to=end + timedelta(minutes=1))
    await _delivered(sb)
    await _citizens_answer(sb, say)
    await _aspirations(sb, say)
    await _follow_up_plan(sb, say, start)
    say.show()


async def _attendees_check_in(sb: Sandbox, say: Transcript) -> None:
    """Two people press "✋ Saya hadir" on the start notice (or scan the venue's QR code, the same link) and
    say how they follow; staff add the people without phones by hand."""
    link = next(  # on the start notice (the venue's pin comes after it)
        b["url"]
        for m in reversed(sb.tg.messages(GROUP_TAKLIM))
        for row in sb.tg.buttons(m)
        for b in row
        if "start=hadir" in b.get("url", "")
    )
    payload = link.split("start=")[1]
    session_id = payload.removeprefix("hadir")
    say.step(f"Kehadiran: Pak Budi (di lokasi) dan Mbak Rina (Zoom) menekan ✋ Saya hadir ({link})")
    for user, mode in ((MEMBER_TAKLIM, "Di lokasi"), (RINA, "Zoom")):
        await sb.say(user, f"/start {payload}")
        await sb.press(user, user, mode)
    say.step("Pak Budi menekan lagi: sudah tercatat, dihitung sekali")
    await sb.say(MEMBER_TAKLIM, f"/start {payload}")
    await sb.press(MEMBER_TAKLIM, MEMBER_TAKLIM, "Di lokasi")
    say.step(f"Petugas mencatat 38 peserta tanpa ponsel: /hadir {session_id} 38")
    await sb.say(STAFF_ID, f"/hadir {session_id} 38")


async def _citizens_answer(sb: Sandbox, say: Transcript) -> None:
    """Four attendees open the survey from the invitation and answer with the buttons."""
    defn = definition_for(sb.rt)
    invite = sb.tg.last_message(GROUP_TAKLIM)
    link = next(b["url"] for row in sb.tg.buttons(invite) for b in row if "url" in b)
    payload = link.split("start=")[1]
    # (who, how they attended, usual answer, answer for "sarana"): Rina on Zoom found the sound poor.
    people = [
        (ADMIN_TAKLIM, "langsung", 3, 3),
        (MEMBER_TAKLIM, "langsung", 4, 4),
        (CITIZEN, "youtube", 4, 3),
        (RINA, "zoom", 4, 2),
    ]
    say.step(f"Jawaban survei: {len(people)} peserta membuka tautan ({link}) dan menjawab dengan tombol")
    for user, attendance, score, sarana in people:
        await sb.say(user, f"/start {payload}")
        for _ in range(40):
            text = next(m.text for m in reversed(sb.tg.messages(user)) if m.reply_markup)
            if "Ringkasan jawaban" in text:
                break
            if "Pertanyaan" not in text:  # follow-up after a low score
                await sb.say(user, "Suara di Zoom putus-putus, mohon diperbaiki")
                continue
            q = next(q for q in defn.questions if q.text["id"] in text)
            if q.key == "kehadiran":
                await sb.press(user, user, q.label(attendance, "id"))
            elif q.kind == "text":
                await sb.say(user, "Semoga NGOPAS rutin setiap bulan")
            elif q.optional:
                await sb.press(user, user, "Lewati")
            else:
                wanted = sarana if q.key == "sarana" else score
                await sb.press(user, user, q.options[min(wanted, len(q.options)) - 1].label["id"])
        await sb.press(user, user, "Kirim")
    await _sync(sb)


async def _delivered(sb: Sandbox) -> None:
    """Wait until every message due is sent, letting a short flood-control wait pass on the demo's clock.

    The demo runs days in seconds, so a chat can meet Telegram's limits sooner than in an office; the bot
    then waits the seconds Telegram asks (on its clock, which the demo moves by hand).  Without moving it
    those seconds, the message would be shown a step late."""
    while True:
        await sb.outbox_idle()
        async with sb.rt.store.connect() as conn:
            due = await outbox.next_due(conn)
        now = sb.clock.now()
        if due is None or due <= now or due - now > timedelta(minutes=1):
            return
        await sb.advance(to=due)


async def _sync(sb: Sandbox) -> None:
    """What the running bot does every few minutes: write queued rows, read what staff typed, send."""
    await sb.running.sheets.flush()
    await sb.running.sheets.read_staff_sheets()
    await sb.running.sheets.flush()
    sb.rt.wake_sender()
    await _delivered(sb)


def _staff_types(
    sb: Sandbox, spec: WorksheetSpec, find: Callable[[dict[str, str]], bool], **cells: str
) -> str:
    """A staff member types into one row of a worksheet (the local workbook stands in for Google Sheets)."""
    workbook = sb.running.sheets.workbook
    row = next(r for r in workbook.read_rows(spec) if find(r.values))
    workbook.update_cells(
        spec, [CellUpdate(row.row_number, header, value) for header, value in cells.items()]
    )
    return row.values.get(spec.key or "", "")


async def _aspirations(sb: Sandbox, say: Transcript) -> None:
    say.step("Aspirasi: Mas Joko menulis /aspirasi (boleh dengan nama), Pak Budi menulis tanpa nama")
    for user, text, identity in ((CITIZEN, SOUND, "Boleh"), (MEMBER_TAKLIM, HUMMING, "Tidak")):
        await sb.say(user, "/aspirasi")
        await sb.press(user, user, "Bimas Islam")
        await sb.say(user, text)
        await sb.press(user, user, identity)
    await _delivered(sb)
    await _sync(sb)
    say.step(
        "Petugas menanggapi di lembar Aspirasi (Status Diproses, Tanggapan); bot menyampaikannya ke warga"
    )
    ticket = _staff_types(
        sb,
        ASPIRASI,
        lambda row: row.get("Isi") == SOUND,
        Status="Diproses",
        Tanggapan="Terima kasih, Mas Joko. Sound system aula kami periksa bersama takmir pekan ini.",
    )
    print(f"    (lembar Aspirasi, tiket {ticket}: Status = Diproses, Tanggapan diisi petugas)")
    await _sync(sb)


async def _follow_up_plan(sb: Sandbox, say: Transcript, session_start: datetime) -> None:
    quarter_end = datetime(session_start.year, 4, 1, 9, 30, tzinfo=TZ)
    say.step(
        f"Waktu dipercepat → {quarter_end:%d/%m %H.%M} WIB: triwulan selesai, bot mengusulkan rencana tindak "
        "lanjut (RTL) di lembar Tindak Lanjut; grup menerima 'Kami mendengar, kami bertindak'"
    )
    await sb.advance(to=quarter_end)
    await _delivered(sb)
    await _sync(sb)
    _print_plan(sb, "Lembar Tindak Lanjut (usulan bot)")
    say.step(
        "Petugas mengisi lembar Tindak Lanjut: keluhan pengeras suara Selesai (dengan bukti, Publik), sarana "
        "Berjalan dengan target sepekan lagi; warga di balik tiketnya diberi tahu, grup petugas diingatkan"
    )
    _staff_types(
        sb,
        TINDAK_LANJUT,
        lambda row: SOUND[:40] in row.get("Prioritas", "") or SOUND[:40] in row.get("Dasar", ""),
        **{
            "Program/Kegiatan": "Pengeras suara aula diganti dan diuji dari saf belakang bersama takmir",
            "Penanggung jawab": "Subbag Tata Usaha",
            "Target": f"{quarter_end:%d/%m/%Y}",
            "Status": "Selesai",
            "Bukti": "https://magelangkota.kemenag.go.id/ngopas/pengeras-suara",
            "Publik": "Ya",
        },
    )
    _staff_types(
        sb,
        TINDAK_LANJUT,
        lambda row: row.get("Prioritas", "").startswith("Unsur terlemah"),
        **{
            "Program/Kegiatan": "Jaringan Zoom aula ditingkatkan; operator siaran khusus saat sesi",
            "Penanggung jawab": "Seksi Bimas Islam",
            "Target": f"{quarter_end + timedelta(days=6):%d/%m/%Y}",
            "Status": "Berjalan",
        },
    )
    await _sync(sb)
    await sb.advance(timedelta(minutes=1))  # the sweep: a target within a week reminds the staff group
    await _delivered(sb)
    _print_plan(sb, "Lembar Tindak Lanjut (setelah diisi petugas)")


def _print_plan(sb: Sandbox, title: str) -> None:
    rows = sb.running.sheets.workbook.read_rows(TINDAK_LANJUT)
    print(f"  ■ {title}: {len(rows)} baris")
    for row in rows:
        v = row.values
        print(f"    • {v['ID']} · {v['Bidang']} · {v['Prioritas']}")
        print(f"      Dasar: {v['Dasar']}")
        print(f"      Tiket: {v['Tiket'] or '–'} · Status: {v['Status']} · Target: {v['Target'] or '–'}")
        if v.get("Program/Kegiatan"):
            print(f"      Program/Kegiatan: {v['Program/Kegiatan']} ({v['Penanggung jawab']})")
        print(f"      Status Bot: {v['Status Bot']}")


async def _write_files(sb: Sandbox, workdir: Path) -> tuple[str, dict[str, Path]]:
    """The quarter's SKM report (PDF), infographic (PNG) and tables (XLSX), as staff make them with
    `ngopas report --period 2026-Q1`."""
    built = await reporting.report_for(sb.rt, reporting.Scope(period="2026-Q1"))
    files = {}
    for fmt, name in (("pdf", "laporan-skm.pdf"), ("png", "infografis.png"), ("xlsx", "laporan.xlsx")):
        files[fmt] = await asyncio.to_thread(reporting.write, built, fmt, workdir / name)
    return reporting.render(built, "text"), files


def _print_summary(sb: Sandbox, report_text: str, files: dict[str, Path], workdir: Path) -> None:
    print("\n" + "═" * 72)
    print("Ringkasan IKM / IKM summary")
    print("═" * 72)
    print(report_text)
    print("\nBerkas yang ditulis / files written:")
    print(f"  Laporan SKM (PDF, dengan RTL di Bab V): {files['pdf']}")
    print(f"  Infografis (PNG): {files['png']}")
    print(f"  Tabel dan grafik (XLSX): {files['xlsx']}")
    print(
        f"  Spreadsheet lokal (Jadwal, Jawaban, Aspirasi, Ringkasan, Tindak Lanjut): {sb.rt.settings.workbook_path}"
    )
    print(f"  Basis data: {workdir / 'ngopas.db'}")


async def _main(workdir: Path) -> None:
    start = datetime(2026, 3, 21, 19, 30, tzinfo=TZ)  # Saturday evening; the session is Monday 09.00
    async with running_sandbox(workdir, clock=FakeClock(start), staff_chat_id=STAFF_GROUP) as sb:
        print("Demo luring: bot sungguhan, Telegram tiruan di 127.0.0.1, waktu dipercepat.")
        transcript = Transcript(sb)
        await scenario(sb, transcript)
        transcript.step("Laporan triwulan: laporan SKM (PDF), infografis (PNG) dan XLSX ditulis")
        report_text, files = await _write_files(sb, workdir)
        _print_summary(sb, report_text, files, workdir)


DEMO_MARK = ".ngopas-demo"  # in a folder the demo made: the next demo may empty it


def demo_folder(keep_dir: Path | None) -> Path:
    """The demo's fresh folder: data/demo, or `--keep DIR` when DIR is new, empty or an earlier demo's.

    Any other folder is refused, never emptied: `--keep` names where the files go, and a mistyped
    `--keep ~/Dokumen` must not delete the operator's documents.  Raises `FileProblem`."""
    workdir = Path(keep_dir) if keep_dir else Path("data/demo")
    if workdir.is_symlink() or (workdir.exists() and not workdir.is_dir()):
        raise FileProblem(f"{workdir} bukan folder; --keep perlu nama folder baru, mis. data/demo-saya.")
    try:
        if workdir.exists():
            ours = keep_dir is None or (workdir / DEMO_MARK).exists() or not any(workdir.iterdir())
            if not ours:
                raise FileProblem(
                    f"Folder {workdir} sudah berisi berkas lain dan tidak akan dikosongkan; --keep perlu folder "
                    "baru, folder kosong, atau folder demo sebelumnya."
                )
            shutil.rmtree(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / DEMO_MARK).touch()
    except OSError as exc:
        raise describe(exc, f"Folder demo {workdir} tidak dapat disiapkan") from None
    return workdir


def run_demo(*, keep_dir: Path | None = None, verbose: bool = False) -> None:
    """Run the scenario in a fresh folder (default data/demo, replaced each run) and print the result."""
    workdir = demo_folder(keep_dir)
    if not verbose:
        logging.getLogger().setLevel(logging.WARNING)
    asyncio.run(_main(workdir))
    print("\nSelesai: tidak ada proses yang masih berjalan. / Done: nothing is left running.")
