"""The survey as a pure state machine: a draft and an action in, the next draft (or None) and a view out.

The state of one person's survey is a `Draft`: the current question, the answers so far, a history stack
for "Kembali", and a step counter.  Nothing here reads the clock, the store or Telegram, so every rule
(branching, skipping, follow-ups after a low score, going back, the summary) is tested in microseconds;
`bot.domain.survey.flow` stores each accepted step and the Telegram handler draws the returned `View`.

Flow diagram: survey.mmd beside this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from html import escape

from bot.base.i18n import t
from bot.domain import texts
from bot.domain.survey.definition import Question, SurveyDefinition
from bot.store.sessions import Session
from bot.store.surveys import Draft

SUMMARY = "summary"
REPLACE = "replace?"
FOLLOWUP = "followup:"
FOLLOWUP_MAX = 1000
LOW_SCORES = ("1", "2")


class Action(StrEnum):
    """What a survey button asks for; the value is what the button carries (`sv:<session>:<step>:<action>`).

    CHOOSE carries the option's position after its letter (`o0`, `o3`); the others are the code alone.
    """

    CHOOSE = "o"
    SKIP = "s"
    BACK = "b"
    CHANGE = "u"  # "Ubah" on the summary: walk the questions again
    SEND = "k"  # "Kirim" on the summary
    REPLACE = "r"  # answered before: start again and replace the earlier answers
    KEEP = "n"  # answered before: keep the earlier answers
    OPEN = "go"  # open (or continue) the survey from a list or a reminder

    def code(self, option: int | None = None) -> str:
        return f"{self.value}{option}" if self is Action.CHOOSE else self.value

    @classmethod
    def parse(cls, code: str) -> tuple[Action, int | None] | None:
        """`o3` → (CHOOSE, 3), `k` → (SEND, None); None for anything else (stale or forged)."""
        if code.startswith(cls.CHOOSE.value):
            digits = code[len(cls.CHOOSE.value) :]
            return (
                (cls.CHOOSE, int(digits))
                if digits.isascii() and digits.isdigit() and len(digits) <= 3
                else None
            )
        try:
            return cls(code), None
        except ValueError:
            return None


@dataclass(frozen=True)
class View:
    """What the person should see next: text plus rows of (label, button code)."""

    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)


class SurveyUnavailable(Exception):
    """Not open (closed, not yet open, cancelled, unknown): the message is for the citizen."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def visible_questions(defn: SurveyDefinition, draft: Draft) -> list[Question]:
    return [q for q in _questions(defn, draft) if defn.visible(q, draft.answers)]


def _next_after(defn: SurveyDefinition, draft: Draft, key: str | None) -> str:
    seen = key is None
    for q in _questions(defn, draft):
        if seen and defn.visible(q, draft.answers):
            return q.key
        if q.key == key:
            seen = True
    return SUMMARY


def _advance(draft: Draft, new_current: str, **changes: object) -> Draft:
    return replace(
        draft, current=new_current, history=[*draft.history, draft.current], step=draft.step + 1, **changes
    )


def _at_question(draft: Draft) -> bool:
    return draft.current not in (SUMMARY, REPLACE) and not draft.current.startswith(FOLLOWUP)


def choose(defn: SurveyDefinition, draft: Draft, option_index: int) -> Draft | None:
    """A button answer to the current question; None if it does not fit (stale/forged)."""
    if not _at_question(draft):
        return None
    q = defn.question(draft.current)
    if q.kind == "text" or not 0 <= option_index < len(q.options):
        return None
    value = q.options[option_index].value
    answers = {**draft.answers, q.key: value}
    # A changed answer can hide later questions (e.g. switching to "hadir langsung" hides stream quality).
    answers = {k: v for k, v in answers.items() if k == q.key or _still_visible(defn, k, answers)}
    followups = dict(draft.followups)
    if q.followup_on_low and value in LOW_SCORES:
        return _advance(replace(draft, answers=answers, followups=followups), FOLLOWUP + q.key)
    followups.pop(q.key, None)
    moved = replace(draft, answers=answers, followups=followups)
    return _advance(moved, _next_after(defn, moved, q.key))


def _still_visible(defn: SurveyDefinition, key: str, answers: dict[str, str | None]) -> bool:
    try:
        return defn.visible(defn.question(key), answers)
    except KeyError:
        return False


def skip(defn: SurveyDefinition, draft: Draft) -> Draft | None:
    """ "Lewati": only optional questions and follow-ups can be skipped."""
    if draft.current.startswith(FOLLOWUP):
        key = draft.current.removeprefix(FOLLOWUP)
        return _advance(draft, _next_after(defn, draft, key))
    if not _at_question(draft):
        return None
    q = defn.question(draft.current)
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
    if not _at_question(draft):
        return None
    q = defn.question(draft.current)
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


