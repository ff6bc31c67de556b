"""Render a page in Debian's headless Chromium over the DevTools protocol, for the tests.

`view(url, out_dir)` opens the page once per viewport width and returns what a reader would
see and what the page did: a full-page screenshot, the height, the visible text, every console
message and uncaught exception, every network request, and the values of JavaScript
expressions. It talks to Chromium with `websockets.sync.client` only (no Selenium, no
Playwright), every wait is bounded by `timeout`, and the browser is always killed at the end.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import IO, Any
from urllib.parse import unquote, urlparse

from websockets.sync.client import ClientConnection, connect

CHROMIUM_MISSING = (
    "Debian's chromium is needed to render the report; ./scripts/test installs it "
    "(apt-get install chromium)"
)
VIEWPORT_HEIGHT = 900
MOBILE_BELOW = 600  # viewports narrower than this are emulated as a phone
_NO_EXPRESSIONS: Mapping[str, str] = MappingProxyType({})
# Lets late console messages and layout (web fonts) settle after the load event, at most 0.5 s.
_SETTLE = """Promise.race([
    new Promise(r => setTimeout(r, 500)),
    document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => setTimeout(r)))),
])"""


@dataclass
class PageView:
    """One rendering of a page at one viewport width."""

    width: int
    height: int  # full page height measured (document.documentElement.scrollHeight, CSS px)
    # PNG of the full page, `width` pixels wide (a page without <meta name="viewport"> on a phone
    # is shown zoomed out, as a phone does: its 980 px layout scaled down to `width`)
    screenshot: Path
    console: list[str] = field(default_factory=list)  # every message, as "level: text"
    errors: list[str] = field(default_factory=list)  # the subset at level error
    requests: list[str] = field(default_factory=list)  # every requested URL, the document too
    text: str = ""  # document.body.innerText
    values: dict[str, Any] = field(default_factory=dict)  # the `evaluate` expressions' results
    # With `print_evaluate`: the page printed (print media, A4) as `<stem>-<width>.pdf`, its
    # page count, and those expressions' results under print media.
    pdf: Path | None = None
    pdf_pages: int = 0
    print_values: dict[str, Any] = field(default_factory=dict)


def chromium() -> str:
    """The chromium executable on PATH, or an AssertionError telling how to get it."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError(CHROMIUM_MISSING)


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self, waiting_for: str) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"chromium: no {waiting_for} within {self.seconds:g} s")
        return left


class _DevTools:
    """One DevTools websocket: commands by id, events kept in arrival order."""

    def __init__(self, url: str, deadline: _Deadline) -> None:
        self.deadline = deadline
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._next_id = 0
        self._ws: ClientConnection = connect(
            url,
            open_timeout=deadline.left("DevTools connection"),
            proxy=None,
            compression=None,
            max_size=None,  # full-page screenshots are large
            ping_interval=None,
            close_timeout=2,
        )

    def close(self) -> None:
        self._ws.close()

    def _receive(self, waiting_for: str) -> dict[str, Any]:
        try:
            raw = self._ws.recv(self.deadline.left(waiting_for))
        except TimeoutError:
            raise TimeoutError(
                f"chromium: no {waiting_for} within {self.deadline.seconds:g} s"
            ) from None
        message: dict[str, Any] = json.loads(raw)
        if "method" in message:
            self.events.append((message["method"], message.get("params", {})))
        return message

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = self._receive(f"answer to {method}")
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"chromium: {method} failed: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def wait_for(self, method: str, since: int) -> dict[str, Any]:
        """The first `method` event at or after index `since` of `events`, waiting for it."""
        seen = since
        while True:
            for name, params in self.events[seen:]:
                if name == method:
                    return params
            seen = len(self.events)
            self._receive(method)

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            thrown = details.get("exception", {}).get("description") or details.get("text")
            raise RuntimeError(f"evaluating {expression!r} threw: {thrown}")
        return result["result"].get("value")


def _arg_text(arg: Mapping[str, Any]) -> str:
    if "value" in arg:
        value = arg["value"]
        return value if isinstance(value, str) else json.dumps(value)
    return str(arg.get("unserializableValue") or arg.get("description") or arg.get("type"))


def _messages(events: Sequence[tuple[str, Mapping[str, Any]]]) -> list[tuple[str, str]]:
    """(level, text) of every console call, log entry and uncaught exception, in order."""
    messages = []
    for method, params in events:
        if method == "Runtime.consoleAPICalled":
            kind = params.get("type", "log")
            level = {"warning": "warning", "error": "error", "assert": "error"}.get(kind, kind)
            messages.append((level, " ".join(_arg_text(a) for a in params.get("args", []))))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            thrown = details.get("exception", {}).get("description", "")
            messages.append(("error", f"{details.get('text', 'Uncaught')} {thrown}".strip()))
        elif method == "Log.entryAdded":
            entry = params["entry"]
            where = f" ({entry['url']})" if entry.get("url") else ""
            messages.append((entry.get("level", "info"), f"{entry.get('text', '')}{where}"))
    return messages


def _stem(url: str) -> str:
    return PurePosixPath(unquote(urlparse(url).path)).stem or "page"


