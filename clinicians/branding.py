"""The practice's brand: its name, logo and accent colour, as staff set them in the admin
(`PracticeBrand`), read once per request from the shared cache.

Also the contrast arithmetic the accent is checked with (WCAG 2.x relative luminance) and the
logo's one rendition. docs/design.md says where the accent is used and why it must pass."""

import hashlib
import io
import re
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# The design system's own colours (static/css/alliance.css) that an accent meets.
DEFAULT_ACCENT = "#2f6550"
WHITE = "#ffffff"
PAGE = "#faf7f2"  # --al-linen
TEXT = "#2b2622"  # --al-ink
AA = 4.5
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

CACHE_KEY = "clinicians:practice-brand:v1"
CACHE_SECONDS = 60 * 60

LOGO_DIR = "brand"
LOGO_HEIGHT = 80  # shown 40 px tall: sharp on a 2x screen
LOGO_MAX_WIDTH = 480
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MIN_HEIGHT = 40
LOGO_MAX_PIXELS = 25_000_000


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two #rrggbb colours, from 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(colour: str, other: str, share: float) -> str:
    """`share` of `colour` mixed into `other`, as CSS color-mix(in srgb) does."""
    parts = [
        round(int(colour[i : i + 2], 16) * share + int(other[i : i + 2], 16) * (1 - share))
        for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{p:02x}" for p in parts)


def accent_tint(accent: str) -> str:
    """The accent's light tint (--al-accent-tint): behind hovered outline buttons and badges."""
    return mix(accent, WHITE, 0.09)


def accent_problems(accent: str) -> list[str]:
    """What an accent fails, each with its ratio and the 4.5:1 it needs (empty if it passes).

    The accent is text on white and on the page (links, outline buttons), white text sits on it
    (buttons), and the text colour sits on its tint (hovered buttons, badges)."""
    pairs = [
        (
            contrast(accent, WHITE),
            _("against white (links, and the white text on buttons)"),
        ),
        (contrast(accent, PAGE), _("against the page's background (links)")),
        (
            contrast(TEXT, accent_tint(accent)),
            _("for the text colour on the accent's light tint"),
        ),
    ]
    return [
        _(
            "%(colour)s has a contrast of %(ratio).2f:1 %(where)s; it needs at least 4.5:1 "
            "(WCAG AA). Choose a darker shade."
        )
        % {"colour": accent, "ratio": int(ratio * 100) / 100, "where": where}
        for ratio, where in pairs
        if ratio < AA
    ]


# The cached read


@dataclass(frozen=True)
class Brand:
    name: str
    accent: str
    logo_url: str = ""
    logo_width: int = 0
    logo_height: int = 0

    @property
    def accent_is_default(self) -> bool:
        return self.accent.lower() == DEFAULT_ACCENT

    @property
    def version(self) -> str:
        """Changes whenever the accent does: the brand stylesheet's address carries it."""
        return hashlib.sha256(self.accent.lower().encode()).hexdigest()[:10]

    @property
    def accent_strong(self) -> str:
        return mix(self.accent, "#000000", 0.78)

    @property
    def accent_tint(self) -> str:
        return accent_tint(self.accent)


def default_brand() -> Brand:
    return Brand(name=settings.PRACTICE_NAME, accent=DEFAULT_ACCENT)


def practice_brand() -> Brand:
    """The brand every page and email shows: one cache read, and one query when the cache has
    not got it (after staff save, or while Redis is down)."""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return Brand(**cached)
    from django.core.files.storage import default_storage

    from .models import PracticeBrand

    try:
        row = PracticeBrand.objects.order_by("pk").first()
    except DatabaseError:
        # The error pages still render while the database is down: with the default brand,
        # not kept, so the practice's own comes back with the database.
        return default_brand()
    if row is None:
        brand = default_brand()
    else:
        brand = Brand(
            name=row.name or settings.PRACTICE_NAME,
            accent=(row.accent or DEFAULT_ACCENT).lower(),
            logo_url=default_storage.url(row.logo.name) if row.logo else "",
            logo_width=row.logo_width or 0,
            logo_height=row.logo_height or 0,
        )
    cache.set(CACHE_KEY, asdict(brand), CACHE_SECONDS)
    return brand


def practice_brand_forget() -> None:
    cache.delete(CACHE_KEY)


# The logo


@dataclass(frozen=True)
class Logo:
    name: str
    content: bytes
    width: int
    height: int


def logo_rendition(upload) -> Logo:
    """The uploaded logo, checked (a JPEG, PNG or WebP of at most 2 MB, at least 40 px tall) and
    redrawn as a PNG 80 px tall (transparency kept, metadata dropped). Raises ValidationError
    saying what to fix."""
    if getattr(upload, "size", 0) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("This logo is %(kb)s KB; upload one of at most 2 MB."),
            code="logo_too_large",
            params={"kb": upload.size // 1024},
        )
    upload.seek(0)
    data = upload.read(LOGO_MAX_BYTES + 1)
    upload.seek(0)
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("This logo is over 2 MB; upload a smaller one."), code="logo_too_large"
        )
    unreadable = ValidationError(
        _("This file isn't an image we can read. Upload the logo as a PNG, JPEG or WebP."),
        code="logo_unreadable",
    )
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise unreadable from None
    if image.format not in ("PNG", "JPEG", "WEBP"):
        raise ValidationError(
            _("This is a %(found)s image; upload the logo as a PNG, JPEG or WebP."),
            code="logo_type",
            params={"found": image.format},
        )
    width, height = image.size
    if width * height > LOGO_MAX_PIXELS:
        raise ValidationError(
            _("This logo is %(width)s × %(height)s pixels; upload a smaller one."),
            code="logo_too_many_pixels",
            params={"width": width, "height": height},
        )
    if height < LOGO_MIN_HEIGHT:
        raise ValidationError(
            _("This logo is %(height)s pixels tall; it needs at least %(min)s to look sharp."),
            code="logo_too_small",
            params={"height": height, "min": LOGO_MIN_HEIGHT},
        )
    try:
        image = ImageOps.exif_transpose(image).convert("RGBA")
    except (OSError, ValueError):
        raise unreadable from None
    scale = min(LOGO_HEIGHT / image.height, LOGO_MAX_WIDTH / image.width, 1)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    content = out.getvalue()
    digest = hashlib.sha256(content).hexdigest()[:16]
    return Logo(
        name=f"{LOGO_DIR}/{digest}-{size[1]}.png",
        content=content,
        width=size[0],
        height=size[1],
    )
