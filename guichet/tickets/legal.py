"""The implicit-decision clock of the Code des relations entre le public et l'administration (CRPA).

Pure functions, no database: docs/LEGAL.md says the same in prose.

- CRPA L231-1: « Le silence gardé pendant deux mois par l'administration sur une demande vaut décision
  d'acceptation. » L231-4 lists where silence means rejection instead (claims, appeals, financial requests,
  requests outside a procedure...); L231-5, L231-6 and the decrees set other delays. The request type says
  which regime applies and the delay, in months and/or days (``catalogue.RequestType``).
- CRPA L114-5 (formerly art. 2 of décret 2001-492): when the request is incomplete the administration lists
  the missing documents and fixes a time to send them. Silence meaning acceptance: the delay « ne court qu'à
  compter de la réception des pièces et informations requises », so it restarts in full from that receipt.
  Silence meaning rejection: the delay « est suspendu pendant le délai imparti pour produire les pièces »,
  and sending them earlier ends the suspension: the date moves by the days from the request to the receipt
  (or to the deadline). See ``tickets.services.documents_request`` and ``documents_received``.
- A delay in months runs « de quantième à quantième »: it ends on the day of the final month that bears the
  same number as the day of receipt; when that month is shorter, on its last day (31 January + 1 month →
  28 or 29 February). A delay in days does not count the day of receipt (receipt on the 3rd + 15 days → 18th).
  This is the reckoning of articles 640-642 of the Code de procédure civile, which the administrative judge
  applies to the CRPA's delays.
- The last day is NOT moved off a Saturday, Sunday or public holiday: the prorogation of article 642 CPC
  protects someone who must act before a deadline; the administration's silence needs no act, and an implicit
  decision may be born on any day. (Appeal delays that start from it, on the other hand, are prorogued.)
- The decision is acquired at the end of that day: the commune may still answer expressly until midnight,
  so the implicit decision is recorded on the following day (``is_acquired``).
- L232-3: « La décision implicite d'acceptation fait l'objet, à la demande de l'intéressé, d'une attestation
  délivrée par l'administration. » L232-4: the reasons of an implicit rejection are given on request, within a
  month. Appeals against a rejection: a recours gracieux or hiérarchique (L411-2: within the time of the
  contentious appeal, which it interrupts), and the administrative court within two months (R421-1 and R421-2
  of the Code de justice administrative).
"""

import calendar
import datetime

# The appeal delay before the administrative court (R421-1 CJA), in months.
CONTENTIOUS_APPEAL_MONTHS = 2


def add_months(start: datetime.date, months: int) -> datetime.date:
    """``start`` plus ``months``, de quantième à quantième; the last day of a shorter final month."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(start.day, last_day))


def implicit_decision_date(received_on: datetime.date, *, months: int, days: int) -> datetime.date:
    """The day at whose end the commune's silence on a complete request becomes a decision.

    ``received_on`` is the day the complete request (or its last missing document, L114-5) was received.
    Months first, then days, as a delay of « N mois et M jours » is reckoned. No delay at all (0 and 0) gives
    the day of receipt itself, which the admin form does not allow for a decision-bearing type anyway.
    """
    return add_months(received_on, months) + datetime.timedelta(days=days)


def is_acquired(decision_on: datetime.date, today: datetime.date) -> bool:
    """Whether the implicit decision is born by ``today``: the commune had the whole of ``decision_on`` to answer."""
    return today > decision_on


def appeal_deadline(decision_on: datetime.date) -> datetime.date:
    """The last day to bring an implicit rejection before the administrative court (R421-1, R421-2 CJA).

    The delay runs from the day after the decision is born; as a delay for the citizen to act, it is
    prorogued off non-working days by the court, which this date (shown as an indication) does not do.
    """
    return add_months(decision_on + datetime.timedelta(days=1), CONTENTIOUS_APPEAL_MONTHS)