def _start(executable: str, profile: Path, log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,  # its own process group: the renderers die with it
    )


def _browser_url(
    process: subprocess.Popen[bytes], profile: Path, log: Path, deadline: _Deadline
) -> str:
    """ws://127.0.0.1:PORT/devtools/browser/ID, from DevToolsActivePort (or the log)."""
    active_port = profile / "DevToolsActivePort"
    while True:
        if active_port.is_file():
            lines = active_port.read_text().split()
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        output = log.read_text(errors="replace")
        for line in output.splitlines():
            if line.startswith("DevTools listening on ws://"):
                return line.removeprefix("DevTools listening on ").strip()
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited ({process.returncode}) at startup:\n{output}")
        try:
            deadline.left("DevTools port")
        except TimeoutError as error:
            raise TimeoutError(f"{error}; its output:\n{output}") from None
        time.sleep(0.05)


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(process.pid, signal.SIGKILL)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _render(
    browser: _DevTools,
    origin: str,
    url: str,
    width: int,
    shot: Path,
    evaluate: Mapping[str, str],
    deadline: _Deadline,
    print_evaluate: Mapping[str, str] | None = None,
) -> PageView:
    target = browser.call("Target.createTarget", url="about:blank")["targetId"]
    page = _DevTools(f"{origin}/devtools/page/{target}", deadline)
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        page.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=VIEWPORT_HEIGHT,
            deviceScaleFactor=1,
            mobile=width < MOBILE_BELOW,
        )
        page.events.clear()  # what about:blank did before is not the page's
        navigated = page.call("Page.navigate", url=url)
        if navigated.get("errorText"):
            raise RuntimeError(f"chromium: {url} did not load: {navigated['errorText']}")
        page.wait_for("Page.loadEventFired", since=0)
        page.evaluate(_SETTLE)
        values = {name: page.evaluate(expression) for name, expression in evaluate.items()}
        text = page.evaluate("document.body ? document.body.innerText : ''")
        height = int(page.evaluate("document.documentElement.scrollHeight"))
        # A phone lays out a page with no <meta name="viewport"> 980 px wide and shows it
        # zoomed out: capture that whole layout width, scaled down to the viewport's.
        layout = max(width, int(page.evaluate("window.innerWidth")))
        clip = {"x": 0, "y": 0, "width": layout, "height": height, "scale": width / layout}
        png = page.call(
            "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
        )
        shot.write_bytes(base64.b64decode(png["data"]))
        pdf, pdf_pages, print_values = None, 0, {}
        if print_evaluate is not None:
            page.call("Emulation.setEmulatedMedia", media="print")
            print_values = {n: page.evaluate(e) for n, e in print_evaluate.items()}
            printed = page.call(
                "Page.printToPDF", paperWidth=8.27, paperHeight=11.69, printBackground=False
            )
            data = base64.b64decode(printed["data"])
            pdf = shot.with_suffix(".pdf")
            pdf.write_bytes(data)
            pdf_pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
        messages = _messages(page.events)
        requests = [
            params["request"]["url"]
            for method, params in page.events
            if method == "Network.requestWillBeSent"
        ]
    finally:
        page.close()
    # Only once the page is done: on an error the browser is killed anyway, and a second error
    # (the deadline has passed) would hide the first.
    browser.call("Target.closeTarget", targetId=target)
    return PageView(
        width=width,
        height=height,
        screenshot=shot,
        console=[f"{level}: {message}" for level, message in messages],
        errors=[f"{level}: {message}" for level, message in messages if level == "error"],
        requests=requests,
        text=text,
        values=values,
        pdf=pdf,
        pdf_pages=pdf_pages,
        print_values=print_values,
    )


def view(
    url: str,
    out_dir: Path,
    widths: Sequence[int] = (1280, 390),
    evaluate: Mapping[str, str] = _NO_EXPRESSIONS,
    timeout: float = 60,
    print_evaluate: Mapping[str, str] | None = None,
) -> list[PageView]:
    """Render `url` at each viewport width; screenshots go to `<out_dir>/<stem>-<width>.png`.

    With `print_evaluate`, the first width's page is also printed to PDF under print media.

    `timeout` bounds the whole call: starting Chromium, every page and every message.
    """
    executable = chromium()
    deadline = _Deadline(timeout)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="browser-", ignore_cleanup_errors=True) as scratch:
        profile, log_path = Path(scratch) / "profile", Path(scratch) / "chromium.log"
        with log_path.open("wb") as log:
            process = _start(executable, profile, log)
            try:
                browser_url = _browser_url(process, profile, log_path, deadline)
                origin = browser_url.split("/devtools/", 1)[0]
                browser = _DevTools(browser_url, deadline)
                try:
                    return [
                        _render(
                            browser,
                            origin,
                            url,
                            width,
                            out_dir / f"{_stem(url)}-{width}.png",
                            evaluate,
                            deadline,
                            print_evaluate if n == 0 else None,
                        )
                        for n, width in enumerate(widths)
                    ]
                finally:
                    browser.close()
            finally:
                _kill(process)
