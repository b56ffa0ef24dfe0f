"""Survey state machine over the store: every accepted step is committed before the bot replies.

The state of one person's survey is a `Draft` row: the current question, the answers so far, a history
stack for "Kembali", and a step counter.  Buttons carry the step they were drawn for, so a double press, a
press on an old message or a replay after a crash changes nothing twice.  Handlers only translate Telegram
updates into calls here and the returned `View` into a message.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.base.i18n import t
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import Question, SurveyDefinition, load_definition
from bot.domain.survey.pseudonym import pseudonym
from bot.store import sessions as store_sessions
from bot.store import surveys
from bot.store.sessions import Session
from bot.store.surveys import Draft, Response

SUMMARY = "summary"
REPLACE = "replace?"
FOLLOWUP = "followup:"
FOLLOWUP_MAX = 1000
LOW_SCORES = ("1", "2")


@dataclass(frozen=True)
class View:
    """What the person should see next: text plus rows of (label, action code) or URL buttons."""

    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    done: bool = False


class SurveyUnavailable(Exception):
    """Not open (closed, not yet open, cancelled, unknown): the message is for the citizen."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def definition_for(rt: Runtime) -> SurveyDefinition:
    if "definition:ngopas" not in rt.cache:
        rt.cache["definition:ngopas"] = load_definition("ngopas")
    return rt.cache["definition:ngopas"]


def respondent_of(rt: Runtime, user_id: int) -> str:
    return pseudonym(rt.settings.require_salt(), user_id)


def survey_open(session: Session, now: datetime) -> bool:
    return not session.cancelled and session.starts_at <= now <= session.survey_closes_at


def check_open(session: Session | None, now: datetime, lang: str) -> Session:
    if session is None:
        raise SurveyUnavailable(t("survey.unknown", lang))
    if session.cancelled:
        raise SurveyUnavailable(t("survey.session_cancelled", lang))
    if now < session.starts_at:
        raise SurveyUnavailable(t("survey.not_yet", lang))
    if now > session.survey_closes_at:
        raise SurveyUnavailable(t("survey.closed", lang))
    return session


# --- the questionnaire walk ----------------------------------------------------------------------------


def _questions(defn: SurveyDefinition, draft: Draft) -> tuple[Question, ...]:
    return defn.active_questions(ipak=draft.ipak)


def _visible(q: Question, answers: dict[str, str | None]) -> bool:
    if not q.show_if:
        return True
    return all(answers.get(dep) in values for dep, values in q.show_if.items())


def visible_questions(defn: SurveyDefinition, draft: Draft) -> list[Question]:
    return [q for q in _questions(defn, draft) if _visible(q, draft.answers)]


def question(defn: SurveyDefinition, key: str) -> Question:
    for q in defn.questions:
        if q.key == key:
            return q
    raise KeyError(key)


def _next_after(defn: SurveyDefinition, draft: Draft, key: str | None) -> str:
    seen = key is None
    for q in _questions(defn, draft):
        if seen and _visible(q, draft.answers):
            return q.key
        if q.key == key:
            seen = True
    return SUMMARY


def _advance(draft: Draft, new_current: str, **changes: object) -> Draft:
    return replace(
        draft, current=new_current, history=[*draft.history, draft.current], step=draft.step + 1, **changes
    )


def choose(defn: SurveyDefinition, draft: Draft, option_index: int) -> Draft | None:
    """A button answer to the current question; None if it does not fit (stale/forged)."""
    if draft.current in (SUMMARY, REPLACE) or draft.current.startswith(FOLLOWUP):
        return None
    q = question(defn, draft.current)
    if q.kind == "text" or not 0 <= option_index < len(q.options):
        return None
    value = q.options[option_index].value
    answers = {**draft.answers, q.key: value}
    # A changed answer can hide later questions (e.g. switching to "hadir langsung" hides stream quality).
    answers = {k: v for k, v in answers.items() if k == q.key or _still_visible(defn, draft, k, answers)}
    followups = dict(draft.followups)
    if q.followup_on_low and value in LOW_SCORES:
        return _advance(replace(draft, answers=answers, followups=followups), FOLLOWUP + q.key)
    followups.pop(q.key, None)
    moved = replace(draft, answers=answers, followups=followups)
    return _advance(moved, _next_after(defn, moved, q.key))


