"""Fill the statistics' per-day counts of every grain (tickets.facts.GRAINS: the counts with every dimension,
narrower ones for the pages that do not filter on all of them, the duration histograms) from the facts: the
rows there are deleted, then grouped INSERT … SELECT by ranges of 100,000 ticket ids, one transaction each. Run
it before the new code serves requests (a change made meanwhile by the former code would not be counted);
``rebuild_ticket_facts --compteurs`` rebuilds every count exactly at any time."""

from django.db import migrations

from guichet.tickets.facts import counts_rebuild


def fill(apps, schema_editor):
    apps.get_model("tickets", "TicketDayCount").objects.all().delete()
    counts_rebuild(apps.get_model("tickets", "TicketFacts"), batch=100_000)


def unfill(apps, schema_editor):
    # The first grain's rows are those 0029 used to fill (with duration_bucket 0, which 0030 takes off).
    apps.get_model("tickets", "TicketDayCount").objects.filter(kind__gte=20).delete()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0030_ticket_day_counts_grains")]

    operations = [migrations.RunPython(fill, unfill, elidable=True)]
