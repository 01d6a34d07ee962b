"""A browser-less Streamlit client: speaks the app's websocket protocol as the frontend does.

One ``StreamlitClient`` is one browser tab. It connects to ``/_stcore/stream``, asks for a
script run of the page its URL names (``rerun_script`` with the query string and page
name), and then follows the server: it keeps the current page's script hash and query
string, remembers the hashes of cacheable messages and reports them on every rerun (so
the server sends references instead of repeating the map, as it does for a browser), and
drives ``st.fragment(run_every=...)`` the way the frontend does: on every ``auto_rerun``
message it starts a timer that sends a fragment rerun each interval, whether or not the
previous one has finished.

Widgets are driven by sending ``rerun_script`` with widget states: ``submit_chat`` types
into the page's ``st.chat_input`` and presses Enter. Every text element the server sends
(markdown, captions, alerts, toasts, code, exceptions) is handed to ``on_text`` with the time it
arrived, which is how the load harness and the fault tests see what a person would see.

    client = StreamlitClient("http://127.0.0.1:8501/board?t=TOKEN", on_text=print)
    await client.connect()
    ...
    await client.close()

``LiveViewer`` is the other kind of board viewer: a phone on the light live board
(``/live/{token}``, plain HTTP polling, see ``harvest/live.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import re
import time
from collections.abc import Callable
from html import unescape as html_unescape
from urllib.parse import quote, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from harvest.access import TOKEN_PARAM

TextHandler = Callable[["StreamlitClient", str, float], None]
SAVED = re.compile(r"Gespeichert \(Nr\. (\d+)\)")
COUNT = re.compile(r"(\d+) Aussagen")
NOT_SAVED = "Nicht gespeichert"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # the map's HTML can be large
ETAG_ATTR = re.compile(r'<div id="live" data-etag="([^"]*)"')
MAP_SRC = re.compile(r'class="live-map"[^>]* src="([^"]+)"')
FULL_RUN_ENDED = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR)


class ProtocolError(RuntimeError):
    """The server sent something a browser would not expect, or closed the stream."""


class StreamlitClient:
    """One simulated browser tab on a Streamlit app (see the module docstring)."""

    def __init__(self, url: str, *, on_text: TextHandler | None = None, name: str = "") -> None:
        parts = urlsplit(url)
        self.name = name or url
        self.ws_url = f"ws://{parts.netloc}/_stcore/stream"
        self.page_name = parts.path.strip("/")
        self.query_string = parts.query
        self.page_script_hash = ""
        self.on_text = on_text
        self.chat_input_id: str | None = None
        self.exceptions: list[str] = []
        self.runs_finished = 0
        self.fragment_runs_finished = 0
        self.statuses: list[int] = []
        self.kinds: dict[str, int] = {}
        self.status_counts: dict[int, int] = {}
        self.fragment_runs = 0
        self.bytes_received = 0
        self.closed_reason: str | None = None
        self._cached_hashes: set[str] = set()
        self._timers: dict[str, tuple[float, asyncio.Task[None]]] = {}
        self._ws: websockets.ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._finished = asyncio.Event()
        self._send_lock = asyncio.Lock()

    # --- connection -----------------------------------------------------------------

    async def connect(self, timeout: float = 60.0) -> None:
        """Open the stream, request the first run and wait until it has finished."""
        self._ws = await websockets.connect(
            self.ws_url, subprotocols=[websockets.Subprotocol("streamlit")],
            max_size=MAX_MESSAGE_BYTES, open_timeout=timeout, ping_interval=None,
        )
        self._reader = asyncio.create_task(self._read_loop(), name=f"read {self.name}")
        self._finished.clear()
        await self.rerun()
        await self.wait_finished(timeout)

    async def close(self) -> None:
        """Stop the fragment timers and close the stream, as closing the tab does."""
        for _interval, task in self._timers.values():
            task.cancel()
        self._timers.clear()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader

    @property
    def connected(self) -> bool:
        return self._ws is not None and self.closed_reason is None

    async def wait_finished(self, timeout: float) -> None:
        """Wait for the end of the script run requested last (``script_finished``)."""
        waiter = asyncio.ensure_future(self._finished.wait())
        done, _ = await asyncio.wait({waiter}, timeout=timeout)
        if not done:
            waiter.cancel()
            raise TimeoutError(f"{self.name}: no script_finished within {timeout:.0f} s "
                               f"(last statuses {self.statuses}, received {self.kinds})")
        if self.closed_reason:
            raise ProtocolError(f"{self.name}: stream closed ({self.closed_reason})")

    # --- what the browser sends -----------------------------------------------------

    async def rerun(
        self, widgets: list[WidgetState] | None = None, *, fragment_id: str = "",
        auto: bool = False,
    ) -> None:
        """Send ``rerun_script``: the whole page, or one fragment (``fragment_id``)."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        if not self.page_script_hash:  # the first run: the server picks the page by URL path
            state.page_name = self.page_name
        state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        state.cached_message_hashes.extend(self._cached_hashes)
        state.widget_states.widgets.extend(widgets or [])
        state.context_info.timezone = "Europe/Berlin"
        state.context_info.locale = "de-DE"
        if not fragment_id:
            self._finished.clear()
        await self._send(msg.SerializeToString())

    async def submit_chat(self, text: str) -> None:
        """Type ``text`` into the page's chat input and press Enter."""
        if self.chat_input_id is None:
            raise ProtocolError(f"{self.name}: the page shows no chat input")
        widget = WidgetState(id=self.chat_input_id)
        widget.chat_input_value.data = text
        await self.rerun([widget])

    async def _send(self, data: bytes) -> None:
        if self._ws is None or self.closed_reason:
            raise ProtocolError(f"{self.name}: not connected ({self.closed_reason})")
        async with self._send_lock:
            await self._ws.send(data)

    async def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        # the frontend's setInterval: fire every interval, never waiting for the last run
        while True:
            await asyncio.sleep(interval)
            try:
                await self.rerun(fragment_id=fragment_id, auto=True)
                self.fragment_runs += 1
            except (ProtocolError, websockets.ConnectionClosed):
                return

    # --- what the server sends ------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self._ws is not None
        try:
            async for data in self._ws:
                if isinstance(data, str):
                    raise ProtocolError("text frame from server")
                self.bytes_received += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg, time.monotonic())
        except websockets.ConnectionClosed as exc:
            self.closed_reason = f"closed: {exc}"
        except (OSError, ProtocolError) as exc:
            self.closed_reason = f"{type(exc).__name__}: {exc}"
        finally:
            if self.closed_reason is None:
                self.closed_reason = "closed by server"
            for _interval, task in self._timers.values():
                task.cancel()
            self._finished.set()  # wake waiters; they check closed_reason

    def _handle(self, msg: ForwardMsg, now: float) -> None:
        kind = msg.WhichOneof("type")
        self.kinds[kind or "?"] = self.kinds.get(kind or "?", 0) + 1
        if msg.metadata.cacheable and msg.hash:
            self._cached_hashes.add(msg.hash)
        if kind == "delta":
            self._handle_element(msg, now)
        elif kind == "navigation":
            self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "new_session":
            if msg.new_session.page_script_hash:
                self.page_script_hash = msg.new_session.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            fragment_id, interval = msg.auto_rerun.fragment_id, msg.auto_rerun.interval
            current = self._timers.get(fragment_id)
            if fragment_id and (current is None or current[0] != interval):
                if current is not None:
                    current[1].cancel()
                task = asyncio.create_task(self._auto_rerun(fragment_id, interval))
                self._timers[fragment_id] = (interval, task)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                entry = self._timers.pop(fragment_id, None)
                if entry is not None:
                    entry[1].cancel()
        elif kind == "script_finished":
            self.runs_finished += 1
            status = msg.script_finished
            self.statuses = [*self.statuses[-9:], status]
            self.status_counts[status] = self.status_counts.get(status, 0) + 1
            # a full run ended; EARLY_FOR_RERUN means the rerun asked for is still to come
            if msg.script_finished in FULL_RUN_ENDED:
                self._finished.set()
            elif msg.script_finished == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                self.fragment_runs_finished += 1

    def _handle_element(self, msg: ForwardMsg, now: float) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        text: str | None = None
        if kind == "markdown":
            text = element.markdown.body
        elif kind == "alert":
            text = element.alert.body
        elif kind == "toast":
            text = element.toast.body
        elif kind == "code":
            text = element.code.code_text
        elif kind == "exception":
            text = f"{element.exception.type}: {element.exception.message}"
            self.exceptions.append(text)
        elif kind == "chat_input":
            self.chat_input_id = element.chat_input.id
        if text is not None and self.on_text is not None:
            self.on_text(self, text, now)


