"""Spell a reference over the phone with the French telephone alphabet (A comme Anatole…)."""

FRENCH_ALPHABET = {
    "A": "Anatole", "B": "Berthe", "C": "Célestin", "D": "Désiré", "E": "Eugène", "F": "François",
    "G": "Gaston", "H": "Henri", "I": "Irma", "J": "Joseph", "K": "Kléber", "L": "Louis", "M": "Marcel",
    "N": "Nicolas", "O": "Oscar", "P": "Pierre", "Q": "Quintal", "R": "Raoul", "S": "Suzanne",
    "T": "Thérèse", "U": "Ursule", "V": "Victor", "W": "William", "X": "Xavier", "Y": "Yvonne", "Z": "Zoé",
}  # fmt: skip
DIGITS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]


def spell(reference: str) -> list[str]:
    """One spoken word per symbol: 'K comme Kléber', '7 (sept)'."""
    words = []
    for symbol in reference:
        if symbol.isdigit():
            words.append(f"{symbol} ({DIGITS[int(symbol)]})")
        elif symbol in FRENCH_ALPHABET:
            words.append(f"{symbol} comme {FRENCH_ALPHABET[symbol]}")
    return words
