"""SMS length: GSM-7 (160 characters, 153 per part when split) or UCS-2 (70, 67 per part).

One character outside GSM 03.38 switches the whole message to UCS-2 and more than halves its
length, so French text is folded to GSM-7 first, character by character, to the closest faithful
form: the letters GSM-7 has stay (é è à ù ì ò ä ö ü ñ Ç É Ä Ö Ü Ñ Æ æ Ø ø Å å ß), the others lose
their accent (ç → c, as operators do, ê → e, À → A), ligatures are spelt out (œ → oe, Œ → OE, ﬁ → fi),
typographic quotes, dashes, ellipses and the French thin and non-breaking spaces become plain ones.
A character with no faithful form (emoji, CJK, Cyrillic…) is never replaced by something else: the
message then stays as written and goes as UCS-2.
"""

import math
import re
import unicodedata
from dataclasses import dataclass

# GSM 03.38 default alphabet (3GPP TS 23.038, 6.2.1), in table order; ESC (0x1B) is not a character.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")  # extension table: two septets each (escape + character)
GSM7 = GSM7_BASIC | GSM7_EXTENSION

# Characters whose faithful form Unicode's compatibility decomposition (NFKD) does not give.
REPLACEMENTS = {
    # ligatures and letters without a decomposition
    "œ": "oe", "Œ": "OE", "Ð": "D", "ð": "d", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i",
    "Ł": "L", "ł": "l", "Ŧ": "T", "ŧ": "t", "Ŀ": "L", "ŀ": "l", "Ŋ": "N", "ŋ": "n", "Þ": "TH", "þ": "th", "ĸ": "k",
    # quotes and apostrophes
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "ʼ": "'", "`": "'", "´": "'", "‹": "'", "›": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    # dashes, hyphens, minus
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "⁃": "-", "•": "-",
    # other punctuation
    "…": "...", "⁄": "/", "×": "x", "°": "o", "·": ".",
    # spaces (the French thin non-breaking space before « ; : ! ? » included) and invisible characters
    "\t": " ", "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ",
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
}  # fmt: skip
# French guillemets carry their own (non-breaking) spaces: « Éclairage » is "Éclairage", not " Éclairage ".
GUILLEMET_SPACES = re.compile(r"«[ \u00a0\u202f\u2009]+|[ \u00a0\u202f\u2009]+»")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7 for c in text)


def sms_length(text: str) -> SmsLength:
    if is_gsm7(text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        return SmsLength("GSM-7", units, 1 if units <= 160 else math.ceil(units / 153))
    units = len(text.encode("utf-16-le")) // 2  # an emoji is two code units
    return SmsLength("UCS-2", units, 1 if units <= 70 else math.ceil(units / 67))


def gsm7_fold(text: str) -> str:
    """The same message in GSM-7 when every character has a faithful form there; otherwise the text as
    it was (it goes as UCS-2 anyway, and folding would only lose typography). Never more parts."""
    folded = "".join(_fold_char(c) for c in GUILLEMET_SPACES.sub(_guillemet, unicodedata.normalize("NFC", text)))
    if not is_gsm7(folded) or sms_length(folded).segments > sms_length(text).segments:
        # The second case needs a message made mostly of « … »: 70 of them are one UCS-2 part, 210 septets.
        return text
    return folded


def _guillemet(match: re.Match[str]) -> str:
    return match.group(0).strip(" \u00a0\u202f\u2009")


def _fold_char(char: str) -> str:
    if char in GSM7:
        return char
    if char in REPLACEMENTS:
        return REPLACEMENTS[char]
    if unicodedata.combining(char):
        return ""  # an accent left over after composition: dropped, as for the letters GSM-7 lacks
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(REPLACEMENTS.get(c, c) for c in decomposed if not unicodedata.combining(c))
    return base if base and is_gsm7(base) else char