class Facilitator(StreamlitClient):
    """An entry page that submits statements and waits for each "Gespeichert (Nr. ID)"."""

    def __init__(self, url: str, *, name: str = "") -> None:
        super().__init__(url, on_text=None, name=name)
        self.on_text = self._text
        self.answered_at: float | None = None
        self.recent_texts: list[str] = []
        self.acks: dict[int, float] = {}  # every "Gespeichert (Nr. ID)" seen: id -> first time
        self._answer: asyncio.Future[tuple[str, int | None]] | None = None

    def _text(self, _client: StreamlitClient, text: str, now: float) -> None:
        self.recent_texts = [*self.recent_texts[-9:], text]
        saved = SAVED.search(text)
        if saved:
            # kept apart from the pending submission: under load an answer can arrive
            # after its submission timed out, and must not be taken for the next one's
            self.acks.setdefault(int(saved.group(1)), now)
        if self._answer is None or self._answer.done():
            return
        if saved:
            self._answer.set_result(("saved", int(saved.group(1))))
        elif NOT_SAVED in text:
            self._answer.set_result(("not_saved", None))
        elif "schon gespeichert" in text:
            self._answer.set_result(("duplicate", None))
        else:
            return
        self.answered_at = now

    async def submit(self, text: str, timeout: float = 30.0) -> tuple[str, int | None]:
        """Submit ``text`` and wait until its run has finished. Returns ("saved", id),
        ("not_saved", None), ("duplicate", None), ("error", None) if the run ended without
        an answer, ("closed", None) if the stream broke, or ("timeout", None).
        ``answered_at`` holds the time the answer arrived."""
        self._answer = asyncio.get_running_loop().create_future()
        self.answered_at = None
        await self.submit_chat(text)
        try:
            await self.wait_finished(timeout)
        except TimeoutError:
            return ("timeout", None) if not self._answer.done() else self._answer.result()
        except ProtocolError:
            pass
        if self._answer.done():
            return self._answer.result()
        self._answer.cancel()
        return ("error" if self.closed_reason is None else "closed", None)