def _still_visible(defn: SurveyDefinition, draft: Draft, key: str, answers: dict[str, str | None]) -> bool:
    try:
        return _visible(question(defn, key), answers)
    except KeyError:
        return False


def skip(defn: SurveyDefinition, draft: Draft) -> Draft | None:
    if draft.current.startswith(FOLLOWUP):
        key = draft.current.removeprefix(FOLLOWUP)
        return _advance(draft, _next_after(defn, draft, key))
    if draft.current in (SUMMARY, REPLACE):
        return None
    q = question(defn, draft.current)
    if not q.optional:
        return None
    moved = replace(draft, answers={**draft.answers, q.key: None})
    return _advance(moved, _next_after(defn, moved, q.key))


def write(defn: SurveyDefinition, draft: Draft, text: str) -> Draft | None:
    """Typed text: the answer to a follow-up or a free-text question; None if a button is expected."""
    text = text.strip()
    if draft.current.startswith(FOLLOWUP):
        key = draft.current.removeprefix(FOLLOWUP)
        moved = replace(draft, followups={**draft.followups, key: text[:FOLLOWUP_MAX]})
        return _advance(moved, _next_after(defn, moved, key))
    if draft.current in (SUMMARY, REPLACE):
        return None
    q = question(defn, draft.current)
    if q.kind != "text":
        return None
    limit = q.max_length or FOLLOWUP_MAX
    moved = replace(draft, answers={**draft.answers, q.key: text[:limit]})
    return _advance(moved, _next_after(defn, moved, q.key))


def back(draft: Draft) -> Draft | None:
    if not draft.history:
        return None
    previous = draft.history[-1]
    return replace(draft, current=previous, history=draft.history[:-1], step=draft.step + 1)


def restart_for_edit(defn: SurveyDefinition, draft: Draft) -> Draft:
    """ "Ubah" on the summary: walk the questions again with the earlier answers marked."""
    return replace(draft, current=_next_after(defn, draft, None), history=[], step=draft.step + 1)


def too_long(defn: SurveyDefinition, draft: Draft, text: str) -> int | None:
    limit = FOLLOWUP_MAX
    if not draft.current.startswith(FOLLOWUP) and draft.current not in (SUMMARY, REPLACE):
        q = question(defn, draft.current)
        if q.kind == "text":
            limit = q.max_length or FOLLOWUP_MAX
    return limit if len(text.strip()) > limit else None


# --- rendering -----------------------------------------------------------------------------------------


