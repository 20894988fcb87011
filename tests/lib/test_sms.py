import pytest

from guichet.lib.sms import gsm7_fold, sms_length


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("Bonjour", "GSM-7", 7, 1),
        ("é" * 160, "GSM-7", 160, 1),  # é is in GSM-7
        ("a" * 161, "GSM-7", 161, 2),  # split messages carry 153 characters each
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("Coût : 5 €", "UCS-2", 10, 1),  # û is not GSM-7
        ("5 €", "GSM-7", 4, 1),  # € is in the extension table: two septets
        ("ç" * 70, "UCS-2", 70, 1),
        ("ç" * 71, "UCS-2", 71, 2),  # 67 per part
        ("😀" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 code units
        ("😀" * 36, "UCS-2", 72, 2),
    ],
)
def test_length_and_parts_follow_gsm_03_38(text, encoding, units, segments):
    assert sms_length(text) == (sms_length(text).__class__(encoding, units, segments))


def test_french_text_is_folded_to_gsm7_keeping_the_accents_it_has():
    folded = gsm7_fold("Demande reçue, n° K7Q-2M9-XDH : « Éclairage » à côté de l’église — merci…")
    assert folded == 'Demande recue, no K7Q-2M9-XDH : " Éclairage " à coté de l\'église - merci...'
    assert sms_length(folded).encoding == "GSM-7"


def test_characters_without_equivalent_are_kept():
    assert gsm7_fold("Merci 😀") == "Merci 😀"
    assert sms_length(gsm7_fold("Merci 😀")).encoding == "UCS-2"