class Viewer(StreamlitClient):
    """A board page that records when its "N Aussagen" caption changes."""

    def __init__(self, url: str, *, name: str = "") -> None:
        super().__init__(url, on_text=None, name=name)
        self.on_text = self._text
        self.count: int | None = None
        self.changes: list[tuple[float, int]] = []  # (monotonic time, count shown)
        self.reconnecting = 0

    def _text(self, _client: StreamlitClient, text: str, now: float) -> None:
        match = COUNT.search(text)
        if match:
            count = int(match.group(1))
            if count != self.count:
                self.count = count
                self.changes.append((now, count))
        elif "Verbindung zur Datenbank unterbrochen" in text:
            self.reconnecting += 1

    def first_seen(self, count: int) -> float | None:
        """When the board first showed at least ``count`` statements (monotonic)."""
        for when, shown in self.changes:
            if shown >= count:
                return when
        return None


class LiveViewer:
    """A phone on the light live board (``harvest/live.py``), as its page's script does:
    opens ``/live/{token}`` once, then every ``refresh`` seconds asks for
    ``/live/{token}/board?rev=ETAG`` (setInterval: whether or not the last answer came),
    swaps in a new fragment and loads its map picture when the fragment names a new one.
    One keep-alive HTTP/1.1 connection per request in flight, gzip accepted, as a
    browser. Records when its "N Aussagen" caption changes, like ``Viewer``."""

    def __init__(self, url: str, *, name: str = "", refresh: float = 3.0) -> None:
        parts = urlsplit(url)
        token = parts.query.split(f"{TOKEN_PARAM}=", 1)[1].split("&", 1)[0]
        self.name = name or url
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = f"/live/{token}"
        self.refresh = refresh
        self.etag = ""
        self.map_src = ""
        self.count: int | None = None
        self.changes: list[tuple[float, int]] = []
        self.exceptions: list[str] = []
        self.statuses: dict[int, int] = {}
        self.bytes_received = 0
        self.polls = 0
        self.closed_reason: str | None = None
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._timer: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()

    @property
    def connected(self) -> bool:
        return self.closed_reason is None

    async def connect(self, timeout: float = 60.0) -> None:
        """Open the page (first fragment included) and start polling."""
        status, headers, body = await asyncio.wait_for(self._get(self.path), timeout)
        if status != 200:
            raise ProtocolError(f"{self.name}: page answered {status}")
        found = ETAG_ATTR.search(body)
        self.etag = html_unescape(found.group(1)) if found else ""
        await self._show(body)
        self._timer = asyncio.create_task(self._poll_every(), name=f"poll {self.name}")

    async def close(self) -> None:
        tasks = [t for t in (self._timer, *self._inflight) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        for _reader, writer in self._idle:
            writer.close()
        self._idle.clear()

    def first_seen(self, count: int) -> float | None:
        for when, shown in self.changes:
            if shown >= count:
                return when
        return None

    async def _poll_every(self) -> None:
        while True:
            await asyncio.sleep(self.refresh)
            task = asyncio.create_task(self._poll())
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def _poll(self) -> None:
        try:
            status, headers, body = await asyncio.wait_for(
                self._get(f"{self.path}/board?rev={quote(self.etag)}&lang=de"), 60)
        except (OSError, TimeoutError, ProtocolError, asyncio.IncompleteReadError) as exc:
            self.statuses[0] = self.statuses.get(0, 0) + 1
            self.exceptions.append(f"{type(exc).__name__}: {exc}")
            return
        self.polls += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == 200:
            self.etag = headers.get("etag", self.etag)
            await self._show(body)
        elif status != 304:
            self.exceptions.append(f"HTTP {status}")

    async def _show(self, body: str) -> None:
        match = COUNT.search(body)
        if match:
            count = int(match.group(1))
            if count != self.count:
                self.count = count
                self.changes.append((time.monotonic(), count))
        picture = MAP_SRC.search(body)
        if picture and picture.group(1) != self.map_src:  # the browser loads the new picture
            self.map_src = picture.group(1)
            with contextlib.suppress(OSError, TimeoutError, ProtocolError,
                                     asyncio.IncompleteReadError):
                await asyncio.wait_for(self._get(f"{self.path}/{self.map_src.split('/', 1)[1]}"),
                                       60)

    async def _get(self, target: str) -> tuple[int, dict[str, str], str]:
        """One GET on a kept-alive connection (a new one when none is idle); a kept
        connection the server has closed meanwhile is retried on a new one, as browsers do."""
        while self._idle:
            reader, writer = self._idle.pop()
            try:
                return await self._exchange(reader, writer, target)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                    raise
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return await self._exchange(reader, writer, target)

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        target: str) -> tuple[int, dict[str, str], str]:
        try:
            writer.write((f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                          "Accept-Encoding: gzip\r\nUser-Agent: harvest-load\r\n\r\n").encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.strip().lower(): v.strip()
                       for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
            if headers.get("transfer-encoding") == "chunked":
                chunks = []
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    chunks.append(await reader.readexactly(size + 2))
                    if size == 0:
                        break
                data = b"".join(c[:-2] for c in chunks)
            else:
                data = await reader.readexactly(int(headers.get("content-length", "0")))
        except BaseException:
            writer.close()
            raise
        self.bytes_received += len(head) + len(data)
        if headers.get("connection", "").lower() == "close":
            writer.close()
        else:
            self._idle.append((reader, writer))
        if headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        text = data.decode("utf-8", "replace") if not target.split("?")[0].endswith(".png") else ""
        return status, headers, text
