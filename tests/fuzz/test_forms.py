"""The portal's request form and contact form fed hostile values: the page answers (200, 302, 400), never a 5xx,
and whatever was refused is explained on the re-rendered page."""

import uuid

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.catalogue.forms import RequestForm
from guichet.intake.forms import ContactForm
from tests.fuzz.strategies import date_text, hostile_text

pytestmark = pytest.mark.django_db

TEXT_FIELDS = ["f_adresse_0", "f_adresse_1", "f_adresse_2", "f_description", "f_nom", "f_nombre", "f_danger",
               "f_courriel", "f_portable", "contact-first_name", "contact-last_name", "contact-email",
               "contact-phone", "contact-ack_channel"]  # fmt: skip
form_values = st.fixed_dictionaries(
    {},
    optional={
        **{name: hostile_text for name in TEXT_FIELDS},
        "f_vu_le": date_text,
        "f_genes": st.lists(hostile_text, max_size=3),
        "submission_key": st.one_of(st.uuids().map(str), hostile_text),
    },
)


def test_request_and_contact_forms_validate_anything_without_raising(every_kind):
    @settings(max_examples=150)
    @given(data=form_values)
    def run(data: dict) -> None:
        request_form = RequestForm(data, request_type=every_kind)
        contact = ContactForm({k.removeprefix("contact-"): v for k, v in data.items() if k.startswith("contact-")})
        for form in (request_form, contact):
            if not form.is_valid():
                assert all(messages for messages in form.errors.values())

    run()


@pytest.mark.slow
def test_request_form_page_never_answers_5xx(client, every_kind, no_rate_limits):
    url = reverse("portal:request_form", args=[every_kind.slug])

    @settings(max_examples=40)
    @given(data=form_values)
    def run(data: dict) -> None:
        data = {"submission_key": str(uuid.uuid4()), **data}
        response = client.post(url, data)
        assert response.status_code in {200, 302, 400}, response.status_code
        if response.status_code == 400:
            assert 'class="errorlist' in response.text or "erreur" in response.text.lower()

    run()
