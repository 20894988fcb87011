from django_tasks import task


@task()
def read_mail_item(item_id: int) -> str:
    """OCR and previews of a scan, in the worker: a few seconds per page, never in an agent's request."""
    from guichet.mailroom.services import mail_item_read

    return mail_item_read(item_id=item_id)


@task()
def render_letter(letter_id: int) -> str:
    from guichet.mailroom.letters import letter_render
    from guichet.mailroom.models import Letter

    letter = Letter.objects.select_related("ticket").filter(pk=letter_id).first()
    return (letter_render(letter).pdf.name or "") if letter else "gone"
