"""Aspirations: tickets from citizens (and from survey suggestions), staff replies read back from Sheets.

The loop the office runs by hand today: a citizen writes, staff answer in the `Aspirasi` sheet, the citizen
hears back.  Everything that must happen together happens in one transaction: the ticket, its private route
back to the writer, its sheet row and the staff alert; a staff change, its new version and the message to
the citizen (keyed by that version, so a re-read sheet or a restart never tells anyone twice).
"""

from __future__ import annotations

import hashlib
import html
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.base.i18n import format_date, t
from bot.domain import deadlines, lapor, texts
from bot.domain.kinds import MessageKind
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.domain.survey.pseudonym import pseudonym
from bot.domain.worksheets import duplicated_keys
from bot.store import Connection, meta, outbox, sheet_rows
from bot.store import aspirations as store
from bot.store import sessions as store_sessions
from bot.store.aspirations import Aspiration
from bot.store.outbox import NewMessage
from bot.store.sessions import Session
from bot.store.surveys import Response
from reports.instrument import says_nothing
from sheets.workbook import CellUpdate, SheetRow

log = logging.getLogger(__name__)

GENERAL_SECTION = "Umum"
MIN_CHARS = 5
STATUS_ALIASES = {name.lower(): name for name in store.STATUSES} | {
    "new": "Baru",
    "proses": "Diproses",
    "in progress": "Diproses",
    "done": "Selesai",
    "resolved": "Selesai",
    "tolak": "Ditolak",
    "rejected": "Ditolak",
    "diteruskan ke lapor!": "Diteruskan",
    "diteruskan ke lapor": "Diteruskan",
    "teruskan ke lapor!": "Diteruskan",
    "teruskan ke lapor": "Diteruskan",
    "lapor": "Diteruskan",
    "lapor!": "Diteruskan",
    "forwarded": "Diteruskan",
}
YES = {"ya", "y", "yes", "true", "1", "✓", "✔", "publik", "public"}
NO = {"", "tidak", "tdk", "t", "no", "n", "false", "0", "-"}


def person_of(rt: Runtime, user_id: int) -> str:
    """The writer's key for rate limits and /aspirasiku: its own HMAC, never the survey respondent's."""
    return pseudonym(rt.settings.require_salt(), user_id, purpose="aspirasi")


def check_text(rt: Runtime, text: str, lang: str) -> str | None:
    """Why this text cannot be a ticket (one polite sentence), or None when it can."""
    stripped = text.strip()
    if len(stripped) < MIN_CHARS:
        return t("aspiration.too_short", lang)
    if len(stripped) > rt.settings.aspiration_max_chars:
        return t("aspiration.too_long", lang, length=len(stripped), max=rt.settings.aspiration_max_chars)
    return None


def quota_key(rt: Runtime, person: str, day: date) -> str:
    """The daily limit's key for one person and one day: without the salt it names no one, and the keys of
    two days (or of the survey) cannot be linked.  It is kept apart from the ticket and its route, so
    /hapus_data deletes the route and the name but the day's count stays."""
    return pseudonym(rt.settings.require_salt(), f"{person}:{day.isoformat()}", purpose="kuota-aspirasi")


def _today(rt: Runtime) -> date:
    return rt.clock.now().astimezone(rt.tz).date()


async def over_daily_limit(conn: Connection, rt: Runtime, person: str) -> bool:
    used = await store.quota_used(conn, quota_key(rt, person, _today(rt)))
    return used >= rt.settings.aspiration_daily_limit


# --- creating tickets -----------------------------------------------------------------------------------


