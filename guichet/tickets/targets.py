"""A ticket's targets: when its first response and its resolution are due, and when to warn before.

Pure arithmetic over the commune's ``WorkingCalendar`` (docs/METRICS.md, "Targets"):

* a target in working days is met until the end of the Nth working day after the receipt day (the rule
  of the type's ``deadline_days``); it moves by the working days spent waiting for the citizen (a wait
  within one day moves nothing, like ``due_date``);
* a target in working hours counts the commune's opening hours from the receipt (a request sent on a
  Friday evening starts counting at Monday's opening); it moves by the opening hours spent waiting;
* a priority without a resolution target uses the request type's ``deadline_days``;
* the warning comes when ``warning_percent`` of the target's working time is left before it is due.
"""

import datetime
from dataclasses import dataclass

from guichet.organisation.calendar import WorkingCalendar
from guichet.organisation.models import Priority, TargetUnit


@dataclass(frozen=True)
class Target:
    due: datetime.datetime
    warn_at: datetime.datetime


@dataclass(frozen=True)
class Targets:
    first_response: Target | None
    resolution: Target

    def due_date(self, calendar: WorkingCalendar) -> datetime.date:
        """The ticket's ``due_date``: the last day on which the resolution target is met."""
        return calendar.due_day(self.resolution.due)


def target_compute(
    *,
    calendar: WorkingCalendar,
    start: datetime.datetime,
    amount: int,
    unit: str,
    warning_percent: int,
    paused: datetime.timedelta = datetime.timedelta(0),
    paused_days: int = 0,
) -> Target:
    if unit == TargetUnit.WORKING_HOURS:
        span = datetime.timedelta(hours=amount)
        due = calendar.add_working_time(calendar.add_working_time(start, span), paused)
    else:
        first_day = calendar.local_date(start)
        span = calendar.working_time_between(start, calendar.end_of_day(calendar.add_working_days(first_day, amount)))
        due = calendar.end_of_day(calendar.add_working_days(first_day, amount + paused_days))
    return Target(due=due, warn_at=calendar.subtract_working_time(due, span * warning_percent / 100))


def targets_compute(
    *,
    calendar: WorkingCalendar,
    received: datetime.datetime,
    priority: Priority | None,
    deadline_days: int,
    warning_percent: int,
    paused: datetime.timedelta = datetime.timedelta(0),
    paused_days: int = 0,
) -> Targets:
    def target(amount: int, unit: str) -> Target:
        return target_compute(
            calendar=calendar,
            start=received,
            amount=amount,
            unit=unit,
            warning_percent=warning_percent,
            paused=paused,
            paused_days=paused_days,
        )

    first_response = None
    if priority is not None:
        first_response = target(priority.first_response_target, priority.first_response_unit)
    if priority is not None and priority.resolution_target is not None:
        resolution = target(priority.resolution_target, priority.resolution_unit)
    else:
        resolution = target(deadline_days, TargetUnit.WORKING_DAYS)
    return Targets(first_response=first_response, resolution=resolution)
