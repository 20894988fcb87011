"""Show where a message will go without disclosing the whole address."""

from guichet.lib.phones import display_phone


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 3)}@{domain}" if domain else "•••"


def mask_phone(e164: str) -> str:
    shown = display_phone(e164)
    digits_seen = 0
    total = sum(c.isdigit() for c in shown)
    masked = []
    for char in shown:
        if char.isdigit():
            digits_seen += 1
            keep = digits_seen <= 2 or digits_seen > total - 2
            masked.append(char if keep else "•")
        else:
            masked.append(char)
    return "".join(masked)
