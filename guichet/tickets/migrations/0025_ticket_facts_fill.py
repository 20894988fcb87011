"""Fill the statistics' facts of the existing tickets from their timeline (tickets.facts.facts_rebuild).

Not atomic: one transaction per batch of 5,000 tickets, the tickets and events only read (no lock on them).
Measured: 20,000 tickets in 50 s on the loaded 2-core benchmark machine, ≈40 min per million (docs/BENCHMARKS.md).
"""

from django.db import migrations

from guichet.organisation.calendar import WorkingCalendar
from guichet.tickets.facts import facts_rebuild


def fill(apps, schema_editor):
    Commune = apps.get_model("organisation", "Commune")
    ClosureDay = apps.get_model("organisation", "ClosureDay")
    commune = Commune.objects.order_by("pk").first()
    calendar = WorkingCalendar(
        subdivision=commune.holiday_subdivision if commune else "",
        closures=frozenset(ClosureDay.objects.values_list("date", flat=True)),
    )
    facts_rebuild(apps.get_model("tickets", "TicketFacts"), calendar=calendar)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0024_ticket_facts"),
        ("organisation", "0004_reminders"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
