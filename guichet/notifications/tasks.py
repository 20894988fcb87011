from django_tasks import task


@task()
def deliver_notification(notification_id: int) -> str:
    from guichet.notifications.delivery import deliver

    return deliver(notification_id)
