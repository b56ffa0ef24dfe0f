""" "Teruskan ke LAPOR!": a ticket the office cannot resolve goes to SP4N-LAPOR!, the national complaint service.

Staff set the ticket's Status to "Diteruskan" in the Aspirasi sheet.  In the transaction that records it the
bot queues, for the staff group, the text to paste into lapor.go.id (what was asked, its classification,
the office's history with it; never who asked), and for the citizen (when the ticket has a route back) where
it went and one question: may their name go with it?  Only a "yes" sends staff a second text with the name
the citizen gave; their Telegram account never leaves the bot.  Every message is keyed by the ticket, so a
re-read sheet or a restart sends nothing twice.
"""

from __future__ import annotations

import html

from bot.base.i18n import format_date, t
from bot.domain import deadlines, texts
from bot.domain.callbacks import Cb, pack
from bot.domain.kinds import MessageKind
from bot.domain.runtime import Runtime
from bot.store import Connection, outbox
from bot.store import aspirations as store
from bot.store.aspirations import Aspiration
from bot.store.outbox import NewMessage

LAPOR_URL = "https://www.lapor.go.id"


def report_text(rt: Runtime, a: Aspiration, name: str | None = None) -> str:
    """The text staff paste into SP4N-LAPOR! (HTML for Telegram; the body is in a <pre> block to copy)."""
    lang = rt.settings.language

    def render(body: str) -> str:
        report = t(
            "lapor.report",
            "id",
            office=rt.settings.office_name,
            ticket=a.ticket,
            received=format_date(a.created_at, "id", rt.tz),
            section=a.section,
            classification=deadlines.label(deadlines.classification_of(a)),
            text=body,
            response=a.response.strip() or "-",
            reporter=name or t("lapor.anonymous", "id"),
        )
        return t(
            "lapor.staff_named" if name else "lapor.staff",
            lang,
            ticket=a.ticket,
            url=LAPOR_URL,
            report=html.escape(report),
        )

    return render(texts.shorten(a.text, texts.TEXT_LIMIT - texts.visible_length(render("")) - 50))


def named_key(aspiration_id: int) -> str:
    """The outbox key of the text that carries the citizen's name (withdrawn by /hapus_data if still queued)."""
    return f"lapor:{aspiration_id}:named"


def _to_staff(rt: Runtime, a: Aspiration, name: str | None) -> list[NewMessage]:
    if rt.settings.staff_chat_id is None:
        return []
    return [
        NewMessage(
            key=named_key(a.id) if name else f"lapor:{a.id}:anonymous",
            kind=MessageKind.LAPOR_TEXT,
            chat_id=rt.settings.staff_chat_id,
            payload={"text": report_text(rt, a, name), "parse_mode": "HTML", "buttons": []},
            due_at=rt.clock.now(),
        )
    ]


async def forwarded(conn: Connection, rt: Runtime, a: Aspiration) -> None:
    """Staff have just set the ticket to Diteruskan: the text for LAPOR! to staff, the news to the citizen."""
    now = rt.clock.now()
    messages = _to_staff(rt, a, None)
    route = await store.route_of(conn, a.id)
    if route is not None:
        lang = route.language
        messages.append(
            NewMessage(
                key=f"lapor_ask:{a.id}",
                kind=MessageKind.LAPOR_CITIZEN,
                chat_id=route.chat_id,
                payload={
                    "text": t("lapor.citizen", lang, ticket=a.ticket, url=LAPOR_URL),
                    "parse_mode": "HTML",
                    "buttons": [
                        [{"text": t("lapor.consent_yes", lang), "callback_data": pack(Cb.LAPOR, a.id, 1)}],
                        [{"text": t("lapor.consent_no", lang), "callback_data": pack(Cb.LAPOR, a.id, 0)}],
                    ],
                },
                due_at=now,
                priority=4,
            )
        )
    await outbox.enqueue(conn, messages, now)


async def consent(rt: Runtime, aspiration_id: int, person: str, agreed: bool, name: str) -> str | None:
    """The citizen's answer (a button under the forwarding message): kept once; with "yes" staff get the
    text again with `name`.  Returns the reply for the citizen, or None for a stale or foreign button."""
    async with rt.store.begin() as conn:
        route = await store.route_of(conn, aspiration_id)
        if route is None or route.person != person:
            return None
        a = await store.record_lapor_consent(conn, aspiration_id, agreed)
        if a is None:
            return None
        if agreed:
            await outbox.enqueue(conn, _to_staff(rt, a, a.sender_name or name), rt.clock.now())
    if agreed:
        rt.wake_sender()
    return t("lapor.thanks_named" if agreed else "lapor.thanks_anonymous", route.language, ticket=a.ticket)
