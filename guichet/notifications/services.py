"""Queue notifications inside the caller's transaction: they commit, or vanish, with it."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django_tasks import task

from guichet.lib.inserts import insert
from guichet.notifications import registry
from guichet.notifications.delivery import deliver_notification
from guichet.notifications.models import DeliveryStatus, Notification, NotificationChannel, Template
from guichet.organisation.models import Agent, AlertMode, Role
from guichet.tickets.models import Ticket, TicketFollower


def notification_queue(
    *,
    ticket: Ticket | None,
    template: str,
    channel: str,
    recipient: str,
    idempotency_key: str,
    context: dict[str, Any],
    new_ticket: bool = False,
) -> Notification:
    """``new_ticket``: the ticket was created in this transaction (see ``notify_citizen``). Nothing can hold the
    key yet, so no savepoint; and the caller's task for the new ticket delivers it, declared in its ``deliver``
    argument (``registry.register_delivering_task``), so it gets no delivery task of its own."""
    fields = {"ticket": ticket, "template": template, "channel": channel, "recipient": recipient, "context": context}
    if new_ticket:
        return insert(Notification(idempotency_key=idempotency_key, **fields))
    else:
        try:
            # Nearly always new: insert first, and only look up on a repeated idempotency key.
            with transaction.atomic():
                notification = insert(Notification(idempotency_key=idempotency_key, **fields))
        except IntegrityError:
            return Notification.objects.get(idempotency_key=idempotency_key)
    # The database task backend writes this row in the same transaction as the notification.
    deliver_notification.enqueue(notification.pk)
    return notification


def notifications_withdraw(*, notifications: QuerySet[Notification], reason: str) -> None:
    """The person is gone: what was not sent yet never will be, and the record of what was sent keeps no address."""
    notifications.filter(status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, last_error=reason, next_attempt_at=None
    )
    notifications.update(recipient="", context={})


def notify_citizen(
    *, ticket: Ticket, template: str, key: str, context: dict[str, Any] | None = None, new_ticket: bool = False
) -> list[Notification]:
    """Tell the ticket's citizen through each channel they chose and gave an address for.

    Answers to a citizen who chose the post, or has neither email nor SMS, also become a letter to print:
    the post's transport (the mail room's) inserts it in this transaction too.

    ``new_ticket``: the ticket was created in this transaction. Its notifications' keys begin with its reference,
    which no other ticket has, and a deleted ticket's notifications went with it: none can be taken yet. The
    caller queues their delivery with the ticket's own task (``notification_queue``).
    """
    citizen = ticket.citizen
    if citizen is None:
        return []
    if post := registry.post_transport():
        post(ticket=ticket, template=template, message_id=(context or {}).get("message_id"))
    targets = []
    if citizen.wants_email:
        targets.append((NotificationChannel.EMAIL, citizen.email))
    if citizen.wants_sms:
        targets.append((NotificationChannel.SMS, citizen.phone))
    return [
        notification_queue(
            ticket=ticket,
            template=template,
            channel=channel,
            recipient=recipient,
            idempotency_key=f"{ticket.reference}:{key}:{channel}",
            context=context or {},
            new_ticket=new_ticket,
        )
        for channel, recipient in targets
    ]


def notify_followers(
    *,
    ticket: Ticket,
    template: str,
    key: str,
    followers: list[TicketFollower] | None = None,
    change: str = "",
    context: dict[str, Any] | None = None,
    letter: bool = True,
) -> list[Notification]:
    """Tell the ticket's followers (issue 17), each through the channels they chose, like its author.

    ``followers``: only these (a new follower's confirmation); else every follower of the ticket. ``change``
    says what happened when the status alone does not (``FollowerChange``). A follower answered by post (they
    chose it, or have neither email nor SMS but an address) gets a letter from the post's transport, unless
    ``letter`` is False (a closing right after an answer already posted); one with no channel at all gets
    nothing, and agents see them counted « sans moyen de contact » (``tickets.selectors.people_affected``).
    """
    if followers is None:
        followers = list(TicketFollower.objects.filter(ticket=ticket).select_related("citizen").order_by("pk"))
    # The state told is the one of this moment, not of when the worker sends it or the mail room prints it.
    extra = {
        **(context or {}),
        **({"change": change} if change else {}),
        "status": ticket.status,
        "outcome": ticket.closing_outcome,
    }
    post = registry.post_transport() if letter else None
    sent = []
    for follower in followers:
        citizen = follower.citizen
        follower_key = f"{ticket.reference}:{key}:follower:{citizen.pk}"
        if post is not None:
            post(ticket=ticket, template=template, message_id=None, follower=citizen, key=follower_key, context=extra)
        targets = []
        if citizen.wants_email:
            targets.append((NotificationChannel.EMAIL, citizen.email))
        if citizen.wants_sms:
            targets.append((NotificationChannel.SMS, citizen.phone))
        sent += [
            notification_queue(
                ticket=ticket,
                template=template,
                channel=channel,
                recipient=recipient,
                idempotency_key=f"{follower_key}:{channel}",
                context={"follower": citizen.pk, **extra},
            )
            for channel, recipient in targets
        ]
    return sent


def alert_agent(
    *, agent: Agent, ticket: Ticket, template: str, key: str, context: dict[str, Any] | None = None
) -> Notification | None:
    """An email to an agent now, or held for their daily digest, as the agent chose."""
    email = agent.user.email
    if not email or not agent.user.is_active:
        return None
    idempotency_key = f"{ticket.reference}:{key}:agent:{agent.user_id}"
    if agent.alert_mode == AlertMode.DIGEST:
        notification, _ = Notification.objects.get_or_create(
            idempotency_key=idempotency_key,
            defaults={
                "ticket": ticket,
                "template": template,
                "channel": NotificationChannel.EMAIL,
                "recipient": email,
                "context": context or {},
                "status": DeliveryStatus.HELD,
            },
        )
        return notification
    return notification_queue(
        ticket=ticket,
        template=template,
        channel=NotificationChannel.EMAIL,
        recipient=email,
        idempotency_key=idempotency_key,
        context=context or {},
    )


def notify_agents_of_citizen_message(*, ticket: Ticket, message_id: int) -> Notification | None:
    """Alert the agent in charge, or the service's shared address when nobody is assigned yet."""
    key = f"message:{message_id}"
    context = {"message_id": message_id}
    assignee_agent = getattr(ticket.assignee, "agent", None) if ticket.assignee else None
    if assignee_agent is not None:
        return alert_agent(
            agent=assignee_agent, ticket=ticket, template=Template.CITIZEN_REPLIED, key=key, context=context
        )
    if not ticket.service.email:
        return None
    return notification_queue(
        ticket=ticket,
        template=Template.CITIZEN_REPLIED,
        channel=NotificationChannel.EMAIL,
        recipient=ticket.service.email,
        idempotency_key=f"{ticket.reference}:{key}:service",
        context=context,
    )


def notify_service_of_new_ticket_later(*, ticket: Ticket, key: str) -> None:
    """Queue the agents' alerts with the ticket: one task row now, one notification per agent in the worker."""
    alert_service_agents.enqueue(ticket.pk, ticket.service_id, key)


@task()
def alert_service_agents(ticket_id: int, service_id: int, key: str) -> int:
    """Fan a ticket's arrival out to its service's agents, in the worker rather than the citizen's request.

    A ticket that has moved on since is left to the alerts of its transfer.
    """
    with transaction.atomic():
        ticket = Ticket.objects.select_related("service").filter(pk=ticket_id, service_id=service_id).first()
        return len(notify_service_of_new_ticket(ticket=ticket, key=key)) if ticket else 0


def notify_service_of_new_ticket(*, ticket: Ticket, key: str) -> list[Notification]:
    """A ticket arrived in a service (created or transferred): tell the service's agents."""
    agents = Agent.objects.filter(services=ticket.service, role=Role.SERVICE_AGENT).select_related("user")
    alerts = [
        alert_agent(agent=agent, ticket=ticket, template=Template.TICKET_ENTERED_SERVICE, key=key) for agent in agents
    ]
    return [alert for alert in alerts if alert is not None]


def notify_escalation(*, ticket: Ticket, template: str, key: str, context: dict[str, Any]) -> list[Notification]:
    """A target of the ticket is about to be missed (the agent in charge, or the service's agents when nobody
    is), or missed (the service's supervisors; every supervisor when none is attached to the service)."""
    if template == Template.TARGET_MISSED:
        agents = Agent.objects.filter(role=Role.SUPERVISOR, services=ticket.service)
        if not agents.exists():
            agents = Agent.objects.filter(role=Role.SUPERVISOR)
    elif ticket.assignee_id is not None:
        agents = Agent.objects.filter(user_id=ticket.assignee_id)
    else:
        agents = Agent.objects.filter(services=ticket.service, role=Role.SERVICE_AGENT)
    alerts = [
        alert_agent(agent=agent, ticket=ticket, template=template, key=key, context=context)
        for agent in agents.select_related("user").order_by("pk")
    ]
    return [alert for alert in alerts if alert is not None]
