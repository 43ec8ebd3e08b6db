"""Every HTML email wears the practice's look from templates/emails/base.html: buttons through
emails/_button.html in the practice's accent, never a colour of their own (docs/design.md)."""

import re
from pathlib import Path

import pytest

EMAILS = Path(__file__).resolve().parents[2] / "templates" / "emails"
TEMPLATES = sorted(p for p in EMAILS.glob("*.html") if p.name not in ("base.html", "_button.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.stem for p in TEMPLATES])
def test_it_uses_the_shared_look(path):
    html = path.read_text()

    colours = set(re.findall(r"#[0-9a-fA-F]{6}\b", html)) - {
        "#2b2622",
        "#5c534c",
        "#e4dcd1",
        "#a8321f",
    }  # ink, muted, line, danger
    assert not colours, f"{path.name}: use {{{{ accent }}}} or emails/_button.html, not {colours}"
    assert "display:inline-block;padding" not in html, (
        f'{path.name}: a button is {{% include "emails/_button.html" with href=… label=… %}}'
    )
    if not path.name.startswith("_"):
        assert html.startswith('{% extends "emails/base.html" %}')
