"""Reading raw email as real clients write it: lying charsets, 8-bit headers, nested parts.

Nothing here raises on a message's content: every function falls back to something readable.
"""

import codecs
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.headerregistry import Address
from email.message import EmailMessage

from inscriptis import get_text

# Clients label text with a charset and use its Microsoft or national superset: decode with the superset.
SUPERSETS = {
    "gb2312": ("gbk", "gb18030"),
    "gbk": ("gb18030",),
    "euc-cn": ("gbk", "gb18030"),
    "ks_c_5601-1987": ("cp949",),
    "euc-kr": ("cp949",),
    "iso-8859-1": ("windows-1252",),
    "latin-1": ("windows-1252",),
    "us-ascii": ("windows-1252",),
    "ascii": ("windows-1252",),
    "shift_jis": ("cp932",),
    "sjis": ("cp932",),
    "x-sjis": ("cp932",),
    "iso-8859-9": ("windows-1254",),
    "iso-8859-11": ("cp874",),
    "tis-620": ("cp874",),
    "big5": ("big5hkscs",),
}
HEADER_NAME = re.compile(rb"^(?:From |[\x21-\x39\x3b-\x7e]+[ \t]*:)")


def _codec(label: str) -> str | None:
    try:
        return codecs.lookup(label.strip().strip('"').lower()).name
    except (LookupError, ValueError):
        return None


def charset_candidates(label: str | None) -> list[str]:
    """The supersets of the declared charset, then the charset itself, then what unlabelled mail usually is."""
    label = (label or "").strip().strip('"').lower()
    names = [*SUPERSETS.get(label, ()), label, "utf-8", "windows-1252"]
    found: list[str] = []
    for name in names:
        codec = _codec(name) if name else None
        if codec and codec not in found:
            found.append(codec)
    return found


def decode_text(data: bytes, label: str | None) -> str:
    """The first candidate that decodes without replacing anything; latin-1 (never fails) otherwise."""
    for codec in charset_candidates(label):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def _unescape(text: str, hint: str | None) -> str:
    """Raw 8-bit bytes kept as surrogates by the parser, decoded: UTF-8, then the body's charset, then latin-1."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    for codec in ("utf-8", *charset_candidates(hint)[:-2]):
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def _raw_value(message: EmailMessage, name: str) -> str | None:
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def header(message: EmailMessage, name: str, hint: str | None = None, *, as_text: bool = False) -> str:
    """A header's text with RFC 2047 words decoded and 8-bit bytes read in the likely charset; "" if absent.

    ``as_text`` reads it as plain text, even an address header the parser could not make sense of.
    """
    value = _raw_value(message, name)
    if value is None:
        return ""
    value = _unescape(value, hint)
    text = _encoded_words(value) if as_text or name.lower() in UNSTRUCTURED else None
    if text is None:
        try:
            text = str(policy.default.header_factory("Comments" if as_text else name, value))
        except Exception:  # the stdlib parser has had crashes on hostile headers: keep the undecoded text
            text = value
    return " ".join(storable(_fix_c1(_unescape(text, hint))).split())


CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def storable(text: str) -> str:
    """Text any database keeps: no NUL or other control characters (PostgreSQL refuses NUL), no lone surrogates."""
    text = CONTROLS.sub("", text)
    return text.encode("utf-8", "replace").decode("utf-8") if any("\ud800" <= c <= "\udfff" for c in text) else text


UNSTRUCTURED = {"subject", "comments", "keywords"}
C1_CONTROLS = re.compile("[\x80-\x9f]")


def _encoded_words(value: str) -> str | None:
    """RFC 2047 words, each decoded with the superset of its charset; None when they are too broken to split."""
    if "=?" not in value:
        return None
    try:
        chunks = decode_header(value)
    except Exception:
        return None
    return "".join(decode_text(chunk, charset) if isinstance(chunk, bytes) else chunk for chunk, charset in chunks)


def _fix_c1(text: str) -> str:
    """C1 control characters come from windows-1252 text labelled iso-8859-1: give back what was meant."""

    def windows_1252(match: re.Match) -> str:
        try:
            return match.group().encode("latin-1").decode("windows-1252")
        except UnicodeError:
            return " "

    return C1_CONTROLS.sub(windows_1252, text)


def first_address(message: EmailMessage, name: str, hint: str | None = None) -> Address | None:
    """The first address of an address header, parsed before decoding (a decoded name never becomes an address)."""
    value = _raw_value(message, name)
    if value is None:
        return None
    try:
        addresses = policy.default.header_factory(name, _unescape(value, hint)).addresses
    except Exception:
        return None
    return addresses[0] if addresses else None


def body_charset(message: EmailMessage) -> str | None:
    for part in message.walk():
        if part.get_content_maintype() == "text" and part.get_param("charset"):
            return str(part.get_param("charset"))
    return None


def starts_with_headers(raw: bytes) -> bool:
    first_line = raw.lstrip(b"\r\n").split(b"\n", 1)[0]
    return bool(HEADER_NAME.match(first_line))


def part_text(part: EmailMessage) -> str:
    """The part's text decoded from its bytes, whatever its label says."""
    try:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    except Exception:
        data = str(part.get_payload() or "").encode("utf-8", "surrogateescape")
    charset = part.get_param("charset")
    text = decode_text(data, charset if isinstance(charset, str) else None)
    if part.get_content_type() == "text/html":
        text = get_text(text)  # scripts, styles and markup dropped: only the text is kept
    return storable(text.replace("\r\n", "\n"))


