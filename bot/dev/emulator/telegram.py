"""The fake Bot API server (aiohttp on 127.0.0.1, random port).

Wire format as python-telegram-bot sends it: POST `{base_url}{token}/{method}`, form-encoded (multipart when a
file is attached), complex values JSON-encoded.  Errors come back as Telegram writes them
(`{"ok": false, "error_code", "description", "parameters"}`), so PTB raises its real `RetryAfter`,
`ChatMigrated`, `Forbidden`, `BadRequest` and `InvalidToken`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

INT_KEYS = {
    "chat_id",
    "message_id",
    "from_chat_id",
    "offset",
    "limit",
    "user_id",
    "reply_to_message_id",
    "cache_time",
}
FLOAT_KEYS = {"timeout", "latitude", "longitude"}
JSON_KEYS = {
    "reply_markup",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "entities",
    "menu_button",
}
BOOL_KEYS = {
    "show_alert",
    "disable_notification",
    "drop_pending_updates",
    "disable_web_page_preview",
    "protect_content",
    "allow_paid_broadcast",
}
SENDING = {"sendMessage", "sendPhoto", "sendDocument", "sendVenue"}


@dataclass
class SentMessage:
    """A message the bot sent to a chat, in its current state (edits keep their history)."""

    message_id: int
    chat_id: int
    text: str | None
    reply_markup: dict[str, Any] | None
    kind: str = "text"
    parse_mode: str | None = None
    file_name: str | None = None
    file_size: int = 0
    edits: list[str] = field(default_factory=list)
    deleted: bool = False
    date: int = 0
    venue: dict[str, Any] | None = None  # sendVenue: latitude, longitude, title, address


@dataclass
class RecordedRequest:
    method: str
    params: dict[str, Any]
    time: float
    status: int = 200


@dataclass
class _Fault:
    method: str
    status: int
    description: str
    parameters: dict[str, Any] | None
    remaining: int
    chat_id: int | None


class _Window:
    """At most `limit` events in any sliding `period` (seconds) by the injected clock."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.stamps: deque[float] = deque()

    def allow(self, now: float) -> float:
        """0 if allowed (and counted), else seconds until the window frees."""
        while self.stamps and self.stamps[0] <= now - self.period:
            self.stamps.popleft()
        if len(self.stamps) >= self.limit:
            return self.stamps[0] + self.period - now
        self.stamps.append(now)
        return 0.0


