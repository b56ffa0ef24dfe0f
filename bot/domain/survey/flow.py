"""The survey flow: every accepted step is committed before the person sees the next one.

Channel handlers call these functions and draw what they return; the rules of the walk itself are the pure
`engine`.  A button carries the step it was drawn for and every write is a conditional UPDATE on that step,
so a double press, a press on an old message or a replay after a crash changes nothing twice.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import timedelta
from html import escape

from bot.base.i18n import format_when, t
from bot.domain import aspirations, report_counts, tally, worksheets
from bot.domain.runtime import Runtime
from bot.domain.survey import engine, invitations
from bot.domain.survey.definition import definition_for
from bot.domain.survey.engine import Action, SurveyUnavailable, View
from bot.domain.survey.pseudonym import pseudonym
from bot.store import Connection, surveys
from bot.store import sessions as store_sessions
from bot.store.sessions import Session
from bot.store.surveys import Draft, Response

__all__ = ["Action", "Press", "SurveyUnavailable", "View"]


def respondent_of(rt: Runtime, session_id: int, user_id: int) -> str:
    """This person's pseudonym in this session's survey: an HMAC of session and Telegram id with the salt.

    One per person per session, so one response per person per session still holds, while one person's
    answers in two sessions carry unrelated values: without the salt they cannot be joined, and no draft or
    key of one session exposes the answers of another.  (See `bot.domain.survey.pseudonym`.)

    Rows written before revision 0008 keep the pseudonym of those releases, the same in every session
    (`legacy_respondent_of`): the store cannot recompute them without the Telegram id.  Left alone, a person
    who answered in a session open during the upgrade and opens its survey again would not be recognised and
    their second response would count as well.  So `begin` first moves their answers and unfinished draft of
    that session to the new pseudonym (`surveys.rekey`): the earlier answer is offered for replacement as
    always, and stops being joinable with their older ones.  Only sessions open during the upgrade can have
    such rows; answers to sessions closed before it keep the old value (nobody can answer those again).
    """
    return pseudonym(rt.settings.require_salt(), f"{session_id}:{user_id}", purpose="survey")


def legacy_respondent_of(rt: Runtime, user_id: int) -> str:
    """The pseudonym of releases before revision 0008 (one for every session), to find rows written then."""
    return pseudonym(rt.settings.require_salt(), user_id)


class DraftCache:
    """The drafts (and their sessions) this process wrote last, bounded; entries expire after a while.

    A hint, not the truth: used only when a button's step matches it, and every write is conditional on
    that step, so a draft changed elsewhere (another worker, a typed answer) is simply read again.
    """

    SECONDS = 10.0  # a cancelled or edited session is seen within this long

    def __init__(self, size: int = 5000) -> None:
        self.size = size
        self._drafts: OrderedDict[tuple[int, str], tuple[Draft, Session, float]] = OrderedDict()

    def get(self, session_id: int, respondent: str) -> tuple[Draft | None, Session | None]:
        entry = self._drafts.get((session_id, respondent))
        if entry is None or time.monotonic() - entry[2] > self.SECONDS:
            return None, None
        return entry[0], entry[1]

    def put(self, session_id: int, respondent: str, draft: Draft | None, session: Session | None) -> None:
        key = (session_id, respondent)
        if draft is None or session is None:
            self._drafts.pop(key, None)
            return
        self._drafts[key] = (draft, session, time.monotonic())
        self._drafts.move_to_end(key)
        while len(self._drafts) > self.size:
            self._drafts.popitem(last=False)

    def forget(self, session_id: int, respondent: str) -> None:
        self._drafts.pop((session_id, respondent), None)


def _cache(rt: Runtime) -> DraftCache:
    return rt.cache.setdefault("survey_drafts", DraftCache())


# --- opening ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """A survey opened or resumed: an introduction first (a fresh start only), then the current step."""

    draft: Draft
    session: Session
    intro: str | None
    view: View


async def begin(rt: Runtime, session_id: int, user_id: int, chat_id: int, lang: str) -> Opened:
    """Start or resume this person's survey for a session (raises SurveyUnavailable)."""
    defn = definition_for(rt)
    respondent = respondent_of(rt, session_id, user_id)
    async with rt.store.begin() as conn:
        now = rt.clock.now()
        session = engine.check_open(await store_sessions.get_session(conn, session_id), now, lang)
        draft = await surveys.get_draft(conn, session_id, respondent)
        if draft is None and await surveys.rekey(
            conn, session_id, legacy_respondent_of(rt, user_id), respondent
        ):
            draft = await surveys.get_draft(conn, session_id, respondent)  # unfinished before the upgrade
        if draft is None:
            earlier = await surveys.current_response(conn, session_id, respondent)
            draft = engine.new_draft(
                defn,
                session_id=session_id,
                respondent=respondent,
                chat_id=chat_id,
                lang=lang,
                now=now,
                ipak=rt.settings.survey_ipak,
                replaces=earlier.id if earlier is not None else None,
            )
            await surveys.insert_draft(conn, draft)
    intro = None
    if draft.step == 0 and draft.current != engine.REPLACE:
        intro = t(
            "survey.intro",
            lang,
            title=escape(session.title),
            when=format_when(session.starts_at, lang, rt.tz),
            # "{count}" in the definition's intro: how many questions this person will be asked.
            intro=escape(defn.intro.get(lang) or defn.intro["id"]).replace(
                "{count}", str(len(engine.visible_questions(defn, draft)))
            ),
        )
    return Opened(draft, session, intro, engine.render(defn, draft, session, draft.language))


