import pytest
from django.urls import reverse

from guichet.intake.models import InboundEmail, InboundOutcome, Mailbox
from guichet.intake.quarantine import inbound_quarantine
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_admin_lists_received_emails_and_polled_mailboxes_read_only(client):
    admin_user = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    inbound = inbound_quarantine(raw=b"From: x\r\n\r\nbody", message_id="<a@b>", sender="x", subject="S", reason="r")
    mailbox = Mailbox.objects.create(key="mairie@imap:993/INBOX", uid_validity=7, handled_through=3)
    assert client.get(reverse("admin:intake_inboundemail_changelist")).status_code == 200
    change = client.get(reverse("admin:intake_inboundemail_change", args=[inbound.pk]))
    assert change.status_code == 200 and b"media-non-public" not in change.content
    assert client.get(reverse("admin:intake_mailbox_change", args=[mailbox.pk])).status_code == 200
    assert client.get(reverse("admin:intake_inboundemail_add")).status_code == 403
    assert InboundEmail.objects.get().outcome == InboundOutcome.QUARANTINED
