"""Every element a keyboard reaches on every intake page shows where the focus is (WCAG 2.4.7):
Tab through each page and compare how each element looks with focus and without it."""

import io

import pytest
from PIL import Image, ImageChops

from tests.matching.intake_steps import STEP_POSTS, fill_intake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Around the element's box: an outline with an offset sits just outside it.
MARGIN = 8
# A pixel counts as changed when a colour channel moves by more than this (of 255).
THRESHOLD = 40
# True once Tab comes back round to an element it reached before.
SEEN_BEFORE = """(el) => {
    window.focusWalk = window.focusWalk || new WeakSet();
    if (window.focusWalk.has(el)) return true;
    window.focusWalk.add(el);
    return false;
}"""
DESCRIBE = """(el) => {
    const r = el.getBoundingClientRect();
    const name = el.getAttribute("name");
    return {
        what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
            + (name ? `[name=${name}]` : "")
            + (el.getAttribute("value") && el.tagName === "BUTTON" ? `[value=${el.value}]` : "")
            + (el.getAttribute("href") ? `[href=${el.getAttribute("href")}]` : ""),
        x: r.x, y: r.y, width: r.width, height: r.height,
    };
}"""


def _viewport(page) -> Image.Image:
    shot = page.screenshot(animations="disabled", caret="hide")
    return Image.open(io.BytesIO(shot)).convert("RGB")


def _changed_pixels(focused: Image.Image, unfocused: Image.Image, box: dict) -> int:
    left = max(int(box["x"]) - MARGIN, 0)
    top = max(int(box["y"]) - MARGIN, 0)
    right = min(int(box["x"] + box["width"]) + MARGIN, focused.width)
    bottom = min(int(box["y"] + box["height"]) + MARGIN, focused.height)
    if right <= left or bottom <= top:
        return 0
    area = (left, top, right, bottom)
    red, green, blue = ImageChops.difference(focused.crop(area), unfocused.crop(area)).split()
    most = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return sum(most.histogram()[THRESHOLD + 1 :])


def tab_through(page) -> list[tuple[str, int, int]]:
    """Tab from the top of the page to its end; for each element reached, (what it is, the
    pixels its focus changes, the least that counts as visible: its box's perimeter)."""
    found = []
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    for _ in range(400):
        page.keyboard.press("Tab")
        element = page.evaluate_handle("() => document.activeElement")
        if page.evaluate("(el) => el === document.body || el === null", element):
            break
        if page.evaluate(SEEN_BEFORE, element):
            break
        box = page.evaluate(DESCRIBE, element)
        focused = _viewport(page)
        page.evaluate("(el) => el.blur()", element)
        unfocused = _viewport(page)
        page.evaluate("(el) => el.focus({preventScroll: true})", element)
        # Blurring and focusing again must not move the page, or the two shots don't compare.
        assert page.evaluate(DESCRIBE, element)["y"] == box["y"], box["what"]
        perimeter = int(2 * (box["width"] + box["height"]))
        found.append((box["what"], _changed_pixels(focused, unfocused, box), perimeter))
    return found


def test_every_focusable_element_on_every_intake_page_shows_its_focus(
    client, open_page, live_server
):
    # Every step answered (with a worrying safety answer, so the crisis box is there too).
    fill_intake(client, overrides={"safety": {"safety": "several days"}})
    # Without smooth scrolling, a Tab's scroll is over by the time the page is photographed.
    page = open_page(reduced_motion="reduce")
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    pages = ["/intake/", *[f"/intake/step/{slug}/" for slug, _data in STEP_POSTS]]
    pages.append("/intake/review/")

    invisible, reached = [], {}
    for path in pages:
        page.goto(path)
        found = tab_through(page)
        reached[path] = [what for what, _changed, _least in found]
        invisible += [
            f"{path} {what}: {changed} pixels change, at least {least} needed"
            for what, changed, least in found
            if changed < least
        ]

    assert invisible == [], "no visible focus:\n" + "\n".join(invisible)
    # The walk reached what it should: the sliders, radio groups, links and buttons.
    style = reached["/intake/step/therapist/"]
    for slider in ("lead", "focus", "time", "challenge"):
        assert f"input#id_{slider}[name={slider}]" in style
    assert any(what.startswith("input#id_safety_") for what in reached["/intake/step/safety/"])
    assert any("tel:988" in what for what in reached["/intake/step/about/"])
    assert any(what.startswith("button") for what in reached["/intake/review/"])
    assert all(len(found) >= 8 for found in reached.values()), reached
