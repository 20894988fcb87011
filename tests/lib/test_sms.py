import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.lib.sms import GSM7, REPLACEMENTS, gsm7_fold, is_gsm7, sms_length


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
    assert folded == 'Demande recue, no K7Q-2M9-XDH : "Éclairage" à coté de l\'église - merci...'
    assert sms_length(folded).encoding == "GSM-7"


def test_characters_without_equivalent_are_kept():
    assert gsm7_fold("Merci 😀") == "Merci 😀"
    assert sms_length(gsm7_fold("Merci 😀")).encoding == "UCS-2"


# Real notifications as the town halls send them (commune names with « œ », French typography: thin
# non-breaking spaces before « : ; ! ? », guillemets with their spaces, curly apostrophes, ellipses).
# (text, parts once folded); before folding each of them was UCS-2.
FRENCH_NOTIFICATIONS = [
    ("Cœuvres-et-Valsery\u202f: demande reçue, n°\u00a0de suivi K7Q2-M9XD. Suivi\u202f: https://cœuvres.fr/s/AbC", 1),
    ("Mairie de Sœurdres\u202f: votre demande K7Q2-M9XD est «\u00a0Terminée\u00a0». https://mairie.fr/s/x", 1),
    ("Saint-Cœur\u202f: votre vœu pour l’œuvre d’art du rond-point a bien été reçu… Merci\u202f!", 1),
    ("Bœurs-en-Othe a besoin d’une information pour votre demande K7Q2-M9XD\u202f: https://b.fr/s/x", 1),
    ("Mairie\u202f: votre code d’accès pour la demande K7Q2-M9XD est 482913. Valable 15\u00a0minutes.", 1),
    (
        "Cœur-de-Ville\u202f: l’agent a répondu à votre demande «\u00a0Éclairage public – lampadaire\u00a0». "
        "Consultez sa réponse sur https://guichet.cœur-de-ville.fr/suivi/K7Q2-M9XD/ avant le 12\u00a0décembre.",
        2,
    ),
    ("Rappel\u202f: nous attendons votre réponse — sans nouvelles d’ici 8\u00a0jours, la demande sera close…", 1),
    ("Œuvres sociales\u202f: votre dossier «\u00a0Aide à l’hébergement\u00a0» est en cours d’instruction.", 1),
    ("Vœux du maire\u202f: la cérémonie a lieu à l’Hôtel de Ville, salle des fêtes, jeudi à 18\u202fh\u202f30.", 1),
    ("Sœur Marie-Thérèse, votre rendez-vous à l’état civil est confirmé\u202f: mardi 9\u00a0h, guichet n°\u00a02.", 1),
    ("Maîtrise d’œuvre\u202f: les travaux rue de l’Église commencent lundi ; circulation alternée…", 1),
    (
        "Cœuvres\u202f: votre code de vérification est 123456. Il est valable 15\u00a0minutes. "
        "Ne le communiquez à personne, même à un agent de la mairie qui vous le demanderait par téléphone.",
        2,
    ),
]


@pytest.mark.parametrize(("text", "parts"), FRENCH_NOTIFICATIONS, ids=[f"sms{i}" for i in range(12)])
def test_french_notifications_with_oe_go_as_gsm7(text, parts):
    assert sms_length(text).encoding == "UCS-2"  # œ, ’ or the thin spaces alone did that
    folded = gsm7_fold(text)
    length = sms_length(folded)
    assert length.encoding == "GSM-7" and length.segments == parts
    assert length.segments < sms_length(text).segments or length.segments == 1
    assert "oe" in folded.lower() or "Œ" not in text.upper()


def test_ligatures_and_french_letters_are_spelt_out():
    assert gsm7_fold("Cœuvres, vœu, sœur, ŒUVRE, Lætitia") == "Coeuvres, voeu, soeur, OEUVRE, Lætitia"
    assert gsm7_fold("ça, Ça, ê â î ô û ë ï ÿ À Â Ê È Î Ô Ù Û Ÿ") == "ca, Ça, e a i o u e i y A A E E I O U U Y"
    assert gsm7_fold("le 1ᵉʳ, ½ litre, ﬁn") == "le 1er, 1/2 litre, fin"


def test_decomposed_accents_are_composed_first():
    assert gsm7_fold("e\u0301te\u0301 fore\u0302t") == "été foret"  # as macOS keyboards send them


def test_guillemets_lose_their_inner_spaces():
    assert gsm7_fold("«\u00a0Terminée\u00a0» « Oui »") == '"Terminée" "Oui"'


@pytest.mark.parametrize("text", ["Merci 😀 pour le vœu", "Привет, сœur", "市役所 œ"])
def test_a_message_with_no_faithful_form_is_kept_as_written(text):
    assert gsm7_fold(text) == text
    assert sms_length(gsm7_fold(text)).encoding == "UCS-2"


def test_folding_never_adds_parts():
    text = "…" * 70  # one UCS-2 part; folded, 210 septets would be two
    assert gsm7_fold(text) == text


# Every letter of Latin-1 and Latin Extended-A (French and the other European languages) has a GSM-7 form.
FOLDABLE = sorted(
    {c for c in map(chr, range(0xC0, 0x180)) if unicodedata.category(c).startswith("L")} | set(REPLACEMENTS) | GSM7
)


def test_every_latin_letter_and_typographic_sign_has_a_gsm7_form():
    assert [c for c in FOLDABLE if not is_gsm7(gsm7_fold(c * 3))] == []


@given(st.text())
def test_folding_is_idempotent(text):
    assert gsm7_fold(gsm7_fold(text)) == gsm7_fold(text)


@given(st.text())
def test_folding_never_increases_the_parts(text):
    assert sms_length(gsm7_fold(text)).segments <= sms_length(text).segments


# Up to 50 characters: folded (3 septets at most for one, « … » → "...") it still fits one part.
@given(st.text(alphabet=st.sampled_from(FOLDABLE), max_size=50))
def test_a_text_of_foldable_characters_never_needs_ucs2(text):
    assert is_gsm7(gsm7_fold(text))
