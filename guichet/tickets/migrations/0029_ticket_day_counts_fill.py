"""Filled the statistics' per-day counts from the facts. Superseded by 0031_ticket_day_counts_grains_fill, which
rebuilds every count of every grain (tickets.facts.GRAINS) with the key of 0030: this one does nothing now (on a
new database there is nothing to count yet; on one that ran it, 0031 replaces its rows)."""

from django.db import migrations


def fill(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("tickets", "0028_ticket_day_counts")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
