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
import tempfile
import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .clock import FakeClock
from .sandbox import STAFF_ID, Sandbox, running_sandbox

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


def _print_chats(sb: Sandbox) -> None:
    names = {
        GROUP_TAKLIM: "Grup: Majelis Taklim Al-Ikhlas (Bimas Islam)",
        GROUP_HAJI: "Grup: Paguyuban KBIHU Magelang (PHU)",
        CITIZEN: "Warga: Mas Joko (Semua bidang)",
        STAFF_ID: "Petugas Kemenag",
        MEMBER_TAKLIM: "Pak Budi (anggota, bukan admin)",
    }
    print("\n" + "═" * 72)
    print("Apa yang diterima setiap chat simulasi / what each simulated chat received")
    print("═" * 72)
    for chat_id, name in names.items():
        messages = sb.tg.messages(chat_id)
        print(f"\n■ {name} — {len(messages)} pesan")
        for m in messages:
            body = html.unescape(re.sub(r"<[^>]+>", "", m.text or ""))
            first = body.strip().splitlines()[0] if body.strip() else f"[{m.kind}]"
            buttons = [b["text"] for row in sb.tg.buttons(m) for b in row]
            extra = f"  [tombol: {', '.join(buttons)}]" if buttons else ""
            print(textwrap.shorten(f"  • {first}", 100) + extra)


async def _main(workdir: Path) -> None:
    start = datetime(2026, 3, 21, 19, 30, tzinfo=TZ)  # Saturday evening; the session is Monday 09.00
    async with running_sandbox(workdir, clock=FakeClock(start)) as sb:
        await scenario(sb)
        _print_chats(sb)


def run_demo(*, keep_dir: Path | None = None, verbose: bool = False) -> None:
    """Run the scenario in a temporary folder (or `keep_dir`) and print the result."""
    workdir = Path(keep_dir) if keep_dir else Path(tempfile.mkdtemp(prefix="ngopas-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if not verbose:
        logging.getLogger().setLevel(logging.WARNING)
    try:
        asyncio.run(_main(workdir))
        print(f"\nSelesai. Basis data demo: {workdir / 'ngopas.db'}")
    finally:
        if keep_dir is None:
            shutil.rmtree(workdir, ignore_errors=True)