async def sheet_row(conn: Connection, rt: Runtime, a: Aspiration) -> dict[str, Any]:
    """The Aspirasi row staff see: the sender only when the citizen allowed it, never the route."""
    text = a.text + ("\n" + t("aspiration.sheet_photo", "id") if a.photo_file_id else "")
    if a.sender_name:
        sender = a.sender_name
    else:
        sender = t(
            {
                store.CATEGORY_DIRECT: "aspiration.sheet_anonymous",
                store.CATEGORY_SESSION: "aspiration.sheet_session",
            }.get(a.category, "aspiration.sheet_survey"),
            "id",
        )
    return {
        "Tiket": a.ticket,
        "Tanggal": a.created_at.astimezone(rt.tz).strftime("%d/%m/%Y %H.%M"),
        "Bidang": a.section,
        "Sesi": await store_sessions.label(conn, a.session_id),
        "Kategori": t(f"aspiration.category_{a.category}", "id"),
        "Klasifikasi": deadlines.label(deadlines.classification_of(a)),
        "Isi": text,
        "Pengirim": sender,
        "Status": a.status,
        **deadline_cells(rt, a),
        "Tanggapan": a.response,
        "Publik": "Ya" if a.public else "Tidak",
        "Status Bot": "OK",
    }


def deadline_cells(rt: Runtime, a: Aspiration) -> dict[str, str]:
    """Batas tanggapan and Batas tindak lanjut as the sheet shows them ("Kamis, 26 Maret 2026")."""
    due = deadlines.deadlines_of(rt, a)
    return {
        "Batas tanggapan": deadlines.long_date(due.response, "id"),
        "Batas tindak lanjut": deadlines.long_date(due.followup, "id"),
    }


def _staff_alert(rt: Runtime, a: Aspiration, session_label: str) -> NewMessage | None:
    """New ticket for the staff group: what was asked and where, never who asked it."""
    chat_id = rt.settings.staff_chat_id
    if chat_id is None:
        return None
    lang = rt.settings.language

    def alert(body: str) -> str:
        return t(
            "aspiration.staff_new",
            lang,
            ticket=a.ticket,
            section=html.escape(a.section),
            category=t(f"aspiration.category_{a.category}", lang),
            classification=deadlines.label(deadlines.classification_of(a), lang),
            due=deadlines.long_date(deadlines.deadlines_of(rt, a).response, lang),
            session=html.escape(session_label) if session_label else "–",
            text=html.escape(body),
        )

    # With a photo the alert is its caption (1,024 characters); the whole text stays in the Aspirasi sheet.
    limit = texts.CAPTION_LIMIT if a.photo_file_id else texts.TEXT_LIMIT
    text = alert(texts.shorten(a.text, limit - texts.visible_length(alert(""))))
    payload: dict[str, Any] = {"text": text, "parse_mode": "HTML", "buttons": []}
    if a.photo_file_id:
        payload["photo"] = a.photo_file_id
    return NewMessage(
        key=f"asp_new:{a.id}",
        kind=MessageKind.STAFF_ALERT,
        chat_id=chat_id,
        payload=payload,
        due_at=rt.clock.now(),
    )


async def _announce_new(conn: Connection, rt: Runtime, a: Aspiration) -> None:
    now = rt.clock.now()
    await sheet_rows.queue(conn, "Aspirasi", a.ticket, await sheet_row(conn, rt, a), now)
    alert = _staff_alert(rt, a, await store_sessions.label(conn, a.session_id))
    if alert is not None:
        await outbox.enqueue(conn, [alert], now)


async def create_ticket(
    conn: Connection,
    rt: Runtime,
    *,
    section: str,
    text: str,
    person: str,
    chat_id: int,
    language: str,
    photo_file_id: str | None = None,
    sender_name: str | None = None,
) -> Aspiration:
    """A citizen's ticket with its route, sheet row and staff alert, in the caller's transaction."""
    now = rt.clock.now()
    a = await store.create(
        conn,
        category=store.CATEGORY_DIRECT,
        section=section,
        text=text.strip(),
        now=now,
        year=now.astimezone(rt.tz).year,
        photo_file_id=photo_file_id,
        sender_name=sender_name,
        route=(person, chat_id, language),
        classification=deadlines.default_for(store.CATEGORY_DIRECT),
    )
    assert a is not None  # only source-keyed tickets can already exist
    await store.use_quota(conn, quota_key(rt, person, _today(rt)), _today(rt))
    await _announce_new(conn, rt, a)
    return a


