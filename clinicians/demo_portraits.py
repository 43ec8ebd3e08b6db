"""Portraits for the demo practice: flat illustrations drawn with Pillow, never photographs of
anyone, the same picture for the same clinician on every run (seeded by their email).

A figure in warm colours (head, hair, shoulders, no face) in front of a soft sun on a coloured
ground, each part picked from short lists, so that 40 clinicians look like 40 people."""

import io
import random

from PIL import Image, ImageDraw

SIZE = 480
SCALE = 2  # drawn at twice the size and scaled down: Pillow's shapes have no anti-aliasing

GROUNDS = [
    ("#f2d7c6", "#f8e9df"),  # peach
    ("#e9dfc7", "#f4eee0"),  # sand
    ("#d9e5d6", "#ebf2e9"),  # sage
    ("#efd6d3", "#f7e9e7"),  # rose
    ("#dde3ea", "#eef1f5"),  # mist
    ("#f1e2bd", "#f8efd8"),  # ochre
]
SKIN = ["#8d5a3b", "#a86f4c", "#c68b62", "#d9a67e", "#e8bf9a", "#f1d2b6", "#6e4630", "#b97f5a"]
HAIR = ["#2b2622", "#3d2b22", "#5a3b24", "#7a4b2a", "#a0683a", "#c9a36a", "#8a8580", "#d8d2c8"]
CLOTHES = ["#2f6550", "#a4532f", "#44607a", "#7a5a8a", "#b7791f", "#5c534c", "#3f7d4c", "#8f3e4a"]
HAIR_STYLES = ("short", "long", "bun", "curly", "cropped", "wavy")


def demo_portrait(seed: str) -> bytes:
    """A PNG portrait, 480 px square, the same for the same seed."""
    rng = random.Random(f"portrait:{seed}")
    s = SIZE * SCALE
    ground, sun = rng.choice(GROUNDS)
    image = Image.new("RGB", (s, s), ground)
    draw = ImageDraw.Draw(image)

    # A soft sun behind the figure, somewhere in the upper part.
    r = s * rng.uniform(0.28, 0.38)
    cx, cy = s * rng.uniform(0.3, 0.7), s * rng.uniform(0.25, 0.45)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=sun)
    # A low hill across the bottom.
    hill = _shade(ground, -0.06)
    draw.ellipse((-s * 0.4, s * 0.78, s * 1.4, s * 1.6), fill=hill)

    skin = rng.choice(SKIN)
    hair = rng.choice(HAIR)
    clothes = rng.choice(CLOTHES)
    style = rng.choice(HAIR_STYLES)
    head_r = s * rng.uniform(0.15, 0.17)
    head_x = s * 0.5 + s * rng.uniform(-0.02, 0.02)
    head_y = s * 0.42

    if style == "long":  # hair falling behind the shoulders
        draw.rounded_rectangle(
            (
                head_x - head_r * 1.25,
                head_y - head_r,
                head_x + head_r * 1.25,
                head_y + head_r * 2.3,
            ),
            radius=head_r,
            fill=hair,
        )
    # Shoulders and neck.
    draw.rounded_rectangle(
        (s * 0.2, s * 0.72, s * 0.8, s * 1.15), radius=int(s * 0.18), fill=clothes
    )
    neck_w = head_r * 0.55
    draw.rectangle(
        (head_x - neck_w, head_y + head_r * 0.6, head_x + neck_w, s * 0.76),
        fill=_shade(skin, -0.08),
    )
    # A collar.
    draw.polygon(
        [(head_x - neck_w * 1.6, s * 0.73), (head_x, s * 0.8), (head_x + neck_w * 1.6, s * 0.73)],
        fill=_shade(clothes, 0.18),
    )
    # The head.
    draw.ellipse(
        (head_x - head_r, head_y - head_r * 1.12, head_x + head_r, head_y + head_r * 1.12),
        fill=skin,
    )
    _hair(draw, rng, style, hair, head_x, head_y, head_r)

    image = image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _hair(draw, rng, style, colour, x, y, r) -> None:
    top = y - r * 1.12
    if style in ("short", "long", "wavy"):
        # A cap over the top of the head with a parting.
        draw.chord((x - r * 1.08, top - r * 0.1, x + r * 1.08, y + r * 0.6), 180, 360, fill=colour)
        part = rng.choice((-1, 1)) * r * 0.35
        draw.ellipse(
            (x + part - r * 0.7, top - r * 0.05, x + part + r * 0.7, y - r * 0.2), fill=colour
        )
        if style == "wavy":
            for i in range(4):
                side = -1 if i % 2 == 0 else 1
                cy = y - r * 0.1 + (i // 2) * r * 0.45
                draw.ellipse(
                    (
                        x + side * r * 0.95 - r * 0.25,
                        cy - r * 0.25,
                        x + side * r * 0.95 + r * 0.25,
                        cy + r * 0.25,
                    ),
                    fill=colour,
                )
    elif style == "bun":
        draw.chord((x - r * 1.05, top - r * 0.05, x + r * 1.05, y + r * 0.5), 180, 360, fill=colour)
        draw.ellipse((x - r * 0.45, top - r * 0.75, x + r * 0.45, top + r * 0.15), fill=colour)
    elif style == "curly":
        for i in range(9):
            angle_x = -1 + i / 4
            cx = x + angle_x * r * 0.95
            cy = top + r * 0.25 + abs(angle_x) ** 2 * r * 0.55
            rr = r * 0.36
            draw.ellipse((cx - rr, cy - rr, cx + rr, cy + rr), fill=colour)
    else:  # cropped: a thin cap
        draw.chord((x - r * 1.02, top - r * 0.02, x + r * 1.02, y + r * 0.2), 180, 360, fill=colour)


def _shade(colour: str, amount: float) -> str:
    """The colour lightened (amount > 0) or darkened (amount < 0) by a share."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    target = 255 if amount > 0 else 0
    mixed = [round(c + (target - c) * abs(amount)) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)
