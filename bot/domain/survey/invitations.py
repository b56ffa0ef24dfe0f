"""Asking people to answer: the invitation when a session ends, and one reminder for an unfinished survey."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from typing import Any

from bot.base.i18n import t
from bot.domain.callbacks import Cb, pack
from bot.domain.kinds import MessageKind
from bot.domain.links import survey_link
from bot.domain.runtime import Runtime
from bot.domain.sessions import fan_out_payload
from bot.domain.survey.engine import survey_open
from bot.store import Connection, attendance, outbox, surveys
from bot.store import sessions as store_sessions
from bot.store.outbox import NewMessage
from bot.store.sessions import ScheduleRow, Session


def invitation(rt: Runtime, session: Session, lang: str) -> dict[str, Any]:
    """ "Isi survei" with the deep link: to subscribed chats and, privately, to people who checked in."""
    return {
        "text": t("survey.invite", lang, title=escape(session.title), days=rt.settings.survey_window_days),
        "parse_mode": "HTML",
        "buttons": [[{"text": t("survey.fill", lang), "url": survey_link(rt.bot_username, session.id)}]],
    }


def invitation_key(session_id: int) -> str:
    """One invitation per session and chat (the chat id follows): a subscriber who also checked in gets one."""
    return f"survey_invite:{session_id}"


async def invite(conn: Connection, rt: Runtime, session: Session, row: ScheduleRow) -> int:
    """Scheduled at the session's end: subscribed chats get "Isi survei" with the deep link, and so does
    everyone who checked in, privately (their routes are deleted as the invitations are queued)."""
    routes = await attendance.take_routes(conn, session.id)
    return await fan_out_payload(
        conn,
        rt,
        session,
        MessageKind.SURVEY_INVITE,
        invitation_key(session.id),
        lambda lang: invitation(rt, session, lang),
        also=routes,
    )


def reminder_key(session_id: int, chat_id: int) -> str:
    """One reminder per session and chat.  The key names only the chat the row goes to anyway: with the
    respondent's pseudonym in it, the row tied the finished answers to the person's chat."""
    return f"survey_reminder:{session_id}:{chat_id}"


async def forget_reminder(conn: Connection, session_id: int, chat_id: int) -> None:
    """The survey in this chat ended (sent, cancelled, or its window closed): the reminder about it, sent or
    not, stops naming the chat, so nothing times an answer against the reminder that preceded it."""
    await outbox.anonymize(conn, [reminder_key(session_id, chat_id)])


async def remind_unfinished(rt: Runtime) -> int:
    """Periodic: one reminder, never more, for a survey left unfinished for `survey_reminder_hours`."""
    now = rt.clock.now()
    idle_since = now - timedelta(hours=rt.settings.survey_reminder_hours)
    queued = 0
    async with rt.store.connect() as conn:  # runs every sweep: only take the write lock when there is work
        if not await surveys.drafts_to_remind(conn, idle_since, limit=1):
            return 0
    async with rt.store.begin() as conn:
        for draft in await surveys.drafts_to_remind(conn, idle_since):
            session = await store_sessions.get_session(conn, draft.session_id)
            if session is None or not survey_open(session, now):
                continue
            if not await surveys.mark_reminded(conn, draft.session_id, draft.respondent, now):
                continue
            lang = draft.language
            msg = NewMessage(
                key=reminder_key(draft.session_id, draft.chat_id),
                kind=MessageKind.SURVEY_REMINDER,
                chat_id=draft.chat_id,
                session_id=draft.session_id,
                due_at=now,
                payload={
                    "text": t("survey.reminder", lang, title=escape(session.title)),
                    "parse_mode": "HTML",
                    "buttons": [
                        [
                            {
                                "text": t("survey.continue", lang),
                                "callback_data": pack(Cb.SURVEY, session.id, 0, "go"),
                            }
                        ]
                    ],
                },
            )
            queued += await outbox.enqueue(conn, [msg], now)
    return queued
