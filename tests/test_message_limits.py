"""Every message the bot builds from what people typed fits Telegram's limits (issue 15 #7).

The emulator refuses what Telegram refuses (4,096 characters after HTML parsing, in UTF-16 units; captions
1,024; callback answers 200; button data 64 bytes).  The most dissatisfied respondents write the longest
reasons; before, their summary was refused, they never saw Kirim and nothing was stored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.base.i18n import t
from bot.base.settings import load_settings
from bot.dev.emulator.telegram import _parsed_length
from bot.domain import aspirations, deadlines, lapor, texts
from bot.domain.announcements import schedule_entry, schedule_pages
from bot.domain.parsing import ParseError, parse_when
from bot.domain.survey import engine
from bot.domain.survey.definition import load_definition
from bot.domain.survey.engine import SUMMARY
from bot.store import schema as s
from bot.store import surveys
from bot.store.aspirations import Aspiration
from bot.store.sessions import Session
from reports.instrument import UNSUR_KEYS

from .conftest import ended_session

NGOPAS = load_definition("ngopas")
NOW = datetime(2026, 3, 20, 3, 5, tzinfo=UTC)
JAKARTA = ZoneInfo("Asia/Jakarta")
ALICE = 901

# What people type: long, with HTML's special characters, emoji outside the BMP (two UTF-16 units each)
# and Javanese script.
typed = st.text(
    alphabet=st.sampled_from(list("abc xyz<>&\"'\n") + ["😡", "🙏", "ꦲ", "ꦏ", "꧀", "é"]),
    min_size=0,
    max_size=2500,
)
# A long reason from a short pattern (Hypothesis explores patterns and lengths, not 6,000 random characters).
long_typed = st.builds(
    lambda pattern, length: (pattern * length)[:length],
    st.text(alphabet=st.sampled_from(list("ab <&>") + ["😡"]), min_size=1, max_size=8),
    st.integers(min_value=900, max_value=6000),
)


def _session(**changes: object) -> Session:
    values: dict[str, object] = {
        "id": 7,
        "title": "Dialog",
        "section": "Bimas Islam",
        "venue": "Aula",
        "starts_at": NOW - timedelta(hours=2),
        "ends_at": NOW - timedelta(hours=1),
        "zoom_url": None,
        "youtube_url": None,
        "speaker": None,
        "status": "planned",
        "rev": 1,
        "version": 1,
        "survey_closes_at": NOW + timedelta(days=7),
        "population": None,
        "source": "test",
        "external_key": None,
    }
    values.update(changes)
    return Session(**values)  # type: ignore[arg-type]


def _ticket(**changes: object) -> Aspiration:
    values: dict[str, object] = {
        "id": 1,
        "ticket": "ASP-2026-0001",
        "category": "langsung",
        "section": "Bimas Islam",
        "session_id": None,
        "text": "Atap bocor",
        "photo_file_id": None,
        "sender_name": None,
        "status": "Selesai",
        "response": "",
        "public": False,
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
        "resolved_at": None,
    }
    values.update(changes)
    return Aspiration(**values)  # type: ignore[arg-type]


def fits(text: str, limit: int = texts.TEXT_LIMIT) -> bool:
    """Measured the emulator's way (written independently of bot.domain.texts)."""
    return 0 < _parsed_length(text, "HTML") <= limit


# --- the measure itself ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "length"),
    [("<b>a</b>", 1), ("&amp;&lt;", 2), ("😡", 2), ('<a href="https://x.org/very/long">Zoom</a>', 4)],
)
def test_length_is_counted_as_telegram_counts_it(html, length):
    assert texts.visible_length(html) == length == _parsed_length(html, "HTML")


@given(text=typed, limit=st.integers(min_value=1, max_value=300))
def test_shorten_respects_its_limit(text, limit):
    cut = texts.shorten(text, limit)
    assert texts.utf16_length(cut) <= limit
    assert cut == text or cut.endswith("…")


