"""The commune's identity: its colours (with their contrast checks), its logo, and the small stylesheet that applies
them to every page.

Communes may not use the State's design system (DSFR: Marianne, the bleu-blanc-rouge block, its fonts and
classes): Guichet's own default colours are not the State's blue, and a commune sets its own in the admin.
The colours reach the pages through CSS custom properties in a per-commune stylesheet served by the app, its
URL versioned by a hash (the CSP forbids inline styles); emails carry them in inline styles, PDFs in their own.

Contrast (WCAG 2.1, 1.4.3 AA; RGAA 3.2): the text colour on the primary colour must reach 4.5:1. Links and
outlined buttons use an "ink" derived from the primary colour, darkened until it reaches 4.5:1 on the pages' light
backgrounds, so that a light primary colour (a yellow band with black text) stays legible everywhere.
"""

import base64
import hashlib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_TEXT_CONTRAST = 4.5
DEFAULT_PRIMARY = "#175e6e"  # a dark teal: not the State's blue (#000091)
DEFAULT_PRIMARY_TEXT = "#ffffff"
PAGE_BACKGROUNDS = ("#ffffff", "#f6f6f6")  # --white and --bg of guichet.css

LOGO_MAX_BYTES = 500 * 1024
LOGO_MAX_SIDE = 2000  # pixels
LOGO_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg")}


def _rgb(colour: str) -> tuple[int, int, int]:
    if not HEX_COLOUR.match(colour or ""):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(channel))):02x}" for channel in rgb)


def relative_luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of an sRGB colour."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1's contrast ratio, from 1 (same luminance) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ratio_text(ratio: float) -> str:
    """« 3,2:1 »: rounded down, so that a ratio shown as 4,5:1 does pass."""
    return f"{int(ratio * 10) / 10:.1f}".replace(".", ",") + ":1"


def validate_colour(value: str) -> None:
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(
            _("Indiquez une couleur au format hexadécimal #rrvvbb, par exemple #175e6e."), code="bad_colour"
        )


def check_text_contrast(primary: str, text: str) -> None:
    """The admin's refusal of a colour pair below WCAG AA for text, with the ratio."""
    ratio = contrast_ratio(primary, text)
    if ratio < MIN_TEXT_CONTRAST:
        raise ValidationError(
            _(
                "Contraste insuffisant entre la couleur principale et la couleur de son texte : %(ratio)s, il faut "
                "au moins 4,5:1 pour que le texte reste lisible (WCAG 2.1 niveau AA, RGAA critère 3.2). "
                "Foncez ou éclaircissez l’une des deux couleurs."
            ),
            params={"ratio": ratio_text(ratio)},
            code="low_contrast",
        )


def _mix(colour: str, other: str, weight: float) -> str:
    """``weight`` of ``other`` mixed into ``colour``."""
    return _hex(tuple(a + (b - a) * weight for a, b in zip(_rgb(colour), _rgb(other), strict=True)))  # type: ignore[arg-type]


def _ink(primary: str) -> str:
    """The primary colour, darkened until text in it reaches 4.5:1 on every light background of the pages."""
    backgrounds = (*PAGE_BACKGROUNDS, _mix(primary, "#ffffff", 0.95))
    ink = primary
    for step in range(1, 21):
        if min(contrast_ratio(ink, background) for background in backgrounds) >= MIN_TEXT_CONTRAST:
            return ink
        ink = _mix(primary, "#000000", step * 0.05)
    return "#000000"


@dataclass(frozen=True)
class Palette:
    brand: str  # header band, primary buttons
    on_brand: str  # text on it
    brand_hover: str  # a primary button under the pointer: further from its text colour
    ink: str  # links, outlined buttons, borders on light backgrounds
    ink_dark: str
    ink_light: str  # tinted backgrounds (notices, hovered tiles)
    ink_mid: str