def restart_for_edit(defn: SurveyDefinition, draft: Draft) -> Draft | None:
    """ "Ubah" on the summary: walk the questions again with the earlier answers marked."""
    if draft.current != SUMMARY:
        return None
    return replace(draft, current=_next_after(defn, draft, None), history=[], step=draft.step + 1)


def apply(defn: SurveyDefinition, draft: Draft, action: Action, option: int | None = None) -> Draft | None:
    """A navigation press (choose, skip, back, change) on `draft`; None when it does not fit the current
    step.  SEND, REPLACE, KEEP and OPEN touch the store and are the flow's (`bot.domain.survey.flow`)."""
    if action is Action.CHOOSE and option is not None:
        return choose(defn, draft, option)
    if action is Action.SKIP:
        return skip(defn, draft)
    if action is Action.BACK:
        return back(draft)
    if action is Action.CHANGE:
        return restart_for_edit(defn, draft)
    return None


def too_long(defn: SurveyDefinition, draft: Draft, text: str) -> int | None:
    """The length limit `text` breaks at the current step, or None when it fits."""
    limit = FOLLOWUP_MAX
    if _at_question(draft):
        q = defn.question(draft.current)
        if q.kind == "text":
            limit = q.max_length or FOLLOWUP_MAX
    return limit if len(text.strip()) > limit else None


def new_draft(
    defn: SurveyDefinition,
    *,
    session_id: int,
    respondent: str,
    chat_id: int,
    lang: str,
    now: datetime,
    ipak: bool,
    replaces: str | None = None,
) -> Draft:
    """A fresh walk from the first question (or from "answer again?" when `replaces` an earlier response)."""
    draft = Draft(
        session_id=session_id,
        respondent=respondent,
        chat_id=chat_id,
        message_id=None,
        language=lang,
        definition_id=defn.id,
        definition_version=defn.version,
        ipak=ipak,
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
    return replace(draft, current=REPLACE if replaces else _next_after(defn, draft, None))


def start_again(defn: SurveyDefinition, draft: Draft, now: datetime) -> Draft | None:
    """ "Isi ulang" at the "answer again?" step: a fresh walk that will replace the earlier response."""
    if draft.current != REPLACE:
        return None
    fresh = new_draft(
        defn,
        session_id=draft.session_id,
        respondent=draft.respondent,
        chat_id=draft.chat_id,
        lang=draft.language,
        now=now,
        ipak=draft.ipak,
    )
    return replace(fresh, replaces=draft.replaces, step=draft.step + 1, started_at=draft.started_at)


# --- rendering -----------------------------------------------------------------------------------------


def render(defn: SurveyDefinition, draft: Draft, session: Session, lang: str) -> View:
    title = escape(session.title)
    nav: list[tuple[str, str]] = []
    if draft.history:
        nav.append((t("survey.back", lang), Action.BACK.code()))
    if draft.current == REPLACE:
        return View(
            t("survey.replace_prompt", lang, title=title),
            [
                [(t("survey.replace_yes", lang), Action.REPLACE.code())],
                [(t("survey.replace_no", lang), Action.KEEP.code())],
            ],
        )
    if draft.current == SUMMARY:
        actions = [
            (t("survey.send", lang), Action.SEND.code()),
            (t("survey.change", lang), Action.CHANGE.code()),
        ]
        return View(_summary(defn, draft, title, lang), [actions, nav] if nav else [actions])
    if draft.current.startswith(FOLLOWUP):
        text = t(
            "survey.followup", lang, question=escape(defn.followup_text.get(lang) or defn.followup_text["id"])
        )
        return View(text, [[(t("survey.skip", lang), Action.SKIP.code()), *nav]])
    q = defn.question(draft.current)
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
            buttons.append([(mark + (option.label.get(lang) or option.label["id"]), Action.CHOOSE.code(i))])
    extra = list(nav)
    if q.optional:
        extra.append((t("survey.skip", lang), Action.SKIP.code()))
    if extra:
        buttons.append(extra)
    return View(body, buttons)


def _summary(defn: SurveyDefinition, draft: Draft, title: str, lang: str) -> str:
    """Every answer on one screen.  Typed reasons can be long (1,000 characters each, one per unsur): they
    are shortened until the summary fits one Telegram message, or the person could never press Kirim."""
    each = FOLLOWUP_MAX
    while True:
        lines = []
        for q in visible_questions(defn, draft):
            value = draft.answers.get(q.key)
            if value is None:
                shown = t("survey.skipped", lang)
            else:
                shown = q.label(value, lang) if q.kind != "text" else texts.shorten(value, each)
            lines.append(f"• {escape(_short(q.text.get(lang) or q.text['id']))}: <b>{escape(shown)}</b>")
            if q.key in draft.followups:
                lines.append(f"   ↳ {escape(texts.shorten(draft.followups[q.key], each))}")
        text = t("survey.summary", lang, title=title, answers="\n".join(lines))
        if texts.visible_length(text) <= texts.TEXT_LIMIT or each <= 20:
            return text
        each //= 2


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
