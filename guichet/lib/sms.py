"""SMS length: GSM-7 (160 characters, 153 per part when split) or UCS-2 (70, 67 per part).

One character outside GSM 03.38 switches the whole message to UCS-2 and more than halves its
length, so French text is folded to GSM-7 first: the accents GSM-7 has (é è à ù ì ò Ç) stay, the
others lose their accent (ç → c, ê → e), typographic quotes and dashes become plain ones.
"""

import math
import unicodedata
from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")  # two septets each (escape + character)
REPLACEMENTS = {"’": "'", "‘": "'", "«": '"', "»": '"', "“": '"', "”": '"', "–": "-", "—": "-", "…": "...",
                "°": "o", "\u00a0": " ", "\u202f": " "}  # fmt: skip


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def sms_length(text: str) -> SmsLength:
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        return SmsLength("GSM-7", units, 1 if units <= 160 else math.ceil(units / 153))
    units = len(text.encode("utf-16-le")) // 2  # an emoji is two code units
    return SmsLength("UCS-2", units, 1 if units <= 70 else math.ceil(units / 67))


def gsm7_fold(text: str) -> str:
    """The closest GSM-7 text; characters with no equivalent (emojis…) are kept, and make it UCS-2."""
    folded = []
    for char in text:
        char = REPLACEMENTS.get(char, char)
        if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in char):
            folded.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        folded.append(base if base and all(c in GSM7_BASIC for c in base) else char)
    return "".join(folded)
