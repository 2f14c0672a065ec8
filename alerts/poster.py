"""A small HTTP/1.1 client for webhook POSTs: keep-alive connections, a few per receiver.

Why not httpx: on this service's hardware its layers (httpcore, anyio, h11) cost about a
millisecond of CPU a request, which capped delivery near 100 a second (bench/README.md). A
webhook POST needs little of it: a fixed request, a status code back, the body discarded.

Each receiver (scheme, host, port) has its own lane: at most `per_receiver` connections and
requests in flight, so a slow or hanging receiver holds its own lane and nothing else. A new
connection resolves the host, checks every address with `allowed` (the service's rule on
private and loopback addresses) and connects to the address it checked, so a name cannot
resolve to one address for the check and another for the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024  # response headers beyond this: the receiver is not speaking HTTP
MAX_BODY = 1024 * 1024  # a response body is read (to keep the connection) but never kept


class Refused(Exception):
    """The target may not be sent to (its address is private, or not https); no request made."""


class Unreachable(Exception):
    """No connection, or no well-formed answer (timeouts are asyncio.TimeoutError)."""


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
# host, port -> the addresses that may be connected to, or raises Refused
Resolver = Callable[[str, str, int], Awaitable[list[str]]]


class Lane:
    """One receiver's connections: idle ones to reuse, and a bound on those in use."""

    def __init__(self, size: int) -> None:
        self.slots = asyncio.Semaphore(size)
        self.idle: list[Connection] = []


class Route:
    """A URL taken apart once: its receiver's lane and the fixed start of each request."""

    def __init__(
        self, url: str, user_agent: str, lanes: dict[tuple[str, str, int], Lane], size: int
    ) -> None:
        parts = urlsplit(url)
        self.scheme, self.host = parts.scheme, parts.hostname or ""
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        key = (self.scheme, self.host, self.port)
        self.lane: Lane = lanes.get(key) or lanes.setdefault(key, Lane(size))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.head = (
            f"POST {target} HTTP/1.1\r\nhost: {parts.netloc.rpartition('@')[2]}\r\n"
            f"user-agent: {user_agent}\r\n"
        ).encode("latin-1")

    def request(self, body: bytes, headers: dict[str, str]) -> bytes:
        fields = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        return b"".join(
            (self.head, f"content-length: {len(body)}\r\n{fields}\r\n".encode("latin-1"), body)
        )


class Poster:
    def __init__(
        self,
        resolve: Resolver,
        *,
        timeout: float = 10.0,
        per_receiver: int = 4,
        in_flight: int = 64,
        user_agent: str = "Crosscheck-Webhooks/1",
    ) -> None:
        self.resolve, self.timeout, self.per_receiver = resolve, timeout, per_receiver
        self.in_flight = asyncio.Semaphore(in_flight)  # over all receivers
        self.user_agent = user_agent
        self.lanes: dict[tuple[str, str, int], Lane] = {}
        self.routes: dict[str, Route] = {}
        self.tls = ssl.create_default_context()

    async def post(self, url: str, body: bytes, headers: Callable[[], dict[str, str]]) -> int:
        """POST and return the status code; Refused, Unreachable or TimeoutError otherwise.
        `headers` is called once a connection is free, so a signature's timestamp is the
        moment of sending, not of queueing."""
        route = self.routes.get(url)
        if route is None:
            route = self.routes[url] = Route(url, self.user_agent, self.lanes, self.per_receiver)
        lane = route.lane
        async with lane.slots, self.in_flight:
            request = route.request(body, headers())
            async with asyncio.timeout(self.timeout):
                while lane.idle:  # a kept-alive connection the receiver may have closed since
                    conn = lane.idle.pop()
                    answer = await self._exchange(conn, request, reused=True)
                    if answer is not None:
                        return self._keep(lane, conn, *answer)
                conn = await self._connect(route.scheme, route.host, route.port)
                answer = await self._exchange(conn, request, reused=False)
                assert answer is not None
                return self._keep(lane, conn, *answer)

    @staticmethod
    def _keep(lane: Lane, conn: Connection, status: int, close: bool) -> int:
        if close:
            _close(conn[1])
        else:
            lane.idle.append(conn)
        return status

    async def _connect(self, scheme: str, host: str, port: int) -> Connection:
        addresses = await self.resolve(scheme, host, port)
        error: Exception = Unreachable("the host has no address")
        for address in addresses:
            try:
                return await asyncio.open_connection(
                    address,
                    port,
                    ssl=self.tls if scheme == "https" else None,
                    server_hostname=host if scheme == "https" else None,
                    limit=MAX_HEAD,
                )
            except (OSError, ssl.SSLError) as exc:
                error = exc
        raise Unreachable(type(error).__name__) from error

    async def _exchange(
        self, conn: Connection, request: bytes, reused: bool
    ) -> tuple[int, bool] | None:
        """Send one request; its status and whether the receiver closes the connection. None:
        a reused connection was closed before any answer came (send again on a new one)."""
        reader, writer = conn
        try:
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status, length, chunked, close = _parse_head(head)
            await _discard_body(reader, length, chunked, close)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            _close(writer)
            if reused and not getattr(exc, "partial", b""):
                return None
            raise Unreachable(type(exc).__name__) from exc
        except (OSError, ValueError, asyncio.LimitOverrunError) as exc:
            _close(writer)
            raise Unreachable(type(exc).__name__) from exc
        except BaseException:  # a timeout or a cancellation mid-exchange: the state is unknown
            _close(writer)
            raise
        return status, close

    async def aclose(self) -> None:
        for lane in self.lanes.values():
            while lane.idle:
                _close(lane.idle.pop()[1])
        self.lanes.clear()
        self.routes.clear()


def _parse_head(head: bytes) -> tuple[int, int | None, bool, bool]:
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError("not an HTTP/1 answer")
    status = int(rest[:3])
    length, chunked, close = None, False, version == "HTTP/1.0"
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            chunked = "chunked" in value
        elif name == "connection":
            close = "close" in value or (close and "keep-alive" not in value)
    if status in (204, 304) or 100 <= status < 200:
        length, chunked = 0, False
    if length is None and not chunked:
        close = True  # the body runs to the end of the connection
    return status, length, chunked, close


async def _discard_body(
    reader: asyncio.StreamReader, length: int | None, chunked: bool, close: bool
) -> None:
    if chunked:
        total = 0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            total += size
            if total > MAX_BODY:
                raise ValueError("answer too long")
            await reader.readexactly(size + 2)
            if size == 0:
                return
    if length is not None:
        if length > MAX_BODY:
            raise ValueError("answer too long")
        await reader.readexactly(length)
    elif close:
        await reader.read(MAX_BODY)


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()


def any_address(scheme: str, host: str, port: int) -> Awaitable[list[str]]:
    """A resolver that allows every address (for a straight baseline in bench/)."""

    async def resolved() -> list[str]:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return [str(info[4][0]) for info in found]  # an IP address (AF_INET or AF_INET6)

    return resolved()
