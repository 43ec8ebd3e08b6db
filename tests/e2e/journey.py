"""Helpers for the end-to-end journey: a person using the site by mouse or by keyboard (with or
without JavaScript), the emails the worker sent, and what the process logged."""

import logging
import re
import sys
import time
from urllib.parse import urlsplit

from django.core import mail

from .conftest import assert_fits_width, axe_check, choose_option, tab_to

SNAPSHOT_PATH = "/__axe_snapshot__/"
# Pages axe has passed in this run: (JavaScript on, route, what the page shows).
AXE_CHECKED: set[tuple] = set()
# What tells two renderings of one route apart: the heading, messages, errors, and the forms.
STATE_SCRIPT = """() => [
    document.querySelector("h1")?.textContent.trim(),
    [...document.querySelectorAll(".alert, .invalid-feedback, .errorlist")].map(
        (el) => el.className).join("|"),
    [...document.querySelectorAll("main form")].map((f) => f.elements.length).join(","),
    document.querySelectorAll("main a, main button").length,
].join("\\n")"""


def _route(url: str) -> str:
    """The URL's path with its secrets (tokens, ids) replaced, without the query."""
    path = urlsplit(url).path
    path = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", path)
    return re.sub(r"/[^/]{30,}/", "/<token>/", path)


def wait_for(condition, *, seconds: float = 20.0, what: str = "the condition"):
    """Poll until `condition()` is true; fail with a clear message if it never is."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"Gave up waiting {seconds} s for {what}")


class Person:
    """Someone using the site on a phone-sized page, by mouse (clicks) or by keyboard alone.

    Every page they land on is checked: one h1, no sideways scrolling, no server error, and no
    axe-core violations. Without JavaScript axe can't run in the page itself, so the page's
    markup is checked in `axe_page`, a JavaScript-enabled page whose own scripts are blocked:
    the same document the browser without JavaScript shows."""

    def __init__(self, page, *, keyboard: bool = False, axe_page=None):
        self.page = page
        self.keyboard = keyboard
        self.axe_page = axe_page
        self.server_errors = []
        self.visited = []
        page.on(
            "response",
            lambda response: response.status >= 500 and self.server_errors.append(response.url),
        )
        if axe_page is not None:
            self._snapshot = ""
            axe_page.context.route("**/*.js", lambda route: route.abort())
            axe_page.route(
                f"**{SNAPSHOT_PATH}",
                lambda route: route.fulfill(
                    status=200, content_type="text/html; charset=utf-8", body=self._snapshot
                ),
            )

    # Pages

    def check(self) -> None:
        page = self.page
        self.visited.append(page.url)
        assert self.server_errors == [], f"server errors: {self.server_errors}"
        assert page.locator("h1").count() == 1, f"{page.url} has no single h1"
        assert_fits_width(page)
        state = page.evaluate(STATE_SCRIPT)
        key = (self.axe_page is None, _route(page.url), state)
        if key in AXE_CHECKED:
            # The same page in the same state, checked earlier in this run (by another variant).
            return
        AXE_CHECKED.add(key)
        if self.axe_page is None:
            axe_check(page)
        else:
            self._snapshot = page.content()
            self.axe_page.goto(SNAPSHOT_PATH)
            try:
                axe_check(self.axe_page)
            except AssertionError as exc:
                raise AssertionError(f"{page.url} (without JavaScript): {exc}") from None

    def open(self, path: str) -> None:
        """Type an address (or open a link from an email)."""
        self.page.goto(path)
        self.check()

    def text(self, selector: str = "main") -> str:
        return self.page.locator(selector).first.inner_text()

    # Actions

    def activate(self, selector: str) -> None:
        """Follow a link or press a button that loads another page."""
        page = self.page
        with page.expect_navigation():
            if self.keyboard:
                tab_to(page, selector)
                page.keyboard.press("Enter")
            else:
                page.locator(selector).first.click()
        self.check()

    def toggle(self, selector: str) -> None:
        """Open or close a disclosure (a <details>' summary) without leaving the page."""
        if self.keyboard:
            tab_to(self.page, selector)
            self.page.keyboard.press("Enter")
        else:
            self.page.locator(selector).first.click()

    def fill(self, selector: str, text: str) -> None:
        if self.keyboard:
            tab_to(self.page, selector)
            self.page.keyboard.press("ControlOrMeta+a")
            self.page.keyboard.type(text)
        else:
            self.page.fill(selector, text)
        assert self.page.input_value(selector) == text

    def tick(self, selector: str) -> None:
        """Tick a checkbox."""
        if self.keyboard:
            tab_to(self.page, selector)
            if not self.page.is_checked(selector):
                self.page.keyboard.press("Space")
        else:
            self.page.check(selector)
        assert self.page.is_checked(selector)

    def choose(self, name: str, value: str) -> None:
        """Pick a radio button; by keyboard, Tab into the group and move with the arrow keys."""
        page = self.page
        target = f'input[type="radio"][name="{name}"][value="{value}"]'
        if not self.keyboard:
            page.check(target)
        else:
            tab_to(page, f'input[type="radio"][name="{name}"]')
            moves = page.evaluate(
                """([name, value]) => {
                    const group = `input[type=radio][name="${name}"]`;
                    const radios = [...document.querySelectorAll(group)];
                    return radios.findIndex((r) => r.value === value)
                        - radios.indexOf(document.activeElement);
                }""",
                [name, value],
            )
            for _ in range(abs(moves)):
                page.keyboard.press("ArrowDown" if moves > 0 else "ArrowUp")
            if not page.is_checked(target):
                page.keyboard.press("Space")
        assert page.is_checked(target)

    def select(self, selector: str, value: str) -> None:
        if self.keyboard:
            choose_option(self.page, selector, value)
        else:
            self.page.select_option(selector, value)
        assert self.page.input_value(selector) == value

    def slide(self, selector: str, value: int) -> None:
        """Move a range slider to `value` (arrow keys, or dragging's result by mouse)."""
        page = self.page
        if self.keyboard:
            tab_to(page, selector)
            moves = value - int(page.input_value(selector))
            for _ in range(abs(moves)):
                page.keyboard.press("ArrowRight" if moves > 0 else "ArrowLeft")
        else:
            page.fill(selector, str(value))
        assert page.input_value(selector) == str(value)


# The emails the worker sent


def email_texts(message) -> list[str]:
    """Everything a message carries, decoded: headers, text and HTML bodies, attachments."""
    parts = [message.subject, *message.to, message.body]
    parts += [content for content, _mimetype in getattr(message, "alternatives", [])]
    for part in message.message().walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        parts.append(payload.decode(part.get_content_charset() or "utf-8", errors="replace"))
        parts += [str(value) for value in part.values()]
    return parts


def link_in(message, pattern: str) -> str:
    """The one link matching `pattern` in a message's text body (the same in its HTML body)."""
    links = set(re.findall(rf"https?://\S*{pattern}\S*/", message.body))
    html_links = set(
        re.findall(rf'href="(https?://[^"]*{pattern}[^"]*/)"', message.alternatives[0][0])
    )
    assert len(links) == 1, f"expected one {pattern} link in {message.subject!r}: {links}"
    assert links == html_links, "the text and HTML bodies link to different places"
    return links.pop()


def wait_for_emails(count: int) -> list:
    wait_for(lambda: len(mail.outbox) >= count, what=f"{count} emails (have {len(mail.outbox)})")
    return list(mail.outbox)


# What the process logged


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


class LogWatch:
    """Every log record of every logger at DEBUG, and the console handlers' output on the
    process's stderr (where production's JSON lines go), for the duration of a test."""

    def __init__(self, caplog, capfd):
        self.caplog = caplog
        self.capfd = capfd
        self.collector = Collect()
        self._attached = []
        self._streams = []

    def start(self) -> "LogWatch":
        self.caplog.set_level(logging.DEBUG)
        root = logging.getLogger()
        loggers = [root] + [
            logger
            for logger in logging.root.manager.loggerDict.values()
            if isinstance(logger, logging.Logger)
        ]
        for logger in loggers:
            if logger is not root and logger.level != logging.NOTSET:
                self.caplog.set_level(logging.DEBUG, logger=logger.name)
            # Non-propagating loggers (django.request, django.server) never reach the root.
            if logger is root or not logger.propagate:
                logger.addHandler(self.collector)
                self._attached.append(logger)
            for handler in logger.handlers:
                # Console handlers keep the stream they were configured with (pytest's own
                # capture, at start-up); point them at the process's stderr, which capfd reads.
                if type(handler) is logging.StreamHandler and handler.stream is not sys.__stderr__:
                    self._streams.append((handler, handler.stream))
                    handler.stream = sys.__stderr__
        return self

    def stop(self) -> str:
        for logger in self._attached:
            logger.removeHandler(self.collector)
        for handler, stream in self._streams:
            handler.stream = stream
        self._attached, self._streams = [], []
        sys.__stderr__.flush()
        out, err = self.capfd.readouterr()
        # Echo what was captured, so a failing run still shows it.
        sys.stdout.write(out)
        sys.stderr.write(err)
        return out + err

    def lines(self) -> list[str]:
        lines = []
        for record in [*self.collector.records, *self.caplog.records]:
            lines.append(record.getMessage())
            lines.append(repr(record.__dict__))
            if record.exc_info and record.exc_info[1] is not None:
                lines.append(logging.Formatter().formatException(record.exc_info))
        return lines