@given(text=st.text(alphabet=st.sampled_from(list("ab \n") + ["😡"]), max_size=20000))
def test_split_keeps_every_character_and_each_piece_fits(text):
    pieces = texts.split(text, 4000)
    assert all(texts.utf16_length(p) <= 4000 for p in pieces)
    assert "".join("".join(p.split()) for p in pieces) == "".join(text.split())


# --- every builder, with anything people can type ---------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reasons=st.lists(long_typed, min_size=9, max_size=9), saran=typed, lang=st.sampled_from(["id", "en"]))
def test_the_survey_summary_fits_whatever_the_reasons(reasons, saran, lang):
    draft = engine.new_draft(NGOPAS, session_id=7, respondent="r", chat_id=1, lang=lang, now=NOW, ipak=True)
    answers = {q.key: (q.options[0].value if q.options else None) for q in NGOPAS.questions}
    answers["saran"] = saran[:1000]
    followups = {key: reason[:1000] for key, reason in zip(UNSUR_KEYS, reasons, strict=True)}
    draft = replace(draft, current=SUMMARY, answers=answers, followups=followups, history=["sarana"])
    view = engine.render(NGOPAS, draft, _session(title="D" * 200), lang)
    assert fits(view.text)
    assert any(code == "k" for row in view.buttons for _, code in row)  # Kirim is there


def _staff_rt(lang: str = "id") -> SimpleNamespace:
    return SimpleNamespace(
        settings=load_settings(None, staff_chat_id=-100, language=lang),
        clock=SimpleNamespace(now=lambda: NOW),
        tz=JAKARTA,
    )


@settings(max_examples=30, deadline=None)
@given(
    text=typed,
    section=st.text(min_size=1, max_size=80),
    response=typed,
    lang=st.sampled_from(["id", "en"]),
    passed=st.booleans(),
    named=st.booleans(),
    count=st.integers(min_value=1, max_value=60),
)
def test_deadline_notices_and_the_lapor_text_fit(text, section, response, lang, passed, named, count):
    """The staff group's daily deadline message (however many tickets), and the text for SP4N-LAPOR!."""
    rt = _staff_rt(lang)
    ticket = _ticket(text=text or "x", section=section, response=response, status="Baru")
    notices = [
        deadlines.Notice(
            replace(ticket, id=n, ticket=f"ASP-2026-{n:04d}"), deadlines.RESPONSE, NOW.date(), passed
        )
        for n in range(1, count + 1)
    ]
    message = deadlines.staff_message(rt, notices, NOW.date(), passed=passed)
    assert fits(message.payload["text"])
    assert "ASP-2026-0001" in message.payload["text"]  # at least the first whole
    report = lapor.report_text(rt, ticket, "N" * 300 if named else None)
    assert fits(report)


@settings(max_examples=40, deadline=None)
@given(text=typed, section=st.text(min_size=1, max_size=80), photo=st.booleans())
def test_the_staff_alert_fits_as_a_message_and_as_a_caption(text, section, photo):
    rt = _staff_rt()
    alert = aspirations._staff_alert(
        rt,
        _ticket(text=text or "x", section=section, photo_file_id="F" if photo else None),
        "#7 " + "T" * 200,
    )
    assert alert is not None
    assert fits(alert.payload["text"], texts.CAPTION_LIMIT if photo else texts.TEXT_LIMIT)


@settings(max_examples=40, deadline=None)
@given(
    reply=st.text(alphabet=st.sampled_from(list("ab <&>\n") + ["😡"]), max_size=20000),
    lang=st.sampled_from(["id", "en"]),
)
def test_a_staff_reply_reaches_the_citizen_whole_in_messages_that_fit(reply, lang):
    messages = aspirations._update_messages(_ticket(response=reply, text="x" * 3000), lang)
    assert all(fits(m["text"]) for m in messages)
    said = "".join(texts.plain(m["text"]) for m in messages)
    assert "".join(reply.strip().split()) in "".join(said.split())  # nothing of the reply is lost