async def tickets_from_survey(conn: Connection, rt: Runtime, response: Response) -> None:
    """In the transaction that stores a response: the free-text suggestion and each low-score follow-up
    become "Dari survei" tickets.

    They carry the session and section but no route: a survey answer is anonymous by construction, so
    nobody (staff or bot) can link the ticket back to a person.
    """
    defn = definition_for(rt)
    texts: list[tuple[str, str]] = []
    saran = (response.answers.get("saran") or "").strip()
    if not says_nothing(saran):
        texts.append(("saran", saran))
    for key, followup in (response.followups or {}).items():
        followup = (followup or "").strip()
        if not says_nothing(followup):
            label = (getattr(defn, "column_names", None) or {}).get(key, key)
            texts.append((key, f"[{label}] {followup}"))
    if not texts:  # most answers: nothing to read
        return
    session = await store_sessions.get_session(conn, response.session_id)
    if session is None:
        return
    now = rt.clock.now()
    for key, text in texts:
        a = await store.create(
            conn,
            category=store.CATEGORY_SURVEY,
            section=session.section,
            session_id=session.id,
            text=text[: rt.settings.aspiration_max_chars],
            now=now,
            year=now.astimezone(rt.tz).year,
            source_key=f"survey:{response.id}:{key}",
            classification=deadlines.default_for(store.CATEGORY_SURVEY),
        )
        if a is not None:
            await _announce_new(conn, rt, a)


async def tickets_from_session(
    conn: Connection, rt: Runtime, session: Session, texts: list[str]
) -> list[Aspiration]:
    """In the transaction that stores a closing record: each aspiration raised orally becomes a "Dari sesi"
    ticket, like the others in the Aspirasi sheet and the digest; the same text twice is one ticket.

    No route: staff wrote it down, nobody in the chat can be told of its progress."""
    now = rt.clock.now()
    made = []
    for text in texts:
        text = text.strip()[: rt.settings.aspiration_max_chars]
        digest = hashlib.sha256(text.casefold().encode()).hexdigest()[:24]
        a = await store.create(
            conn,
            category=store.CATEGORY_SESSION,
            section=session.section,
            session_id=session.id,
            text=text,
            now=now,
            year=now.astimezone(rt.tz).year,
            source_key=f"sesi:{session.id}:{digest}",
            classification=deadlines.default_for(store.CATEGORY_SESSION),
        )
        if a is not None:
            await _announce_new(conn, rt, a)
            made.append(a)
    return made


def my_tickets_text(
    tickets: list[Aspiration], lang: str, tz: ZoneInfo, notes: dict[int, str] | None = None
) -> str:
    """/aspirasiku: the person's latest tickets, newest first, with status and the staff reply (shortened:
    the whole reply reached them when it was given), and under each its `notes` line (the deadline, see
    `bot.domain.deadlines.citizen_note`); as many whole tickets as one message holds."""
    items = []
    for a in tickets:
        note = (notes or {}).get(a.id, "")
        reply = a.response.strip()
        items.append(
            t(
                "aspiration.mine_item",
                lang,
                ticket=a.ticket,
                date=format_date(a.created_at, lang, tz),
                section=html.escape(a.section),
                status=t(f"aspiration.status_{a.status}", lang),
                excerpt=html.escape(texts.shorten(a.text, 80)),
                reply=t("aspiration.mine_reply", lang, reply=html.escape(texts.shorten(reply, 300)))
                if reply
                else "",
            )
            + (f"\n{note}" if note else "")
        )
    return texts.fit_list(lambda joined: t("aspiration.mine", lang, items=joined), items, sep="\n\n")


# --- staff changes read back from the sheet ----------------------------------------------------------------


@dataclass
class SheetReadResult:
    updates: list[CellUpdate]
    notified: int
    problems: list[str]


def parse_status(raw: str) -> str | None:
    value = raw.strip().lower()
    if not value:
        return "Baru"
    return STATUS_ALIASES.get(value)


