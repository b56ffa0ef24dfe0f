"""The offline demo: the real bot against the local Telegram emulator, simulated groups and citizens.

Time is compressed with a fake clock: a session is planned for tomorrow morning, then the clock jumps to
the day-before reminder, the hour-before reminder and the start.  It ends by printing what every simulated
chat received, and leaves nothing running.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import shutil
import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.base.clock import FakeClock
from bot.base.files import FileProblem, describe
from bot.dev.sandbox import STAFF_ID, Sandbox, running_sandbox
from bot.domain.reporting import responses_frame
from bot.domain.sessions import listed
from bot.domain.survey.definition import definition_for

TZ = ZoneInfo("Asia/Jakarta")
GROUP_TAKLIM = -100200
GROUP_HAJI = -100300
ADMIN_TAKLIM = 2001
MEMBER_TAKLIM = 2002
ADMIN_HAJI = 3001
CITIZEN = 4001


def _say(text: str) -> None:
    print(f"▶ {text}", flush=True)


async def scenario(sb: Sandbox) -> None:
    tg = sb.tg
    tg.add_user(STAFF_ID, "Petugas Kemenag")
    tg.add_user(ADMIN_TAKLIM, "Bu Siti")
    tg.add_user(MEMBER_TAKLIM, "Pak Budi")
    tg.add_user(ADMIN_HAJI, "H. Ahmad")
    tg.add_user(CITIZEN, "Mas Joko", language_code="id")
    tg.add_group(
        GROUP_TAKLIM,
        "Majelis Taklim Al-Ikhlas",
        supergroup=True,
        admins=[ADMIN_TAKLIM],
        members=[MEMBER_TAKLIM],
    )
    tg.add_group(GROUP_HAJI, "Paguyuban KBIHU Magelang", supergroup=True, admins=[ADMIN_HAJI])

    _say("Grup majelis taklim menambahkan bot; admin memilih bidang Bimas Islam")
    tg.add_bot_to_group(GROUP_TAKLIM, by_user=ADMIN_TAKLIM)
    await sb.settle()
    await sb.say(MEMBER_TAKLIM, "/langganan", GROUP_TAKLIM)
    _say("  anggota biasa mencoba /langganan → ditolak dengan sopan")
    await sb.say(ADMIN_TAKLIM, "/langganan", GROUP_TAKLIM)
    await sb.press(ADMIN_TAKLIM, GROUP_TAKLIM, "Bimas Islam")
    await sb.press(ADMIN_TAKLIM, GROUP_TAKLIM, "Selesai")

    _say("Paguyuban haji berlangganan bidang PHU; warga berlangganan Semua bidang di chat pribadi")
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
    _say(f"Petugas membuat sesi lewat /sesi_baru untuk {when}")
    await sb.say(STAFF_ID, "/sesi_baru")
    await sb.say(STAFF_ID, "Ngobrol Kerukunan di Masjid Agung Kota Magelang")
    await sb.press(STAFF_ID, STAFF_ID, "Bimas Islam")
    await sb.say(STAFF_ID, "besok pagi")  # a mistake: re-asked with the reason
    await sb.say(STAFF_ID, when)
    await sb.say(STAFF_ID, "Aula Masjid Agung Kota Magelang")
    await sb.say(STAFF_ID, "https://zoom.us/j/1234567890")
    await sb.say(STAFF_ID, "https://youtube.com/@kemenagkotamagelang")
    await sb.say(STAFF_ID, "Dr. H. Abdurrosyid")
    await sb.press(STAFF_ID, STAFF_ID, "Simpan")
    await sb.outbox_idle()

    for label, moment in [
        ("H-1: pengingat sehari sebelumnya", start - timedelta(days=1)),
        ("H-1 jam: pengingat satu jam sebelumnya", start - timedelta(hours=1)),
        ("Sesi dimulai: pesan 'Mulai sekarang' dengan tautan", start),
    ]:
        _say(f"Waktu dipercepat → {moment:%d/%m %H.%M} WIB ({label})")
        await sb.advance(to=max(moment, sb.clock.now()))
        await sb.outbox_idle()
    await _attendees_check_in(sb)

    end = start + timedelta(hours=2)
    _say(f"Waktu dipercepat → {end:%d/%m %H.%M} WIB (sesi selesai: undangan survei ke grup)")
    await sb.advance(to=end + timedelta(minutes=1))
    await sb.outbox_idle()
    await _citizens_answer(sb)
    await sb.running.sheets.flush()


async def _attendees_check_in(sb: Sandbox) -> None:
    """Two people press "✋ Saya hadir" on the start notice (or scan the venue's QR code, the same link) and
    say how they follow; staff add the people without phones by hand."""
    notice = sb.tg.last_message(GROUP_TAKLIM)
    link = next(b["url"] for row in sb.tg.buttons(notice) for b in row if "hadir" in b.get("url", ""))
    payload = link.split("start=")[1]
    session_id = payload.removeprefix("hadir")
    sb.tg.add_user(5001, "Mbak Rina")
    _say(f"Peserta menekan ✋ Saya hadir ({link}): Pak Budi di lokasi, Mbak Rina lewat Zoom")
    for user, mode in ((MEMBER_TAKLIM, "Di lokasi"), (5001, "Zoom")):
        await sb.say(user, f"/start {payload}")
        await sb.press(user, user, mode)
    await sb.say(MEMBER_TAKLIM, f"/start {payload}")  # pressed twice: counted once
    await sb.press(MEMBER_TAKLIM, MEMBER_TAKLIM, "Di lokasi")
    _say("  Pak Budi menekan lagi → sudah tercatat, dihitung sekali")
    await sb.say(STAFF_ID, f"/hadir {session_id} 38")
    _say("  petugas mencatat 38 peserta tanpa ponsel: " + sb.texts(STAFF_ID)[-1].splitlines()[-1])


async def _citizens_answer(sb: Sandbox) -> None:
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
        (5001, "zoom", 4, 2),
    ]
    _say(f"{len(people)} peserta membuka tautan survei ({link}) dan menjawab dengan tombol")
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


def _print_chats(sb: Sandbox) -> None:
    names = {
        GROUP_TAKLIM: "Grup: Majelis Taklim Al-Ikhlas (Bimas Islam)",
        GROUP_HAJI: "Grup: Paguyuban KBIHU Magelang (PHU)",
        CITIZEN: "Warga: Mas Joko (Semua bidang)",
        STAFF_ID: "Petugas Kemenag",
        5001: "Mbak Rina (peserta Zoom)",
        MEMBER_TAKLIM: "Pak Budi (anggota, bukan admin)",
    }
    print("\n" + "═" * 72)
    print("Apa yang diterima setiap chat simulasi / what each simulated chat received")
    print("═" * 72)
    for chat_id, name in names.items():
        messages = sb.tg.messages(chat_id)
        print(f"\n■ {name} — {len(messages)} pesan")
        previous, repeats = "", 0
        for m in [*messages, None]:
            line = ""
            if m is not None:
                body = html.unescape(re.sub(r"<[^>]+>", "", m.text or ""))
                first = body.strip().splitlines()[0] if body.strip() else f"[{m.kind}]"
                buttons = [b["text"] for row in sb.tg.buttons(m) for b in row if "url" in b]
                extra = f"  [tombol: {', '.join(buttons)}]" if buttons else ""
                line = textwrap.shorten(f"  • {first}", 100) + extra
            if line == previous:
                repeats += 1
                continue
            if previous:
                print(previous + (f"  (×{repeats + 1})" if repeats else ""))
            previous, repeats = line, 0


def _print_summary(sb: Sandbox, report_text: str, workdir: Path) -> None:
    print("\n" + "═" * 72)
    print("Ringkasan IKM / IKM summary")
    print("═" * 72)
    print(report_text)
    print(f"\nSpreadsheet lokal (Jadwal, Jawaban, Aspirasi, Ringkasan): {sb.rt.settings.workbook_path}")
    print(f"Basis data: {workdir / 'ngopas.db'}")


async def _main(workdir: Path) -> None:
    from reports.report import build_report, render_text

    start = datetime(2026, 3, 21, 19, 30, tzinfo=TZ)  # Saturday evening; the session is Monday 09.00
    async with running_sandbox(workdir, clock=FakeClock(start)) as sb:
        await scenario(sb)
        _print_chats(sb)
        frame = await responses_frame(sb.rt)
        session = (await listed(sb.rt, include_past=True))[0]
        report = build_report(
            frame,
            title="Survei Kepuasan NGOPAS (demo)",
            office_name=sb.rt.settings.office_name,
            period_label="Maret 2026",
            population=session.population,  # who checked in plus the staff's headcount
        )
        _print_summary(sb, render_text(report), workdir)


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