@settings(max_examples=30, deadline=None)
@given(tickets=st.lists(st.tuples(typed, typed), min_size=1, max_size=10), lang=st.sampled_from(["id", "en"]))
def test_my_tickets_fit_one_message(tickets, lang):
    items = [
        _ticket(ticket=f"ASP-2026-{n:04d}", text=text or "x", response=reply, section="S" * 80)
        for n, (text, reply) in enumerate(tickets, start=1)
    ]
    text = aspirations.my_tickets_text(items, lang, JAKARTA)
    assert fits(text) and "ASP-2026-0001" in text  # the newest ticket is always shown


@settings(max_examples=30, deadline=None)
@given(count=st.integers(min_value=1, max_value=40), lang=st.sampled_from(["id", "en"]))
def test_schedule_pages_fit_with_the_longest_titles_and_venues(count, lang):
    sessions = [
        _session(
            id=n,
            title="J" * 200,
            venue="V" * 300,
            speaker="S" * 200,
            zoom_url="https://zoom.us/j/" + "1" * 400,
            youtube_url="https://youtube.com/" + "y" * 400,
        )
        for n in range(1, count + 1)
    ]
    entries = [schedule_entry(x, lang, JAKARTA) for x in sessions]
    header = t("schedule.header", lang, page=count, pages=count)
    pages = schedule_pages(entries, header)
    assert sum(len(p) for p in pages) == count and all(1 <= len(p) <= 5 for p in pages)
    assert all(fits("\n\n".join([header, *page])) for page in pages)


@given(value=typed.filter(lambda v: v.strip()))
def test_errors_that_repeat_what_was_typed_stay_short(value):
    try:
        parse_when(value * 3, JAKARTA)
    except ParseError as exc:
        assert fits(t("session.bad_when", "id", reason=str(exc)))


# --- the path a dissatisfied respondent takes ---------------------------------------------------------


async def test_the_most_dissatisfied_respondent_can_send(sb, clock):
    """Every unsur rated 1 with a 1,000-character reason, and a 1,000-character suggestion: the summary and
    /survei still show, Kirim stores the response whole."""
    sb.tg.add_user(ALICE, "Bu Siti")
    session = await ended_session(sb, clock)
    reason = ("Suara Zoom putus-putus & <tidak> jelas 😡 " * 30)[:1000]
    await sb.say(ALICE, f"/start sv{session.id}")
    for _ in range(80):
        message = next(m for m in reversed(sb.tg.messages(ALICE)) if m.reply_markup)
        if "Ringkasan jawaban" in message.text:
            break
        if "Pertanyaan" not in message.text:  # the follow-up after a score of 1
            await sb.say(ALICE, reason)
            continue
        q = next(q for q in NGOPAS.questions if q.text["id"] in message.text)
        if q.kind == "text":
            await sb.say(ALICE, reason)
        elif q.optional:
            await sb.press(ALICE, ALICE, "Lewati")
        else:
            await sb.press(ALICE, ALICE, q.options[0].label["id"])
    summary = sb.tg.messages(ALICE)[-1]
    assert "Ringkasan jawaban" in summary.text and "…" in summary.text
    await sb.say(ALICE, "/survei")  # the open survey is listed; opening it redraws the summary
    await sb.press(ALICE, ALICE, "Dialog")
    assert "Ringkasan jawaban" in next(m.text for m in reversed(sb.tg.messages(ALICE)) if m.reply_markup)
    await sb.press(ALICE, ALICE, "Kirim")
    assert "Terima kasih" in sb.texts(ALICE)[-1]
    async with sb.rt.store.connect() as conn:
        [response] = await surveys.responses(conn, session_id=session.id)
        tickets = (await conn.execute(select(s.aspiration.c.text))).scalars().all()
    assert set(response.followups.values()) == {reason} and response.answers["saran"] == reason
    assert sum(reason in text for text in tickets) == 10  # nine reasons and the suggestion, whole, for staff
