"""The legal state of a request that the acknowledgement reports (CRPA L114-5).

The missing-document requests are built by the implicit-decision work (issue 15, "legal"): until their
model exists, a ticket has no open request and this returns nothing. The acknowledgement reads only this.
"""

from guichet.tickets.models import Ticket


def missing_documents(ticket: Ticket) -> list[str]:
    """The documents the open missing-document request of ``ticket`` asks for (CRPA L114-5), in order."""
    return []
