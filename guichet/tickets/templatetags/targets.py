"""How a target's due moment reads: « au plus tard le 8 décembre » for a target in days (due at midnight),
« avant le 7 décembre à 14:00 » for a target in hours."""

import datetime

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

register = template.Library()
MIDNIGHT = datetime.time(0)


@register.filter
def due_moment(due: datetime.datetime | None, style: str = "short") -> str:
    if due is None:
        return ""
    local = timezone.localtime(due)
    long = style == "long"
    if local.time() == MIDNIGHT:  # met until the end of the day before
        day = local.date() - datetime.timedelta(days=1)
        return _("au plus tard le %(date)s") % {
            "date": formats.date_format(day, "l j F Y" if long else "SHORT_DATE_FORMAT")
        }
    return _("avant le %(moment)s") % {
        "moment": formats.date_format(local, "l j F Y à H:i" if long else "SHORT_DATETIME_FORMAT")
    }