def parse_public(raw: str) -> bool | None:
    value = raw.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def _update_messages(a: Aspiration, lang: str) -> list[dict[str, Any]]:
    """What the citizen hears about a change: status, the staff reply and their own words.  The reply is
    what they waited for, so a long one is sent whole, in as many messages as it takes."""

    def first(reply: str) -> str:
        return t(
            "aspiration.update",
            lang,
            ticket=a.ticket,
            status=t(f"aspiration.status_{a.status}", lang),
            reply=html.escape(reply) if reply else t("aspiration.no_reply_yet", lang),
            excerpt=html.escape(texts.shorten(a.text, 200)),
        )

    reply = a.response.strip()
    room = texts.TEXT_LIMIT - max(
        texts.visible_length(first("")),
        texts.visible_length(t("aspiration.update_more", lang, ticket=a.ticket, part=99, parts=99, reply="")),
    )
    parts = texts.split(reply, room) if reply else [""]
    messages = [first(parts[0])] + [
        t("aspiration.update_more", lang, ticket=a.ticket, part=n, parts=len(parts), reply=html.escape(part))
        for n, part in enumerate(parts[1:], start=2)
    ]
    return [{"text": text, "parse_mode": "HTML", "buttons": []} for text in messages]


def _staff_cells(row: SheetRow) -> tuple[str, ...]:
    """What staff set in an Aspirasi row, as the bot reads it (two copies saying this are the same)."""
    values = row.values
    return (
        str(parse_status(values.get("Status", "")) or values.get("Status", "").strip()),
        values.get("Tanggapan", "").strip(),
        str(parse_public(values.get("Publik", ""))),
        str(deadlines.parse_classification(values.get("Klasifikasi", ""))),
    )


async def apply_sheet_rows(rt: Runtime, rows: list[SheetRow]) -> SheetReadResult:
    """Staff edits in Aspirasi: record each change, tell the citizen once per change, report bad cells."""
    result = SheetReadResult([], 0, [])
    now = rt.clock.now()
    stamp = now.astimezone(rt.tz).strftime("%d/%m/%Y %H.%M")
    duplicates = duplicated_keys(
        rows,
        lambda row: row.values.get("Tiket", "").strip(),
        _staff_cells,
        label="Tiket",
        hint=t("sheet.hint_aspirasi", "id"),
    )
    for row in rows:
        values = row.values
        ticket = values.get("Tiket", "").strip()
        if not ticket:
            continue
        status = parse_status(values.get("Status", ""))
        public = parse_public(values.get("Publik", ""))
        classification = deadlines.parse_classification(values.get("Klasifikasi", ""))
        bot_status: str | None = None
        problem = True
        if row.row_number in duplicates:  # copies of one ticket: applied once, or not at all
            bot_status = duplicates[row.row_number]
            if values.get("Status Bot", "") != bot_status:
                result.updates.append(CellUpdate(row.row_number, "Status Bot", bot_status))
            result.problems.append(f"Aspirasi baris {row.row_number}: {bot_status}")
            continue
        async with rt.store.begin() as conn:
            a = await store.by_ticket(conn, ticket)
            if a is None:
                bot_status = t("aspiration.sheet_unknown_ticket", "id")
            elif status is None:
                bot_status = t(
                    "aspiration.sheet_bad_status",
                    "id",
                    value=values.get("Status", "").strip(),
                    choices=", ".join(store.STATUSES),
                )
            elif public is None:
                bot_status = t("aspiration.sheet_bad_public", "id", value=values.get("Publik", "").strip())
            elif classification is None:
                bot_status = t(
                    "aspiration.sheet_bad_classification",
                    "id",
                    value=values.get("Klasifikasi", "").strip(),
                    choices=", ".join(deadlines.label(c) for c in deadlines.CLASSIFICATIONS),
                )
            else:
                problem = False
                changed = await store.apply_staff_change(
                    conn,
                    a.id,
                    status=status,
                    response=values.get("Tanggapan", "").strip(),
                    public=public,
                    now=now,
                    classification=classification or None,
                )
                current = await store.get(conn, a.id)
                assert current is not None
                _keep_deadlines_current(rt, current, row, result)
                if current.forwarded_at == now and a.forwarded_at is None:
                    await lapor.forwarded(conn, rt, current)
                if changed is not None:
                    route = await store.route_of(conn, a.id)
                    if route is None:
                        bot_status = t("aspiration.sheet_no_route", "id")
                    else:
                        await outbox.enqueue(
                            conn,
                            [
                                NewMessage(
                                    # One key per change; a long reply's further parts keep its order.
                                    key=f"asp_update:{a.id}:v{changed.version}" + (f":p{n}" if n > 1 else ""),
                                    kind=MessageKind.ASPIRATION_UPDATE,
                                    chat_id=route.chat_id,
                                    payload=payload,
                                    due_at=now,
                                    priority=4,
                                )
                                for n, payload in enumerate(
                                    _update_messages(changed, route.language), start=1
                                )
                            ],
                            now,
                        )
                        result.notified += 1
                        bot_status = t("aspiration.sheet_notified", "id", when=stamp)
        if bot_status is not None and values.get("Status Bot", "") != bot_status:
            result.updates.append(CellUpdate(row.row_number, "Status Bot", bot_status))
        if problem:
            result.problems.append(f"Aspirasi baris {row.row_number}: {bot_status}")
    if result.notified:
        rt.wake_sender()
    return result


