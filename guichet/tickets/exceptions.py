from django.utils.translation import gettext_lazy as _


class TicketActionError(Exception):
    """A refused action; its message is French text fit to show the user."""

    default_message = _("Cette action n'est pas possible.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)


class InvalidTransition(TicketActionError):
    default_message = _("Ce changement de statut n'est pas autorisé.")


class StaleTicket(TicketActionError):
    default_message = _(
        "Cette demande a été modifiée par quelqu'un d'autre pendant que vous la consultiez. "
        "Rechargez la page pour voir ses changements, puis recommencez."
    )


class ReplyNotAllowed(TicketActionError):
    default_message = _(
        "Cette demande est clôturée : vous ne pouvez plus y répondre. Pour toute nouvelle question, faites une nouvelle demande."
    )
