"""python-telegram-bot's HTTP layer on aiohttp instead of httpx.

A broadcast is hundreds of small POSTs a second.  Measured on this project's 2-core machine against the
emulator, httpx (PTB's default `HTTPXRequest`) spends about 3.5 ms of CPU per request in its connection
pool and anyio layers; aiohttp makes the same request for about 0.25 ms.  PTB keeps everything else
(building the request, reading Telegram's answer, raising `RetryAfter`, `Forbidden`, ...): this class only
moves bytes, as `telegram.request.BaseRequest` asks of it.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """One aiohttp session with up to `connection_pool_size` connections to the Bot API.

    `on_sent` is called (in the request's task) once the request's headers are written: the pacer counts a
    send's round trip from there (`bot.delivery.pacing.request_left`), not from before a wait for a
    connection."""

    def __init__(
        self,
        connection_pool_size: int = 256,
        *,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        media_write_timeout: float | None = 20.0,
        on_sent: Callable[[], None] | None = None,
    ) -> None:
        self._pool_size = connection_pool_size
        self._on_sent = on_sent
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            traces = []
            if self._on_sent is not None:
                trace = aiohttp.TraceConfig()
                trace.on_request_headers_sent.append(self._headers_sent)
                traces.append(trace)
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                trace_configs=traces,
            )

    async def _headers_sent(self, _session: object, _context: SimpleNamespace, _params: object) -> None:
        if self._on_sent is not None:
            self._on_sent()

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        if files and isinstance(write_timeout, DefaultValue):
            # an upload (a report document) takes as long as it takes to write, then Telegram answers
            read = (
                None
                if read is None or self._media_write_timeout is None
                else read + self._media_write_timeout
            )
        connect = self._connect_timeout if isinstance(connect_timeout, DefaultValue) else connect_timeout
        timeout = aiohttp.ClientTimeout(sock_read=read, sock_connect=connect, connect=connect)
        body: Any = None
        if request_data is not None:
            if files:
                form = aiohttp.FormData()
                for key, value in request_data.json_parameters.items():
                    form.add_field(key, value)
                for key, part in files.items():
                    if isinstance(part, tuple):
                        name, content, *rest = part
                        form.add_field(key, content, filename=name, content_type=rest[0] if rest else None)
                    else:
                        form.add_field(key, part)
                body = form
            else:
                body = aiohttp.FormData(request_data.json_parameters)
        try:
            async with self._session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {exc!r}") from exc
