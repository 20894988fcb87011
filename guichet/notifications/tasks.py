from django_tasks import task


@task()
def deliver_notification(notification_id: int) -> str:
    from guichet.notifications.delivery import deliver

    return deliver(notification_id)


@task()
def alert_service_agents(ticket_id: int, service_id: int, key: str) -> int:
    """Fan a ticket's arrival out to its service's agents, in the worker rather than the citizen's request.

    A ticket that has moved on since is left to the alerts of its transfer.
    """
    from django.db import transaction

    from guichet.notifications.services import notify_service_of_new_ticket
    from guichet.tickets.models import Ticket

    with transaction.atomic():
        ticket = Ticket.objects.select_related("service").filter(pk=ticket_id, service_id=service_id).first()
        return len(notify_service_of_new_ticket(ticket=ticket, key=key)) if ticket else 0