@dataclass
class FoundFile:
    name: str
    data: bytes
    content_type: str


@dataclass
class Content:
    text: str = ""
    files: list[FoundFile] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.text.strip() and not self.files and not any(f.strip() for f in self.forwarded)


INLINE_TEXT = {"text/plain", "text/html"}


def content(message: EmailMessage) -> Content:
    """The body a person wrote, every file in the message (nested or inline), and forwarded messages' text."""
    found = Content()
    _walk(message, found, depth=0)
    found.text = found.text.strip()
    return found


def _walk(part: EmailMessage, found: Content, *, depth: int) -> None:
    if depth > 20:  # a hostile nesting: what was read so far is kept
        return
    maintype, content_type = part.get_content_maintype(), part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        if isinstance(inner, EmailMessage):
            forwarded = Content()
            _walk(inner, forwarded, depth=depth + 1)
            subject = header(inner, "Subject")
            sender = header(inner, "From")
            intro = "\n".join(
                line for line in (f"De : {sender}" if sender else "", f"Objet : {subject}" if subject else "") if line
            )
            found.forwarded.append(f"{intro}\n\n{forwarded.text}".strip())
            found.files.extend(forwarded.files)
        return
    if maintype == "multipart":
        children = [child for child in part.iter_parts() if isinstance(child, EmailMessage)]
        if content_type == "multipart/alternative":
            _walk_alternative(children, found, depth=depth)
        else:
            for child in children:
                _walk(child, found, depth=depth + 1)
        return
    if _is_body_text(part):
        text = part_text(part).strip()
        if text:
            found.text = f"{found.text}\n\n{text}" if found.text else text
        return
    if content_type == "application/ms-tnef" or (part.get_filename() or "").lower() == "winmail.dat":
        name = part.get_filename() or "winmail.dat"
    else:
        name = part.get_filename() or _default_name(part)
    try:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    except Exception:
        data = b""
    found.files.append(FoundFile(name=_clean_name(name), data=data, content_type=content_type))


def _walk_alternative(children: list[EmailMessage], found: Content, *, depth: int) -> None:
    """One text version (plain preferred, unless empty); files nested in any version (related images) are kept."""
    versions = []
    for child in children:
        version = Content()
        _walk(child, version, depth=depth + 1)
        versions.append((child.get_content_type(), version))
    texts = [v.text for kind, v in versions if kind == "text/plain" and v.text.strip()]
    texts += [v.text for _kind, v in versions if v.text.strip()]
    if texts:
        found.text = f"{found.text}\n\n{texts[0]}" if found.text else texts[0]
    seen = {(f.name, f.data) for f in found.files}
    for _kind, version in versions:
        found.forwarded.extend(version.forwarded)
        for file in version.files:
            if (file.name, file.data) not in seen:
                seen.add((file.name, file.data))
                found.files.append(file)


def _is_body_text(part: EmailMessage) -> bool:
    if part.get_content_type() not in INLINE_TEXT:
        return False
    disposition = (part.get_content_disposition() or "inline").lower()
    return disposition != "attachment" or not part.get_filename()


def _default_name(part: EmailMessage) -> str:
    extension = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf", "image/webp": ".webp"}
    return "piece-jointe" + extension.get(part.get_content_type(), "")


def _clean_name(name: str) -> str:
    name = "".join(char for char in _unescape(str(name), None) if char.isprintable())
    return name.replace("/", "_").replace("\\", "_").strip()[-200:] or "piece-jointe"


def clean_text(text: str, hint: str | None = None) -> str:
    """Display text: raw bytes decoded, control characters dropped, spaces collapsed."""
    text = storable(_fix_c1(_unescape(str(text or ""), hint)))
    return " ".join("".join(char if char.isprintable() else " " for char in text).split())