class FakeTelegram:
    """The fake server plus a small simulated world (users, groups) and everything the bot sent."""

    def __init__(
        self,
        *,
        token: str = "123456789:TEST-token-for-the-local-emulator",  # noqa: S107 - a fake token
        bot_username: str = "ngopas_bot",
        enforce_limits: bool = True,
        clock: Callable[[], float] = time.monotonic,
        overall_per_second: int = 30,
        paid_per_second: int = 1000,
        seed: int | None = None,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(token.split(":")[0])
        self.enforce_limits = enforce_limits
        self.clock = clock
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self._admins: dict[int, set[int]] = defaultdict(set)
        self._members: dict[int, set[int]] = defaultdict(set)
        self._blocked: set[int] = set()
        self._kicked: set[int] = set()
        # Channels: the bot posts only as an admin allowed to post (can_post_messages).
        self._channel_posting: dict[int, bool] = {}
        self._migrated: dict[int, int] = {}
        self._messages: dict[int, list[SentMessage]] = defaultdict(list)
        self._by_id: dict[tuple[int, int], SentMessage] = {}
        self._next_message_id: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._stopping = False
        self._faults: list[_Fault] = []
        self._delay = 0.0
        self._jitter = 0.0
        self._random = random.Random(seed)
        self._overall = _Window(overall_per_second, 1.0)
        # Paid broadcast (`allow_paid_broadcast`): Telegram lifts the overall limit to 1,000 a second for a fee
        # per message; per-chat limits stay.
        self._paid = _Window(paid_per_second, 1.0)
        self.paid_messages = 0
        self._chat_windows: dict[int, _Window] = {}
        self.requests: list[RecordedRequest] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] = {"url": ""}
        self.rate_limited = 0
        self.delivered_upto = 0  # highest update_id handed out by any getUpdates (even to a client now gone)
        # Highest update_id the bot confirmed, as Telegram counts it: a getUpdates whose offset is past it.  PTB
        # puts a fetched batch into its update queue before it asks again with the next offset.
        self.acknowledged_upto = 0
        self._request_hooks: list[Callable[[RecordedRequest], None]] = []
        self._holds: dict[int, asyncio.Event] = {}
        self.held: list[RecordedRequest] = []  # requests waiting behind `hold_chat` right now
        # When set, a long poll ends only when an update comes (or the emulator stops), never on its timeout:
        # a test can then show that the bot does not wait for its open poll (to stop, say).
        self.hold_long_polls = False
        self.held_polls = 0  # long polls waiting right now under hold_long_polls
        self.limited_until = 0.0  # by `clock`: until then a client told to retry may still be waiting
        self._counts: dict[str, int] = defaultdict(int)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._stopping = True
        self._new_update.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- the simulated world --------------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        language_code: str = "id",
        username: str | None = None,
        last_name: str | None = None,
    ) -> dict[str, Any]:
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
        if username:
            user["username"] = username
        if last_name:
            user["last_name"] = last_name
        self.users[user_id] = user
        self.chats[user_id] = {"id": user_id, "type": "private", "first_name": first_name}
        return user

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        supergroup: bool = False,
        admins: Iterable[int] = (),
        members: Iterable[int] = (),
    ) -> dict[str, Any]:
        chat = {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": title}
        self.chats[chat_id] = chat
        self._admins[chat_id] = set(admins)
        self._members[chat_id] = set(members) | set(admins)
        return chat

    def add_channel(
        self, chat_id: int, title: str, *, username: str | None = None, admins: Iterable[int] = ()
    ) -> dict[str, Any]:
        """A broadcast channel: admins post, subscribers read; the bot is not in it until added."""
        chat: dict[str, Any] = {"id": chat_id, "type": "channel", "title": title}
        if username:
            chat["username"] = username
        self.chats[chat_id] = chat
        self._admins[chat_id] = set(admins)
        self._members[chat_id] = set(admins)
        self._kicked.add(chat_id)  # not a member yet: posting answers 403 as Telegram does
        return chat

    def add_bot_to_channel(self, chat_id: int, by_user: int, *, can_post: bool = True) -> None:
        """An admin makes the bot an administrator of the channel (bots join channels only as admins)."""
        self._kicked.discard(chat_id)
        old = "administrator" if chat_id in self._channel_posting else "left"
        self._channel_posting[chat_id] = can_post
        self._my_chat_member(chat_id, by_user, old, "administrator", can_post=can_post)

    def remove_bot_from_channel(self, chat_id: int, by_user: int) -> None:
        self._kicked.add(chat_id)
        self._channel_posting.pop(chat_id, None)
        self._my_chat_member(chat_id, by_user, "administrator", "left")

    def _user(self, user_id: int) -> dict[str, Any]:
        if user_id not in self.users:
            self.add_user(user_id, f"User {user_id}")
        return self.users[user_id]

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "NGOPAS", "username": self.bot_username}

    def _push(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        self._new_update.set()
        return update

    def _user_message(self, user_id: int, chat_id: int, **fields: Any) -> dict[str, Any]:
        message_id = next(self._next_message_id[chat_id])
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self.chats[chat_id],
            "from": self._user(user_id),
            **fields,
        }

    def send_text(
        self, user_id: int, text: str, *, chat_id: int | None = None, reply_to: int | None = None
    ) -> dict[str, Any]:
        """A user writes `text` (a command gets its bot_command entity)."""
        self._user(user_id)
        chat_id = user_id if chat_id is None else chat_id
        fields: dict[str, Any] = {"text": text}
        match = re.match(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
        if match:
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": len(match.group(0))}]
        if reply_to is not None and (chat_id, reply_to) in self._by_id:
            sent = self._by_id[(chat_id, reply_to)]
            fields["reply_to_message"] = self._message_json(sent)
        return self._push({"message": self._user_message(user_id, chat_id, **fields)})

    def send_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """A user shares a location (📎 → Location)."""
        self._user(user_id)
        chat_id = user_id if chat_id is None else chat_id
        location = {"latitude": latitude, "longitude": longitude}
        return self._push({"message": self._user_message(user_id, chat_id, location=location)})

    def send_photo(
        self, user_id: int, *, caption: str | None = None, chat_id: int | None = None
    ) -> dict[str, Any]:
        """A user sends a photo (three sizes, as Telegram delivers them), optionally with a caption."""
        self._user(user_id)
        chat_id = user_id if chat_id is None else chat_id
        unique = f"photo{next(self._update_ids)}"
        sizes = [
            {
                "file_id": f"{unique}-{w}",
                "file_unique_id": f"{unique}-{w}",
                "width": w,
                "height": w,
                "file_size": w * 90,
            }
            for w in (90, 320, 1280)
        ]
        fields: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            fields["caption"] = caption
        return self._push({"message": self._user_message(user_id, chat_id, **fields)})

    def user_deletes(self, chat_id: int, message_id: int) -> None:
        """The person deletes a message on one device while another still shows it with its buttons: a
        press there reaches the bot, and an edit of that message fails with "message to edit not found"."""
        self._by_id[(chat_id, message_id)].deleted = True

    def press_button(self, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        """A user presses an inline button with `data` on message `message_id`."""
        query_id = str(next(self._callback_ids))
        sent = self._by_id.get((chat_id, message_id))
        message = (
            self._message_json(sent)
            if sent
            else {"message_id": message_id, "date": 0, "chat": self.chats[chat_id]}
        )
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._user(user_id),
                    "chat_instance": str(chat_id),
                    "data": data,
                    "message": message,
                }
            }
        )
        return query_id

    def _member(self, user: dict[str, Any], status: str, *, can_post: bool | None = None) -> dict[str, Any]:
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator" and can_post is not None:
            member.update({"can_post_messages": can_post, "can_edit_messages": can_post})
        if status == "kicked":
            member["until_date"] = 0
        if status == "creator":
            member["is_anonymous"] = False
        if status == "administrator":
            member.update(
                {
                    key: False
                    for key in (
                        "can_be_edited",
                        "is_anonymous",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    )
                }
            )
            member.update(
                {
                    key: True
                    for key in (
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_promote_members",
                        "can_change_info",
                        "can_invite_users",
                    )
                }
            )
        return member

    def _my_chat_member(
        self, chat_id: int, by_user: int, old: str, new: str, *, can_post: bool | None = None
    ) -> None:
        self._push(
            {
                "my_chat_member": {
                    "chat": self.chats[chat_id],
                    "from": self._user(by_user),
                    "date": int(time.time()),
                    "old_chat_member": self._member(self._bot_user(), old, can_post=can_post),
                    "new_chat_member": self._member(self._bot_user(), new, can_post=can_post),
                }
            }
        )

    def add_bot_to_group(self, chat_id: int, by_user: int) -> None:
        self._kicked.discard(chat_id)
        self._my_chat_member(chat_id, by_user, "left", "member")

    def remove_bot_from_group(self, chat_id: int, by_user: int) -> None:
        self._kicked.add(chat_id)
        self._my_chat_member(chat_id, by_user, "member", "kicked")

    def block_bot(self, user_id: int) -> None:
        self._blocked.add(user_id)
        self._my_chat_member(user_id, user_id, "member", "kicked")

    def migrate_group(self, old_chat_id: int, new_chat_id: int) -> None:
        """The group becomes a supergroup with a new id; sends to the old id now answer 400 + migrate_to_chat_id."""
        old = self.chats[old_chat_id]
        self.chats[new_chat_id] = {"id": new_chat_id, "type": "supergroup", "title": old.get("title", "")}
        self._admins[new_chat_id] = set(self._admins[old_chat_id])
        self._members[new_chat_id] = set(self._members[old_chat_id])
        self._migrated[old_chat_id] = new_chat_id
        admin = next(iter(self._admins[old_chat_id]), self.bot_id)
        self._push({"message": self._user_message(admin, old_chat_id, migrate_to_chat_id=new_chat_id)})
        self._push({"message": self._user_message(admin, new_chat_id, migrate_from_chat_id=old_chat_id)})

    def inject_update(self, update: dict[str, Any]) -> None:
        self._push(update)

    # --- reading back ---------------------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self._messages.get(chat_id, []) if not m.deleted]

    def last_message(self, chat_id: int) -> SentMessage | None:
        msgs = self.messages(chat_id)
        return msgs[-1] if msgs else None

    @staticmethod
    def buttons(msg: SentMessage) -> list[list[dict[str, Any]]]:
        return list((msg.reply_markup or {}).get("inline_keyboard", []))

    @property
    def undelivered(self) -> int:
        """Updates injected but not yet handed out by any getUpdates.

        Not "the bot has them": a long poll whose client is gone (a bot stopped or killed while polling) still
        takes the next update and answers into a closed connection.  See `unacknowledged`.
        """
        return sum(1 for u in self._updates if u["update_id"] > self.delivered_upto)

    @property
    def unacknowledged(self) -> int:
        """Updates injected but not yet confirmed by a live bot (a later getUpdates with a higher offset).

        Zero means every injected update is in the bot's hands: PTB queues a fetched batch for its handlers
        before it polls again with the next offset.
        """
        return sum(1 for u in self._updates if u["update_id"] > self.acknowledged_upto)

    def count(self, method: str) -> int:
        return self._counts[method]

    def on_request(self, hook: Callable[[RecordedRequest], None]) -> None:
        """Call `hook` with each request as it arrives, before it is answered (to act at an exact moment)."""
        self._request_hooks.append(hook)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait until `predicate()` holds.  No time limit unless `timeout` is given (benchmarks): tests wait on
        the event itself and leave hangs to the suite's global guard (pytest-timeout)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not predicate():
            if deadline is not None and loop.time() > deadline:
                raise AssertionError(
                    f"condition not met within {timeout}s; last requests: {[r.method for r in self.requests[-10:]]}"
                )
            await asyncio.sleep(0.01)

    # --- faults ---------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
        chat_id: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        parameters: dict[str, Any] | None = None
        if status == 429:
            parameters = {"retry_after": retry_after or 1}
        if migrate_to_chat_id is not None:
            parameters = {"migrate_to_chat_id": migrate_to_chat_id}
            old = self.chats.get(chat_id or 0)
            if chat_id is not None and old is not None and migrate_to_chat_id not in self.chats:
                self.chats[migrate_to_chat_id] = {
                    "id": migrate_to_chat_id,
                    "type": "supergroup",
                    "title": old.get("title", ""),
                }
        text = description or {
            429: "Too Many Requests: retry after",
            403: "Forbidden: bot was blocked by the user",
        }.get(status, "Error")
        self._faults.append(_Fault(method, status, text, parameters, times, chat_id))

    def set_delay(self, seconds: float, *, jitter: float = 0.0) -> None:
        """Answer every call but getUpdates after about `seconds`, a network round trip: half on the way in
        (the limits are counted when a request *arrives*, as at Telegram), half on the way back, each leg
        stretched or shortened at random by up to `jitter` (a fraction: 0.05 is +-5 %)."""
        self._delay = seconds
        self._jitter = jitter

    def _leg(self) -> float:
        half = self._delay / 2
        return half * (1 + self._random.uniform(-self._jitter, self._jitter)) if self._jitter else half

    def hold_chat(self, chat_id: int) -> asyncio.Event:
        """Leave every request addressed to `chat_id` unanswered until the returned event is set: one
        person's slow connection (or a long `retry_after`), to show that nobody else waits for it."""
        gate = self._holds[chat_id] = asyncio.Event()
        return gate

    # --- HTTP -----------------------------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=b"", status=404)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:  # type: ignore[union-attr]
                    data = await part.read()  # type: ignore[union-attr]
                    params[part.name] = {"file_name": part.filename, "size": len(data)}  # type: ignore[union-attr]
                else:
                    params[part.name] = await part.text()  # type: ignore[union-attr]
        elif request.method == "POST":
            if request.content_type == "application/json":
                params = await request.json()
            else:
                params = dict(await request.post())
        params.update(request.query)
        return {key: self._decode(key, value) for key, value in params.items()}

    @staticmethod
    def _decode(key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if key in JSON_KEYS:
            with contextlib.suppress(ValueError):
                return json.loads(value)
        if key in INT_KEYS and re.fullmatch(r"-?\d+", value):
            return int(value)
        if key in FLOAT_KEYS:
            with contextlib.suppress(ValueError):
                return float(value)
        if key in BOOL_KEYS:
            return value == "true"
        return value

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.match_info["token"]
        if token != self.token:
            return self._error(401, "Unauthorized")
        params = await self._params(request)
        record = RecordedRequest(method, params, self.clock())
        self.requests.append(record)
        self._counts[method] += 1
        for hook in self._request_hooks:
            hook(record)
        delayed = bool(self._delay) and method != "getUpdates"
        if delayed:
            await asyncio.sleep(self._leg())
            record.time = self.clock()  # when it reached "Telegram": what the limits count
        gate = self._holds.get(params.get("chat_id"))  # type: ignore[arg-type]
        if gate is not None and not gate.is_set():
            self.held.append(record)
            try:
                await gate.wait()
            finally:
                self.held.remove(record)
        response = self._fault_for(method, params) or self._limit(method, params)
        if response is None:
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                response = self._error(404, "Not Found: method not found")
            else:
                try:
                    result = handler(params)
                    if asyncio.iscoroutine(result):
                        result = await result
                    response = result if isinstance(result, web.Response) else self._ok(result)
                except _ApiError as exc:
                    response = self._error(exc.status, exc.description, exc.parameters)
        record.status = response.status
        if delayed:
            await asyncio.sleep(self._leg())
        return response

    def _fault_for(self, method: str, params: dict[str, Any]) -> web.Response | None:
        for fault in self._faults:
            if (
                fault.method == method
                and fault.remaining > 0
                and (fault.chat_id is None or fault.chat_id == params.get("chat_id"))
            ):
                fault.remaining -= 1
                self._faults = [f for f in self._faults if f.remaining > 0]
                return self._error(fault.status, fault.description, fault.parameters)
        return None

    def _limit(self, method: str, params: dict[str, Any]) -> web.Response | None:
        if not self.enforce_limits or method not in SENDING:
            return None
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            return None
        now = self.clock()
        window = self._chat_windows.get(chat_id)
        if window is None:
            # Groups: 20 per minute.  Private chats: 1 per second sustained; Telegram "may allow short
            # bursts" (Bot FAQ), which a conversation needs, so any 10-second window may hold 10.
            window = _Window(20, 60.0) if chat_id < 0 else _Window(10, 10.0)
            self._chat_windows[chat_id] = window
        wait = window.allow(now)
        if wait <= 0:
            paid = params.get("allow_paid_broadcast") is True
            wait = (self._paid if paid else self._overall).allow(now)
            if wait > 0:
                window.stamps.pop()  # not sent after all: give the chat its slot back
            elif paid:
                self.paid_messages += 1
        if wait <= 0:
            return None
        self.rate_limited += 1
        retry = max(1, int(wait + 0.999))
        self.limited_until = max(self.limited_until, now + retry)
        return self._error(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    # --- methods --------------------------------------------------------------------------------------

    def _resolve(self, chat_id: Any) -> Any:
        """`@username` names a public channel or supergroup, as in Telegram."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for known, chat in self.chats.items():
                if chat.get("username", "").lower() == chat_id[1:].lower():
                    return known
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _target(self, params: dict[str, Any]) -> int:
        chat_id = self._resolve(params.get("chat_id"))
        if not isinstance(chat_id, int) or chat_id not in self.chats:
            raise _ApiError(400, "Bad Request: chat not found")
        if chat_id in self._migrated:
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        if chat_id in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self._kicked:
            if self.chats[chat_id]["type"] == "channel":
                raise _ApiError(403, "Forbidden: bot is not a member of the channel chat")
            raise _ApiError(403, "Forbidden: bot was kicked from the group chat")
        if self.chats[chat_id]["type"] == "channel" and not self._channel_posting.get(chat_id):
            raise _ApiError(400, "Bad Request: need administrator rights in the channel chat")
        return chat_id

    def _message_json(self, msg: SentMessage) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "date": msg.date,
            "chat": self.chats[msg.chat_id],
        }
        if self.chats[msg.chat_id]["type"] == "channel":
            data["sender_chat"] = self.chats[msg.chat_id]  # a channel post is signed by the channel
        else:
            data["from"] = self._bot_user()
        if msg.kind == "venue":
            venue = msg.venue or {}
            location = {"latitude": venue.get("latitude"), "longitude": venue.get("longitude")}
            data["venue"] = {
                "location": location,
                "title": venue.get("title"),
                "address": venue.get("address"),
            }
            data["location"] = location
        elif msg.kind == "text":
            data["text"] = msg.text or ""
        else:
            data["caption"] = msg.text or ""
            if msg.kind == "photo":
                data["photo"] = [
                    {
                        "file_id": f"photo{msg.message_id}",
                        "file_unique_id": f"p{msg.message_id}",
                        "width": 800,
                        "height": 600,
                    }
                ]
            else:
                data["document"] = {
                    "file_id": f"doc{msg.message_id}",
                    "file_unique_id": f"d{msg.message_id}",
                    "file_name": msg.file_name,
                }
        if msg.reply_markup:
            data["reply_markup"] = msg.reply_markup
        if msg.edits:
            data["edit_date"] = int(time.time())
        return data

    def _store(self, chat_id: int, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("text") if kind == "text" else params.get("caption")
        file = params.get("photo") or params.get("document")
        msg = SentMessage(
            message_id=next(self._next_message_id[chat_id]),
            chat_id=chat_id,
            text=text,
            reply_markup=params.get("reply_markup") or None,
            kind=kind,
            parse_mode=params.get("parse_mode"),
            file_name=file.get("file_name") if isinstance(file, dict) else None,
            file_size=file.get("size", 0) if isinstance(file, dict) else 0,
            date=int(time.time()),
        )
        self._messages[chat_id].append(msg)
        self._by_id[(chat_id, msg.message_id)] = msg
        return self._message_json(msg)

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset")
        if isinstance(offset, int):
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self.acknowledged_upto = max(self.acknowledged_upto, offset - 1)
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0 and not self._stopping:
            self._new_update.clear()
            if self.hold_long_polls:
                self.held_polls += 1
                try:
                    await self._new_update.wait()
                finally:
                    self.held_polls -= 1
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), timeout)
        limit = int(params.get("limit") or 100)
        batch = self._updates[:limit]
        if batch:
            self.delivered_upto = max(self.delivered_upto, batch[-1]["update_id"])
        return batch

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target(params)
        _check_text(params)
        _check_keyboard(params)
        return self._store(chat_id, "text", params)

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_caption(params)
        _check_keyboard(params)
        return self._store(self._target(params), "photo", params)

    def _m_sendVenue(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target(params)
        venue = {key: params.get(key) for key in ("latitude", "longitude", "title", "address")}
        lat, lon = venue["latitude"], venue["longitude"]
        if (
            not isinstance(lat, float)
            or not isinstance(lon, float)
            or not (-90 <= lat <= 90 and -180 <= lon <= 180)
        ):
            raise _ApiError(400, "Bad Request: wrong latitude or longitude")
        for key in ("title", "address"):
            if not isinstance(venue[key], str) or not venue[key].strip():
                raise _ApiError(400, f"Bad Request: venue {key} must be non-empty")
        msg = SentMessage(
            message_id=next(self._next_message_id[chat_id]),
            chat_id=chat_id,
            text=None,
            reply_markup=None,
            kind="venue",
            date=int(time.time()),
            venue=venue,
        )
        self._messages[chat_id].append(msg)
        self._by_id[(chat_id, msg.message_id)] = msg
        return self._message_json(msg)

    def venues(self, chat_id: int) -> list[dict[str, Any]]:
        """The map pins (sendVenue) the bot sent to a chat."""
        return [m.venue for m in self.messages(chat_id) if m.kind == "venue" and m.venue]

    def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_caption(params)
        return self._store(self._target(params), "document", params)

    def _edited(self, params: dict[str, Any]) -> SentMessage:
        chat_id = params.get("chat_id")
        msg = self._by_id.get((chat_id, params.get("message_id")))  # type: ignore[arg-type]
        if msg is None or msg.deleted:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return msg

    def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_text(params)
        _check_keyboard(params)
        msg = self._edited(params)
        markup = params.get("reply_markup") or None
        if msg.text == params.get("text") and msg.reply_markup == markup:
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are exactly the same",
            )
        msg.edits.append(msg.text or "")
        msg.text = params.get("text")
        msg.reply_markup = markup
        msg.parse_mode = params.get("parse_mode")
        return self._message_json(msg)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        msg = self._edited(params)
        msg.reply_markup = params.get("reply_markup") or None
        return self._message_json(msg)

    def _m_deleteMessage(self, params: dict[str, Any]) -> bool:
        self._edited(params).deleted = True
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if len(params.get("text") or "") > CALLBACK_ANSWER_LIMIT:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers.append(
            {
                "id": params.get("callback_query_id"),
                "text": params.get("text"),
                "show_alert": params.get("show_alert", False),
            }
        )
        return True

    def _m_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chats.get(self._resolve(params.get("chat_id")))
        if chat is None:
            raise _ApiError(400, "Bad Request: chat not found")
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _m_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, user_id = self._resolve(params.get("chat_id")), params.get("user_id")
        if chat_id not in self.chats:
            raise _ApiError(400, "Bad Request: chat not found")
        if self.chats[chat_id]["type"] == "channel":
            if user_id == self.bot_id:
                if chat_id in self._kicked:
                    return self._member(self._bot_user(), "left")
                return self._member(
                    self._bot_user(), "administrator", can_post=self._channel_posting.get(chat_id)
                )
            if chat_id in self._kicked:  # a bot outside a channel may not look at its members
                raise _ApiError(400, "Bad Request: member list is inaccessible")
        user = self._user(int(user_id))  # type: ignore[arg-type]
        if chat_id == user_id:
            return self._member(user, "member")
        admins = sorted(self._admins.get(chat_id, set()))  # type: ignore[arg-type]
        if admins and user_id == admins[0]:
            return self._member(user, "creator")
        if user_id in self._admins.get(chat_id, set()):  # type: ignore[arg-type]
            return self._member(user, "administrator")
        if user_id in self._members.get(chat_id, set()):  # type: ignore[arg-type]
            return self._member(user, "member")
        return self._member(user, "left")

    def _m_getChatAdministrators(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        chat_id = self._resolve(params.get("chat_id"))
        if chat_id not in self.chats:
            raise _ApiError(400, "Bad Request: chat not found")
        return [
            self._m_getChatMember({"chat_id": chat_id, "user_id": a})
            for a in sorted(self._admins.get(chat_id, set()))
        ]  # type: ignore[arg-type]

    def _m_getChatMemberCount(self, params: dict[str, Any]) -> int:
        return len(self._members.get(params.get("chat_id"), set())) + 1  # type: ignore[arg-type]

    def _scope_key(self, params: dict[str, Any]) -> str:
        scope = (params.get("scope") or {}).get("type", "default")
        lang = params.get("language_code") or ""
        return f"{scope}:{lang}" if lang else scope

    def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands[self._scope_key(params)] = list(params.get("commands") or [])
        return True

    def _m_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        return self.commands.get(self._scope_key(params), [])

    def _m_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
        return True

    def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": ""}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _m_setChatMenuButton(self, params: dict[str, Any]) -> bool:
        return True

    def _m_close(self, params: dict[str, Any]) -> bool:
        return True

    def _m_logOut(self, params: dict[str, Any]) -> bool:
        return True


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


# Telegram's limits on what a message carries, counted as Telegram counts them: after entity parsing (the
# HTML tags do not count, `&amp;` is one character) and in UTF-16 code units (an emoji outside the BMP is
# two).  The bot's own measure is bot.domain.texts.visible_length; this one is written independently.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
CALLBACK_DATA_BYTES = 64


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _parsed_length(text: str, parse_mode: str | None) -> int:
    if parse_mode == "HTML":
        parser = _Visible()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    return len(text.encode("utf-16-le")) // 2


def _check_text(params: dict[str, Any]) -> None:
    text = params.get("text") or ""
    length = _parsed_length(text, params.get("parse_mode"))
    if length == 0:
        raise _ApiError(400, "Bad Request: message text is empty")
    if length > TEXT_LIMIT:
        raise _ApiError(400, "Bad Request: message is too long")


def _check_caption(params: dict[str, Any]) -> None:
    if _parsed_length(params.get("caption") or "", params.get("parse_mode")) > CAPTION_LIMIT:
        raise _ApiError(400, "Bad Request: message caption is too long")


def _check_keyboard(params: dict[str, Any]) -> None:
    for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise _ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_BYTES:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