def _keep_deadlines_current(rt: Runtime, a: Aspiration, row: SheetRow, result: SheetReadResult) -> None:
    """The row's Klasifikasi and deadline cells as the ticket has them now: a new classification moves the
    follow-up deadline, an empty cell shows the default, a new cuti bersama setting moves both dates."""
    wanted = {"Klasifikasi": deadlines.label(deadlines.classification_of(a))} | deadline_cells(rt, a)
    for header, value in wanted.items():
        if row.values.get(header, "").strip() != value:
            result.updates.append(CellUpdate(row.row_number, header, value))


# --- staff group: the daily digest of waiting tickets --------------------------------------------------


async def daily_digest(rt: Runtime) -> int:
    """Once a day at `digest_hour`: tickets still Baru/Diproses after N days, for the staff group."""
    chat_id = rt.settings.staff_chat_id
    if chat_id is None:
        return 0
    now = rt.clock.now()
    local = now.astimezone(rt.tz)
    if local.hour < rt.settings.digest_hour:
        return 0
    today = local.date().isoformat()
    lang = rt.settings.language
    async with rt.store.connect() as conn:  # every sweep asks; only the first run of a day writes
        if await meta.get(conn, "digest_date") == today:
            return 0
    async with rt.store.begin() as conn:
        if await meta.get(conn, "digest_date") == today:
            return 0
        await meta.put(conn, "digest_date", today)
        waiting = await store.waiting(conn, now - timedelta(days=rt.settings.aspiration_overdue_days))
        if not waiting:
            return 0
        lines = [
            t(
                "aspiration.digest_item",
                lang,
                ticket=a.ticket,
                section=html.escape(a.section),
                status=t(f"aspiration.status_{a.status}", lang),
                days=(now - a.created_at).days,
            )
            for a in waiting[:30]
        ]
        if len(waiting) > 30:
            lines.append(t("aspiration.digest_more", lang, count=len(waiting) - 30))
        text = texts.fit_list(
            lambda items: t(
                "aspiration.digest",
                lang,
                count=len(waiting),
                days=rt.settings.aspiration_overdue_days,
                items=items,
            ),
            lines,
        )
        return await outbox.enqueue(
            conn,
            [
                NewMessage(
                    key=f"digest:{today}",
                    kind=MessageKind.STAFF_DIGEST,
                    chat_id=chat_id,
                    payload={"text": text, "parse_mode": "HTML", "buttons": []},
                    due_at=now,
                )
            ],
            now,
        )
