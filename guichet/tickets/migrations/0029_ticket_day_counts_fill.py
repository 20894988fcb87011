"""Fill the statistics' per-day counts from the facts (tickets.facts.counts_rebuild): grouped INSERT … SELECT
by ranges of 100,000 ticket ids, one transaction each. Run it before the new code serves requests (a change
made meanwhile by the former code would not be counted); ``rebuild_ticket_facts --compteurs`` rebuilds them
exactly at any time. Only the first grain (every dimension): 0031 fills the others."""

from django.db import migrations

from guichet.tickets.facts import GRAINS, counts_rebuild


def fill(apps, schema_editor):
    counts_rebuild(apps.get_model("tickets", "TicketFacts"), batch=100_000, grains=GRAINS[:1])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0028_ticket_day_counts")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
