"""Clinicians' photos: what an upload must be, and the square renditions every page and email
uses. Pure Pillow work on bytes; storing them is `clinician_photo_set` in services.py.

Every upload becomes three square JPEGs (96, 192 and 400 px), named after a digest of their
content, so a replaced photo gets new addresses and the old ones can be cached for ever."""

import hashlib
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Square renditions, in pixels: a small card at 1x, a small card at 2x or a large one at 1x,
# and the profile page at 2x.
PHOTO_SIZES = (96, 192, 400)
LARGEST = PHOTO_SIZES[-1]
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MIN_SIDE = 200
# Past this, a small file could still unpack into gigabytes of pixels.
MAX_PIXELS = 50_000_000
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# Where renditions are stored (under MEDIA_ROOT) and how their names look.
PHOTO_DIR = "clinicians/photos"
RENDITION_NAME = re.compile(rf"^{PHOTO_DIR}/(?P<digest>[0-9a-f]{{16}})-(?P<size>\d+)\.jpg$")
# Transparent parts of a PNG or WebP are laid on the page's own warm white.
BACKGROUND = (250, 248, 245)


@dataclass(frozen=True)
class Renditions:
    digest: str
    files: dict[int, bytes]  # size in px → JPEG bytes

    def name(self, size: int) -> str:
        return rendition_name(self.digest, size)


def rendition_name(digest: str, size: int) -> str:
    return f"{PHOTO_DIR}/{digest}-{size}.jpg"


def rendition_names(stored_name: str) -> dict[int, str]:
    """Each rendition's storage name for the name stored in `Clinician.photo` (its largest), or
    the stored file alone under every size for a photo stored before there were renditions."""
    match = RENDITION_NAME.match(stored_name or "")
    if match is None or int(match["size"]) != LARGEST:
        return dict.fromkeys(PHOTO_SIZES, stored_name) if stored_name else {}
    return {size: rendition_name(match["digest"], size) for size in PHOTO_SIZES}


def photo_open(upload) -> Image.Image:
    """The uploaded image, checked: a JPEG, PNG or WebP of at most 10 MB, at least 200 px on its
    shorter side. Raises ValidationError with a message saying what to fix."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("This photo is %(mb).1f MB; upload one of at most %(limit)s MB."),
            code="photo_too_large",
            params={"mb": size / 1024 / 1024, "limit": MAX_UPLOAD_BYTES // 1024 // 1024},
        )
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    upload.seek(0)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("This photo is larger than %(limit)s MB; upload a smaller one."),
            code="photo_too_large",
            params={"limit": MAX_UPLOAD_BYTES // 1024 // 1024},
        )
    unreadable = ValidationError(
        _("This file isn't a photo we can read. Upload a JPEG, PNG or WebP image."),
        code="photo_unreadable",
    )
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise unreadable from None
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError(
            _("This is a %(found)s image; upload a JPEG, PNG or WebP photo instead."),
            code="photo_type",
            params={"found": image.format or _("unknown")},
        )
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _(
                "This photo is %(width)s × %(height)s pixels; upload one of at most "
                "%(megapixels)s megapixels (a phone photo is fine)."
            ),
            code="photo_too_many_pixels",
            params={"width": width, "height": height, "megapixels": MAX_PIXELS // 1_000_000},
        )
    if min(width, height) < MIN_SIDE:
        raise ValidationError(
            _(
                "This photo is %(width)s × %(height)s pixels; it needs at least %(min)s pixels "
                "on its shorter side to look sharp."
            ),
            code="photo_too_small",
            params={"width": width, "height": height, "min": MIN_SIDE},
        )
    try:
        image.load()
    except (OSError, Image.DecompressionBombError, ValueError):
        raise unreadable from None
    return image


def photo_renditions(image: Image.Image) -> Renditions:
    """Square JPEGs of the photo at every size in PHOTO_SIZES: turned upright as the camera
    recorded it, cropped to the middle square (a little above the middle for a portrait, where
    the face usually is), with no metadata (a phone's EXIF can carry where it was taken)."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, BACKGROUND)
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    else:
        image = image.convert("RGB")
    width, height = image.size
    side = min(width, height)
    left = (width - side) // 2
    # A portrait's face sits in its upper part: take the square a fifth of the spare height down.
    top = (height - side) // 5
    square = image.crop((left, top, left + side, top + side))
    files = {}
    for size in PHOTO_SIZES:
        out = io.BytesIO()
        square.resize((size, size), Image.Resampling.LANCZOS).save(
            out, "JPEG", quality=85, optimize=True, progressive=True
        )
        files[size] = out.getvalue()
    digest = hashlib.sha256(files[LARGEST]).hexdigest()[:16]
    return Renditions(digest=digest, files=files)
