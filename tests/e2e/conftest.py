"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Reuse `browser_page` (a phone-sized page that records every request leaving the live server's
origin in `page.off_origin_requests`) and `axe_check(page)`."""

import os
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
# plain synchronous code, so Django's async-safety guard must stand down here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _phone_page(chromium, live_server, **options):
    """A phone-sized page in a fresh context (its own cookies: one person) that records every
    request leaving the live server's origin, from any page of the context."""
    options = {"viewport": PHONE, "locale": "en-US", "timezone_id": "America/Chicago", **options}
    context = chromium.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    home = _origin(live_server.url)
    page.off_origin_requests = []

    def record(request):
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if _origin(request.url) != home:
            page.off_origin_requests.append(request.url)

    context.on("request", record)
    return context, page


@pytest.fixture
def browser_page(chromium, live_server):
    context, page = _phone_page(chromium, live_server)
    yield page
    context.close()
    assert page.off_origin_requests == [], "requests left the app's origin"


@pytest.fixture
def open_page(chromium, live_server):
    """Open more checked pages, each in its own context: `open_page()` for another person,
    `open_page(java_script_enabled=False)` for a browser without JavaScript."""
    opened = []

    def open_(**options):
        context, page = _phone_page(chromium, live_server, **options)
        opened.append((context, page))
        return page

    yield open_
    for context, _page in opened:
        context.close()
    for _context, page in opened:
        assert page.off_origin_requests == [], "requests left the app's origin"


def axe_check(page) -> None:
    """Run axe-core (bundled, injected locally) on the page and fail on any violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    details = [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node['failureSummary']}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]
    assert results.violations_count == 0, f"{page.url}\n" + "\n".join(details)


def tab_to(page, selector: str, *, limit: int = 250) -> None:
    """Press Tab until the element matching `selector` has focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} can't be reached with the Tab key on {page.url}")


def choose_option(page, selector: str, value: str) -> None:
    """Pick an option of a <select> with the arrow keys."""
    tab_to(page, selector)
    moves = page.evaluate(
        """([s, v]) => {
            const el = document.querySelector(s);
            const target = [...el.options].findIndex((o) => o.value === v);
            if (target < 0) throw new Error("no option " + v);
            return target - el.selectedIndex;
        }""",
        [selector, value],
    )
    key = "ArrowDown" if moves > 0 else "ArrowUp"
    for _ in range(abs(moves)):
        page.keyboard.press(key)
    assert page.eval_on_selector(selector, "el => el.value") == value


def assert_fits_width(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"
