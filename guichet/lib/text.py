import unicodedata


def fold(text: str) -> str:
    """Lower-case and accent-free, so that "helene" finds "Hélène" on every database."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