def palette(primary: str, text: str) -> Palette:
    if not (HEX_COLOUR.match(primary or "") and HEX_COLOUR.match(text or "")):
        primary, text = DEFAULT_PRIMARY, DEFAULT_PRIMARY_TEXT  # a row written around the admin's checks
    light_text = relative_luminance(text) > relative_luminance(primary)
    ink = _ink(primary)
    return Palette(
        brand=primary.lower(),
        on_brand=text.lower(),
        brand_hover=_mix(primary, "#000000" if light_text else "#ffffff", 0.15),
        ink=ink,
        ink_dark=_mix(ink, "#000000", 0.25),
        ink_light=_mix(ink, "#ffffff", 0.95),
        ink_mid=_mix(ink, "#ffffff", 0.88),
    )


def theme_css(primary: str, text: str) -> str:
    """The per-commune stylesheet: custom properties only, read by static/css/guichet.css."""
    colours = palette(primary, text)
    # Only #rrggbb values reach the stylesheet (palette() falls back to the defaults otherwise).
    return (
        "/* The commune's colours (admin: Commune). Generated by guichet/organisation/identity.py. */\n"
        ":root {\n"
        f"  --brand: {colours.brand}; --on-brand: {colours.on_brand}; --brand-hover: {colours.brand_hover};\n"
        f"  --blue: {colours.ink}; --blue-dark: {colours.ink_dark}; --blue-light: {colours.ink_light}; "
        f"--blue-mid: {colours.ink_mid};\n"
        "}\n"
    )


def identity_version(*, primary: str, text: str, logo_name: str) -> str:
    """Short hash of what the stylesheet and the logo's URL serve: a change gives new URLs, cached for ever."""
    material = "\n".join((primary.lower(), text.lower(), logo_name))
    return hashlib.sha256(material.encode()).hexdigest()[:12]


def validate_logo(upload: File) -> None:
    """A PNG or JPEG Pillow can decode, at most ``LOGO_MAX_BYTES`` and ``LOGO_MAX_SIDE`` pixels a side.

    SVG is refused: it may carry scripts and external references, and most email clients do not show it.
    """
    if upload.size is not None and upload.size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("Le logo pèse %(size)s Ko : la limite est de %(max)s Ko."),
            params={"size": upload.size // 1024, "max": LOGO_MAX_BYTES // 1024},
            code="logo_too_big",
        )
    upload.seek(0)
    head = upload.read(512)
    upload.seek(0)
    if b"<svg" in head.lower() or b"<?xml" in head.lower() or (upload.name or "").lower().endswith(".svg"):
        raise ValidationError(
            _(
                "Les logos SVG ne sont pas acceptés (ils peuvent contenir du code, et la plupart des messageries "
                "ne les affichent pas) : envoyez le logo en PNG ou en JPEG."
            ),
            code="logo_svg",
        )
    refused = ValidationError(
        _("Le logo doit être une image PNG ou JPEG lisible."),
        code="logo_format",
    )
    try:
        with Image.open(upload) as image:
            if image.format not in LOGO_FORMATS:
                raise refused
            width, height = image.size
            if max(width, height) > LOGO_MAX_SIDE:
                raise ValidationError(
                    _("Le logo mesure %(w)s × %(h)s pixels : au plus %(max)s pixels de côté."),
                    params={"w": width, "h": height, "max": LOGO_MAX_SIDE},
                    code="logo_too_large",
                )
            image.load()  # decodes it all: a truncated or crafted file fails here
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise refused from None
    finally:
        upload.seek(0)


def logo_content_type(name: str) -> str:
    return "image/jpeg" if name.lower().endswith((".jpg", ".jpeg")) else "image/png"


def logo_data_uri(logo: File) -> str:
    """The logo inlined for a PDF (WeasyPrint fetches nothing but ``data:``); "" when the file is missing."""
    try:
        with logo.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return ""
    return f"data:{logo_content_type(logo.name or '')};base64,{base64.b64encode(data).decode()}"
