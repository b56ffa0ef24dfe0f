"""`ngopas doctor`: every check an operator needs, each with a one-line verdict and the fix.

Checks never print a secret.  A failed check marked blocking makes the command exit non-zero, so it can
gate a deployment script.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bot.cli.common import database_refusal

if TYPE_CHECKING:
    from bot.base.settings import Settings
    from bot.domain.runtime import Runtime
    from bot.store import Store


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok" | "warn" | "fail"
    message: str
    fix: str = ""
    blocking: bool = False

    def line(self) -> str:
        icon = {"ok": "✅", "warn": "⚠️ ", "fail": "❌"}[self.status]
        return f"{icon} {self.name}: {self.message}" + (f"\n     → {self.fix}" if self.fix else "")


PAID_STARS_PER_MESSAGE = 0.1  # Telegram's fee for a message sent with allow_paid_broadcast (Bot API docs)


def broadcast_check(settings: Settings) -> Check:
    """The broadcast rate, and what paid broadcast costs when it is on (Stars leave the bot's balance)."""
    rate = f"{settings.broadcast_per_second:g}".replace(".", ",")
    if not settings.paid_broadcast:
        return Check("Siaran", "ok", f"{rate} pesan/detik, gratis (batas Telegram 30 pesan/detik)")
    per_thousand = f"{PAID_STARS_PER_MESSAGE * 1000:g}".replace(".", ",")
    fee = f"{PAID_STARS_PER_MESSAGE:g}".replace(".", ",")
    return Check(
        "Siaran",
        "warn",
        f"siaran berbayar AKTIF ({rate} pesan/detik): Telegram memotong {fee} Star per pesan dari saldo "
        f"bot, {per_thousand} Star untuk setiap 1.000 pesan pengumuman, pengingat dan survei.",
        "Pastikan saldo Star bot cukup dan kantor menyetujui biayanya; tanpa itu isi "
        "NGOPAS_PAID_BROADCAST=false (30 pesan/detik, gratis).",
    )


async def telegram_checks(settings: Settings) -> list[Check]:
    if settings.offline or settings.bot_token is None:
        return [
            Check(
                "Token bot",
                "fail",
                "NGOPAS_BOT_TOKEN belum diisi.",
                "Buat bot di @BotFather lalu isi tokennya di settings.env.",
                True,
            )
        ]
    from bot.telegram.identity import TelegramProblem, TokenRejected, ask_identity

    try:
        me = await ask_identity(settings.bot_token.get_secret_value(), settings.bot_api_base_url)
    except TokenRejected:
        return [
            Check(
                "Token bot",
                "fail",
                "Token ditolak Telegram.",
                "Salin ulang token dari @BotFather (/mybots → API Token).",
                True,
            )
        ]
    except TelegramProblem as exc:
        return [
            Check(
                "Token bot",
                "fail",
                f"Telegram tidak terjangkau ({exc.message}).",
                "Periksa internet atau NGOPAS_BOT_API_BASE_URL.",
                True,
            )
        ]
    checks = [Check("Token bot", "ok", f"valid, bot @{me.username}")]
    if me.reads_all_group_messages:
        checks.append(
            Check(
                "Mode privasi",
                "warn",
                "mati: bot membaca semua pesan grup.",
                "Nyalakan di @BotFather → Bot Settings → Group Privacy; bot cukup melihat perintah.",
            )
        )
    else:
        checks.append(Check("Mode privasi", "ok", "aktif (bot hanya melihat perintah di grup)"))
    return checks


async def store_checks(rt: Runtime) -> list[Check]:
    from bot.store import form_links, head_revision, outbox, schema_revision, sheet_rows

    revision = await schema_revision(rt.store.engine)
    state = "terbaru" if revision == head_revision() else f"belum mutakhir, terbaru {head_revision()}"
    checks = [Check("Basis data", "ok", f"dapat ditulis, skema revisi {revision} ({state})")]
    async with rt.store.connect() as conn:
        stats = await outbox.stats(conn)
        waiting, oldest = await sheet_rows.lag(conn)
        parked = await sheet_rows.parked(conn, limit=5)
        held = await sheet_rows.count_parked(conn) if parked else 0
        forms = await form_links.every(conn)
    now = rt.clock.now()
    pending = stats.by_state.get("pending", 0)
    if stats.oldest_pending_due and (now - stats.oldest_pending_due).total_seconds() > 600:
        minutes = int((now - stats.oldest_pending_due).total_seconds() // 60)
        checks.append(
            Check(
                "Antrean pesan",
                "warn",
                f"{pending} menunggu, tertua {minutes} menit.",
                "Pastikan bot berjalan (ngopas run) dan terhubung ke Telegram.",
            )
        )
    else:
        checks.append(
            Check(
                "Antrean pesan", "ok", f"{pending} menunggu, {stats.by_state.get('uncertain', 0)} tidak pasti"
            )
        )
    if waiting and oldest and (now - oldest).total_seconds() > 600:
        checks.append(
            Check(
                "Sinkron Sheets",
                "warn",
                f"{waiting} baris menunggu sejak {int((now - oldest).total_seconds() // 60)} menit.",
                "Jalankan `ngopas sync` untuk melihat penyebabnya.",
            )
        )
    else:
        checks.append(Check("Sinkron Sheets", "ok", f"{waiting} baris menunggu"))
    if parked:
        rows = "; ".join(f"{row.worksheet} {row.row_key}: {row.error}" for row in parked)
        checks.append(
            Check(
                "Baris ditahan",
                "warn",
                f"{held} baris ditahan karena ditolak spreadsheet (baris lain tetap dikirim): {rows}",
                "Jalankan `ngopas sync` untuk mencoba lagi; bila tetap ditolak, `ngopas sheets rebuild`.",
            )
        )
    troubled = [f for f in forms if f.problem or f.rejected]
    if troubled:
        what = "; ".join(
            f"sesi #{f.session_id}: " + (f.problem or f"{len(f.rejected)} baris tidak dimuat")
            for f in troubled
        )
        checks.append(
            Check(
                "Google Form tertaut",
                "warn",
                f"{len(troubled)} dari {len(forms)} perlu diperbaiki: {what}",
                "Lihat `ngopas forms list`; perbaiki baris di spreadsheet jawabannya atau tautkan lagi dengan --map.",
            )
        )
    elif forms:
        checks.append(
            Check(
                "Google Form tertaut",
                "ok",
                f"{len(forms)} formulir, {sum(f.imported for f in forms)} baris dimuat",
            )
        )
    checks.append(await plan_check(rt))
    return checks


async def plan_check(rt: Runtime) -> Check:
    """Follow-up plan rows past their target (a warning: the office promised them)."""
    from bot.domain import followup

    late = await followup.overdue(rt)
    if not late:
        return Check("Tindak lanjut", "ok", "tidak ada yang lewat target")
    rows = "; ".join(
        f"{row.code} {row.issue} (target {row.target:%d/%m/%Y}, {row.status})" for row in late[:5]
    )
    more = f" dan {len(late) - 5} lainnya" if len(late) > 5 else ""
    return Check(
        "Tindak lanjut",
        "warn",
        f"{len(late)} baris lewat target: {rows}{more}.",
        "Perbarui Status atau Target di lembar Tindak Lanjut.",
    )


async def open_store(settings: Settings) -> tuple[Store | None, list[Check]]:
    """The store for the checks that need it, or why it cannot be opened (a damaged file, a missing one the
    settings do not name, a newer schema, a server that does not answer) as a failed check."""
    from bot.store import DatabaseTooNew, Store, database_problem

    refusal = database_refusal(settings, create=False)
    if refusal:
        return None, [Check("Basis data", "fail", refusal, blocking=True)]
    try:
        return await Store.open(settings.database_url), []
    except DatabaseTooNew as exc:
        return None, [Check("Basis data", "fail", str(exc), blocking=True)]
    except Exception as exc:
        problem = database_problem(exc, settings.database_url, opening=True)
        if problem is None:
            raise
        return None, [Check("Basis data", "fail", str(problem), blocking=True)]


async def sheets_checks(rt: Runtime) -> list[Check]:
    from bot.delivery.sheets_sync import open_sheets_sync
    from sheets.errors import SheetsError

    s = rt.settings
    where = (
        "Google Sheets"
        if s.google_service_account_file and s.google_spreadsheet_id
        else f"berkas lokal {s.workbook_path}"
    )
    try:
        sync = open_sheets_sync(rt)
        await sync.ensure()
    except SheetsError as exc:
        return [Check("Spreadsheet", "fail", str(exc), blocking=True)]
    return [
        Check(
            "Spreadsheet",
            "ok",
            f"{where}: lembar Jadwal, Jawaban, Aspirasi, Ringkasan, Tindak Lanjut siap ({sync.workbook.url})",
        )
    ]


async def run_checks(s: Settings, env_file: Path | None) -> list[Check]:
    """Every check, in the order an operator fixes them; the store is opened here, so a database that
    cannot be used is one failed check in the list rather than the end of the command."""
    from bot.base.clock import Clock
    from bot.base.settings import unknown_variables
    from bot.domain.runtime import Runtime
    from bot.store import database_problem

    clock = Clock()
    found = env_file is not None and await asyncio.to_thread(env_file.exists)
    checks = [
        Check("Berkas pengaturan", "ok", f"{env_file} terbaca")
        if found
        else Check(
            "Berkas pengaturan",
            "warn",
            f"{env_file or 'settings.env'} tidak ditemukan; memakai nilai bawaan.",
            f"cp settings.example.env {env_file or 'settings.env'} lalu isi.",
        )
    ]
    checks += [
        Check("Nama pengaturan", "warn", warning, "Perbaiki nama variabelnya, lalu mulai ulang bot.")
        for warning in unknown_variables(env_file if found else None)
    ]
    checks += await telegram_checks(s)
    checks.append(broadcast_check(s))
    checks.append(
        Check("Petugas", "ok", f"{len(s.admin_ids)} ID petugas")
        if s.admin_ids
        else Check(
            "Petugas",
            "warn",
            "NGOPAS_ADMIN_IDS kosong: tidak ada yang bisa membuat sesi lewat Telegram.",
            "Kirim /start ke @userinfobot untuk melihat ID Anda, lalu isi NGOPAS_ADMIN_IDS.",
        )
    )
    checks.append(
        Check("Grup petugas", "ok", f"pemberitahuan aspirasi dan IKM ke chat {s.staff_chat_id}")
        if s.staff_chat_id is not None
        else Check(
            "Grup petugas",
            "warn",
            "NGOPAS_STAFF_CHAT_ID kosong: aspirasi baru dan IKM rendah tidak diberitahukan ke petugas.",
            "Tambahkan bot ke grup petugas, lalu isi ID grup itu (angka negatif) di NGOPAS_STAFF_CHAT_ID.",
        )
    )
    from bot.base.settings import SettingsError

    try:
        s.require_salt()
        checks.append(Check("Garam pseudonim", "ok", "diisi"))
    except SettingsError as exc:
        checks.append(Check("Garam pseudonim", "fail", str(exc), blocking=True))
    checks.append(
        Check("Zona waktu", "ok", f"{s.timezone} (sekarang {clock.now().astimezone(s.tz):%d/%m/%Y %H.%M %Z})")
    )
    store, problems = await open_store(s)
    checks += problems
    # the spreadsheet check never touches the store: it runs even when the database cannot be opened
    rt = Runtime(s, store if store is not None else cast(Any, None), clock)
    if store is not None:
        try:
            checks += await store_checks(rt)
        except Exception as exc:
            problem = database_problem(exc, s.database_url)
            if problem is None:
                raise
            checks.append(Check("Basis data", "fail", str(problem), blocking=True))
        finally:
            await store.close()
    checks += await sheets_checks(rt)
    return checks