def render(defn: SurveyDefinition, draft: Draft, session: Session, lang: str) -> View:
    from html import escape

    title = escape(session.title)
    nav: list[tuple[str, str]] = []
    if draft.history:
        nav.append((t("survey.back", lang), "b"))
    if draft.current == REPLACE:
        return View(
            t("survey.replace_prompt", lang, title=title),
            [[(t("survey.replace_yes", lang), "r")], [(t("survey.replace_no", lang), "n")]],
        )
    if draft.current == SUMMARY:
        lines = []
        for q in visible_questions(defn, draft):
            value = draft.answers.get(q.key)
            shown = (
                t("survey.skipped", lang)
                if value is None
                else (q.label(value, lang) if q.kind != "text" else value)
            )
            lines.append(f"• {escape(_short(q.text.get(lang) or q.text['id']))}: <b>{escape(shown)}</b>")
            if q.key in draft.followups:
                lines.append(f"   ↳ {escape(draft.followups[q.key])}")
        return View(
            t("survey.summary", lang, title=title, answers="\n".join(lines)),
            [[(t("survey.send", lang), "k"), (t("survey.change", lang), "u")], nav]
            if nav
            else [[(t("survey.send", lang), "k"), (t("survey.change", lang), "u")]],
        )
    if draft.current.startswith(FOLLOWUP):
        text = t(
            "survey.followup", lang, question=escape(defn.followup_text.get(lang) or defn.followup_text["id"])
        )
        return View(text, [[(t("survey.skip", lang), "s"), *nav]])
    q = question(defn, draft.current)
    visible = visible_questions(defn, draft)
    number = next((i for i, v in enumerate(visible, 1) if v.key == q.key), 1)
    header = t("survey.progress", lang, n=number, total=len(visible), title=title)
    body = f"{header}\n\n<b>{escape(q.text.get(lang) or q.text['id'])}</b>"
    buttons: list[list[tuple[str, str]]] = []
    if q.kind == "text":
        body += "\n\n" + t("survey.type_answer", lang)
    else:
        chosen = draft.answers.get(q.key)
        for i, option in enumerate(q.options):
            mark = "✓ " if chosen == option.value else ""
            buttons.append([(mark + (option.label.get(lang) or option.label["id"]), f"o{i}")])
    extra = list(nav)
    if q.optional:
        extra.append((t("survey.skip", lang), "s"))
    if extra:
        buttons.append(extra)
    return View(body, buttons)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- store operations ----------------------------------------------------------------------------------


def new_draft(
    rt: Runtime,
    defn: SurveyDefinition,
    session: Session,
    respondent: str,
    chat_id: int,
    lang: str,
    replaces: str | None,
) -> Draft:
    now = rt.clock.now()
    draft = Draft(
        session_id=session.id,
        respondent=respondent,
        chat_id=chat_id,
        message_id=None,
        language=lang,
        definition_id=defn.id,
        definition_version=defn.version,
        ipak=rt.settings.survey_ipak,
        current="",
        step=0,
        answers={},
        followups={},
        history=[],
        replaces=replaces,
        started_at=now,
        updated_at=now,
        reminded_at=None,
    )
    return replace(draft, current=_next_after(defn, draft, None))


async def begin(rt: Runtime, session_id: int, user_id: int, chat_id: int, lang: str) -> tuple[Draft, Session]:
    """Start or resume this person's survey for a session (raises SurveyUnavailable)."""
    defn = definition_for(rt)
    respondent = respondent_of(rt, user_id)
    async with rt.store.begin() as conn:
        session = check_open(await store_sessions.get_session(conn, session_id), rt.clock.now(), lang)
        draft = await surveys.get_draft(conn, session_id, respondent)
        if draft is not None:
            return draft, session
        earlier = await surveys.current_response(conn, session_id, respondent)
        draft = new_draft(rt, defn, session, respondent, chat_id, lang, None)
        if earlier is not None:
            draft = replace(draft, current=REPLACE, replaces=earlier.id)
        await surveys.insert_draft(conn, draft)
        return draft, session


async def finish(rt: Runtime, draft: Draft) -> Response | None:
    """Kirim: store the response (replacing an earlier one if chosen), drop the draft: one transaction.

    None when the draft was already sent (two presses of Kirim): the draft is claimed by deleting it at
    the step that was read, so only one press stores a response.
    """
    now = rt.clock.now()
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
        finished_at=now,
        replaced_by=None,
    )
    async with rt.store.begin() as conn:
        if not await surveys.delete_draft(conn, draft.session_id, draft.respondent, step=draft.step):
            return None
        earlier = await surveys.current_response(conn, draft.session_id, draft.respondent)
        if earlier is not None:
            await surveys.mark_replaced(conn, earlier.id, response.id)
        await surveys.insert_response(conn, response)
        for hook in rt.response_hooks:
            await hook(conn, rt, response)
    return response