async def shown_in(rt: Runtime, draft: Draft, session: Session, message_id: int) -> None:
    """The step was sent as message `message_id`: remember it as the one to edit (and to remind about)."""
    shown = None
    async with rt.store.begin() as conn:
        current = await surveys.get_draft(conn, draft.session_id, draft.respondent)
        if current is not None and current.step == draft.step:
            shown = replace(current, message_id=message_id)
            if not await surveys.save_draft(conn, shown, expected_step=current.step):
                shown = None
    # Committed: the person's first press will most likely reach this process, so spare it a read.
    if shown is not None:
        _cache(rt).put(draft.session_id, draft.respondent, shown, session)


# --- a button press --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """What a press leads to: a toast on the button, and either the step redrawn (`view` with the `draft`
    its buttons belong to) or a closing text in place of the question; neither when only the toast shows."""

    toast: str | None = None
    view: View | None = None
    draft: Draft | None = None
    text: str | None = None
    session: Session | None = None  # with `view`: to send the step anew when its message is gone


async def press(
    rt: Runtime, user_id: int, session_id: int, step: int, code: str, message_id: int, lang: str
) -> Press:
    """A survey button (`sv:<session>:<step>:<code>`) pressed in the message `message_id`."""
    parsed = Action.parse(code)
    if parsed is None:
        return Press(toast=t("common.stale_button", lang))
    action, option = parsed
    defn = definition_for(rt)
    respondent = respondent_of(rt, session_id, user_id)
    cache = _cache(rt)
    draft, session = cache.get(session_id, respondent)
    if draft is None or session is None or draft.step != step:
        async with rt.store.connect() as conn:  # reads never take the write lock
            draft, session = await surveys.get_draft_and_session(conn, session_id, respondent)
        cache.put(session_id, respondent, draft, session)
    if draft is None or session is None:
        return Press(toast=t("survey.no_draft", lang))
    if not engine.survey_open(session, rt.clock.now()):
        async with rt.store.begin() as conn:
            await drop_draft(conn, draft)
        return Press(text=t("survey.closed", lang))
    stale = step != draft.step  # an old message or a double press: redraw the current step, change nothing
    if not stale and action is Action.KEEP and draft.current == engine.REPLACE:
        async with rt.store.begin() as conn:
            await drop_draft(conn, draft)
        return Press(text=t("survey.kept", lang))
    if not stale and action is Action.SEND and draft.current == engine.SUMMARY:
        cache.forget(session_id, respondent)
        if await finish(rt, draft) is None:
            return Press(toast=t("survey.already", lang))  # a double press: the first one sent it
        thanks = defn.thanks.get(draft.language) or defn.thanks["id"]
        return Press(text=t("survey.thanks", lang, thanks=escape(thanks), title=escape(session.title)))
    moved = None
    if not stale:
        if action is Action.REPLACE:
            moved = engine.start_again(defn, draft, rt.clock.now())
        else:
            moved = engine.apply(defn, draft, action, option)
    if moved is not None:
        moved = replace(
            moved, message_id=message_id, updated_at=rt.clock.now(), reminded_at=draft.reminded_at
        )
        # The hot path of a busy survey: one conditional UPDATE, no transaction round trips.
        saved = await rt.store.write_one(*surveys.save_draft_statement(moved, expected_step=draft.step)) == 1
        if saved:
            cache.put(session_id, respondent, moved, session)
        else:  # changed elsewhere meanwhile: show what the store holds now
            moved = None
            cache.forget(session_id, respondent)
            async with rt.store.connect() as conn:
                draft = await surveys.get_draft(conn, session_id, respondent)
            if draft is None:
                return Press(toast=t("survey.no_draft", lang))
    current = moved or draft
    return Press(
        toast=t("survey.already", lang) if stale else None,
        view=engine.render(defn, current, session, current.language),
        draft=current,
        session=session,
    )


# --- typed text ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """What typed text leads to: a reply sentence, or the next step to send as a new message."""

    reply: str | None = None
    draft: Draft | None = None
    session: Session | None = None
    view: View | None = None


async def typed(rt: Runtime, user_id: int, text: str, lang: str) -> Typed:
    """Text in a private chat: the answer to a follow-up or a free-text question."""
    defn = definition_for(rt)
    moved = None
    async with rt.store.begin() as conn:
        drafts = await _open_drafts(conn, rt, user_id)
        if not drafts:
            return Typed(reply=t("survey.no_context", lang))
        draft = drafts[0]
        session = await store_sessions.get_session(conn, draft.session_id)
        limit = engine.too_long(defn, draft, text)
        if limit is not None:
            return Typed(reply=t("survey.too_long", lang, max=limit))
        moved = engine.write(defn, draft, text)
        if moved is not None:
            moved = replace(moved, updated_at=rt.clock.now())
            if not await surveys.save_draft(conn, moved, expected_step=draft.step):
                moved = None
    if moved is None or session is None:
        return Typed(reply=t("survey.use_buttons", lang))
    return Typed(draft=moved, session=session, view=engine.render(defn, moved, session, moved.language))


async def cancel(rt: Runtime, user_id: int) -> bool:
    """/batal during a survey: drop the unfinished answers.  False if there was no survey to cancel."""
    async with rt.store.begin() as conn:
        drafts = await _open_drafts(conn, rt, user_id)
        for draft in drafts:
            await drop_draft(conn, draft)
    return bool(drafts)


async def drop_draft(conn: Connection, draft: Draft, *, step: int | None = None) -> bool:
    """End an unfinished survey (only at `step`, when given): the draft goes, and its reminder, sent or not,
    no longer names the chat.  False when the draft was already gone."""
    if not await surveys.delete_draft(conn, draft.session_id, draft.respondent, step=step):
        return False
    await invitations.forget_reminder(conn, draft.session_id, draft.chat_id)
    return True


async def _open_sessions(conn: Connection, rt: Runtime) -> list[Session]:
    now = rt.clock.now()
    recent = await store_sessions.list_sessions(
        conn, ends_after=now - timedelta(days=rt.settings.survey_window_days)
    )
    return [s for s in recent if engine.survey_open(s, now)]


async def _open_drafts(conn: Connection, rt: Runtime, user_id: int) -> list[Draft]:
    """This person's unfinished surveys, newest first.  A pseudonym is per session, so they are looked up in
    each session whose survey is open now (there are few)."""
    keys = [(s.id, respondent_of(rt, s.id, user_id)) for s in await _open_sessions(conn, rt)]
    return await surveys.drafts_for(conn, keys)


async def open_sessions(rt: Runtime) -> list[Session]:
    """Sessions whose survey can be answered now, oldest first."""
    async with rt.store.connect() as conn:
        return await _open_sessions(conn, rt)


# --- finishing -------------------------------------------------------------------------------------------


async def finish(rt: Runtime, draft: Draft) -> Response | None:
    """Kirim: store the response (replacing an earlier one if chosen), drop the draft: one transaction.

    None when the draft was already sent (two presses of Kirim): the draft is claimed by deleting it at
    the step that was read, so only one press stores a response.
    """
    response = Response(
        id="R" + secrets.token_hex(8),
        session_id=draft.session_id,
        respondent=draft.respondent,
        definition_id=draft.definition_id,
        definition_version=draft.definition_version,
        channel="telegram",
        answers=draft.answers,
        followups=draft.followups,
        started_at=draft.started_at,
        finished_at=rt.clock.now(),
        replaced_by=None,
    )

    async def store(conn: Connection) -> Response | None:
        if not await drop_draft(conn, draft, step=draft.step):
            return None
        await replace_response(conn, rt, response)
        return response

    return await rt.store.transaction(store)


async def replace_response(conn: Connection, rt: Runtime, response: Response) -> None:
    """Store a finished response in place of the respondent's earlier one for the session, if any: the
    earlier one stops counting (and leaves the running tallies), the new one counts."""
    earlier = await surveys.current_response(conn, response.session_id, response.respondent)
    if earlier is not None:
        await surveys.mark_replaced(conn, earlier.id, response.id)
        await tally.record(conn, rt, earlier, sign=-1)
        await report_counts.record(conn, rt, earlier, sign=-1)
        await worksheets.queue_replaced(conn, rt, earlier.id)
    await store_response(conn, rt, response)


async def store_response(conn: Connection, rt: Runtime, response: Response) -> None:
    """A finished response and what it causes, in the caller's transaction: its Jawaban row for the office
    sheet and its suggestions as anonymous "Dari survei" tickets.  Chat, paper and imports all come here."""
    await surveys.insert_response(conn, response)
    await tally.record(conn, rt, response)
    await report_counts.record(conn, rt, response)
    await worksheets.queue_response(conn, rt, response, definition_for(rt))
    await aspirations.tickets_from_survey(conn, rt, response)
