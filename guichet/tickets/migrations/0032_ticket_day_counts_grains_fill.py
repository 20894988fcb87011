"""Fill the per-day counts' other grains (tickets.facts.GRAINS after the first, which 0029 filled: the counts
with fewer dimensions, the duration histograms) from the facts: grouped INSERT … SELECT by ranges of 100,000
ticket ids, one transaction each. The key of the counts is unchanged, so the former code keeps upserting the
first grain's rows meanwhile; a change it makes during the fill is missing from the new grains until
``rebuild_ticket_facts --compteurs`` (run it once after the new code serves, or run this migration before)."""

from django.db import migrations

from guichet.tickets.facts import GRAINS, MONTH, counts_rebuild

FIRST_NEW_KIND = GRAINS[1].offset  # the first grain's kinds are 0–2 and 10–12 (+ MONTH)


def fill(apps, schema_editor):
    assert GRAINS[0].offset + MONTH < FIRST_NEW_KIND
    apps.get_model("tickets", "TicketDayCount").objects.filter(kind__gte=FIRST_NEW_KIND).delete()  # a rerun
    counts_rebuild(apps.get_model("tickets", "TicketFacts"), batch=100_000, grains=GRAINS[1:])


def unfill(apps, schema_editor):
    apps.get_model("tickets", "TicketDayCount").objects.filter(kind__gte=FIRST_NEW_KIND).delete()


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0031_ticket_day_counts_grains")]

    operations = [migrations.RunPython(fill, unfill, elidable=True)]
