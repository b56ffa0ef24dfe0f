"""Property-based fuzzing of everything a Telegram user can send: text, command arguments, deep-link
payloads and callback data, in every conversation state.  No example may crash a handler (no ERROR log),
leave a partial write, or stop the bot answering.

One real bot (PTB + emulator) serves all examples of a module: hypothesis drives it from a synchronous test
through an asyncio.Runner, so thousands of updates cost seconds, not a bot start each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.base.clock import FakeClock
from bot.dev.emulator import FakeTelegram
from bot.dev.sandbox import SANDBOX_TOKEN, STAFF_ID, running_sandbox
from bot.domain.callbacks import Cb
from bot.domain.sessions import create_session, validate_fields
from bot.store import schema as s

from .conftest import TZ

CITIZEN = 4101
ADMIN = 4102
GROUP = -1004100
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Telegram delivers 1..4096 characters; anything in Unicode, including what breaks naive code.
texts = st.one_of(
    st.text(min_size=1, max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=4096),
    st.sampled_from(
        [
            '=HYPERLINK("http://x","y")',
            "<b>tebal</b> & <script>",
            "*_[]()~`>#+-=|{}.!",
            "'); DROP TABLE response;--",
            "\u202e\u0000\ufeff",
            "🕌" * 500,
            "/",
            "/start",
            "x" * 4096,
        ]
    ),
).filter(lambda t: t.strip("\x00") != "")
commands = st.sampled_from(
    [
        "/start",
        "/ubah",
        "/batal",
        "/laporan",
        "/ekspor",
        "/status",
        "/survei",
        "/langganan",
        "/jadwal",
        "/aspirasi",
        "/aspirasiku",
        "/hapus_data",
        "/sesi_baru",
        "/bantuan",
    ]
)
prefixes = st.sampled_from([cb.value for cb in Cb] + ["", "x", "sv", "as", "hd"])
parts = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-.", max_size=12),
    st.sampled_from(
        ["go", "o0", "o9", "o-1", "s", "b", "k", "u", "r", "n", "yes", "no", "sec", "id", "save"]
    ),
)
forged_callbacks = st.one_of(
    st.builds(lambda p, xs: ":".join([p, *xs]), prefixes, st.lists(parts, max_size=4)),
    st.text(max_size=80),  # oversized or binary junk
)


class Live:
    """A running bot kept across hypothesis examples."""

    def __init__(self, tmp_path) -> None:
        self.runner = asyncio.Runner()
        self.stack = contextlib.AsyncExitStack()
        self.errors: list[logging.LogRecord] = []
        self.tmp_path = tmp_path

    def start(self) -> None:
        self.sb = self.runner.run(self._start())

    async def _start(self):
        tg = FakeTelegram(token=SANDBOX_TOKEN)
        await tg.start()
        self.stack.push_async_callback(tg.stop)
        tg.enforce_limits = False  # thousands of replies in seconds: rate limits are tested elsewhere
        self.clock = FakeClock(datetime(2026, 3, 20, 8, 0, tzinfo=TZ))
        sb = await self.stack.enter_async_context(running_sandbox(self.tmp_path, clock=self.clock, tg=tg))
        # Thousands of replies into one group in seconds: lift the bot's own per-chat pacing too (it would
        # rightly hold group replies to 20 a minute; that is tested in test_pacing and the broadcasts).
        pacer = sb.running.app.bot_data["pacer"]
        pacer._group_per_minute = pacer._private_per_second = 1_000_000
        pacer._interval = 0.0
        tg.add_user(CITIZEN, "Warga")
        tg.add_user(ADMIN, "Admin Grup")
        tg.add_user(STAFF_ID, "Petugas")
        tg.add_group(GROUP, "Majelis", supergroup=True, admins=[ADMIN], members=[CITIZEN])
        values = validate_fields(
            {"title": "Dialog", "section": "PHU", "when": "20/03/2026 09.00-10.00"}, sb.rt
        )
        self.session = (await create_session(sb.rt, values, by=None, source="test")).session
        self.clock.set(datetime(2026, 3, 20, 10, 5, tzinfo=TZ))
        await sb.say(ADMIN, "/langganan", chat=GROUP)
        await sb.press(ADMIN, GROUP, "PHU")
        await sb.press(ADMIN, GROUP, "Selesai")
        return sb

    def run(self, coro):
        return self.runner.run(coro)

    def close(self) -> None:
        self.runner.run(self.stack.aclose())
        self.runner.close()


class ErrorLog(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    bot = Live(tmp_path_factory.mktemp("fuzz"))
    handler = ErrorLog(bot.errors)
    logging.getLogger().addHandler(handler)
    bot.start()
    yield bot
    bot.close()
    logging.getLogger().removeHandler(handler)


def _no_errors(live: Live) -> None:
    assert not live.errors, [r.getMessage() + str(r.exc_info and r.exc_info[1]) for r in live.errors]


async def _counts(sb) -> dict[str, int]:
    async with sb.rt.store.connect() as conn:
        return {
            name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            for name, table in (
                ("response", s.response),
                ("subscription", s.subscription),
                ("aspiration", s.aspiration),
                ("session", s.session),
            )
        }


@FUZZ
@given(text=texts, where=st.sampled_from(["private", "group"]), who=st.sampled_from([CITIZEN, STAFF_ID]))
def test_any_text_in_any_chat(live, text, where, who):
    before = live.run(_counts(live.sb))
    live.run(live.sb.say(who, text, chat=GROUP if where == "group" else None))
    _no_errors(live)
    after = live.run(_counts(live.sb))
    assert after["session"] == before["session"] and after["response"] == before["response"]
    assert after["subscription"] == before["subscription"]  # text alone never subscribes anyone


@FUZZ
@given(command=commands, argument=texts, who=st.sampled_from([CITIZEN, STAFF_ID, ADMIN]), group=st.booleans())
def test_commands_with_any_argument(live, command, argument, who, group):
    live.run(live.sb.say(who, f"{command} {argument}"[:4096], chat=GROUP if group else None))
    live.run(live.sb.say(who, "/batal", chat=GROUP if group else None))  # leave no conversation open
    _no_errors(live)


@FUZZ
@given(payload=st.one_of(st.text(min_size=1, max_size=64), st.from_regex(r"sv-?[0-9]{1,25}", fullmatch=True)))
def test_deep_link_payloads(live, payload):
    before = live.run(_counts(live.sb))
    live.run(live.sb.say(CITIZEN, f"/start {payload}"))
    _no_errors(live)
    assert live.run(_counts(live.sb))["response"] == before["response"]


@FUZZ
@given(
    data=forged_callbacks,
    who=st.sampled_from([CITIZEN, ADMIN]),
    group=st.booleans(),
    offset=st.integers(-3, 3),
)
def test_forged_callback_data(live, data, who, group, offset):
    sb = live.sb
    chat = GROUP if group else who
    messages = sb.tg.messages(chat)
    message_id = (messages[-1].message_id if messages else 1) + offset
    before = live.run(_counts(sb))
    sb.tg.press_button(who, chat, message_id, data)
    live.run(sb.settle())
    _no_errors(live)
    after = live.run(_counts(sb))
    assert after["session"] == before["session"] and after["response"] <= before["response"] + 1
    if who != ADMIN:
        assert after["subscription"] == before["subscription"] or not group  # members never change a group


def test_still_answering_after_the_fuzz(live):
    sb = live.sb
    live.run(sb.say(CITIZEN, "/batal"))
    live.run(sb.say(CITIZEN, "/jadwal"))
    assert "Jadwal" in sb.texts(CITIZEN)[-1] or "Belum ada sesi" in sb.texts(CITIZEN)[-1]
    live.run(sb.say(CITIZEN, f"/start sv{live.session.id}"))
    assert "Pertanyaan 1 dari" in sb.texts(CITIZEN)[-1] or "sudah" in sb.texts(CITIZEN)[-1]
    _no_errors(live)
