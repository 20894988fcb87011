# Letters to a ticket's followers (issue 17): to whom, what changed, and one per follower and fact.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('citizens', '0003_citizen_account_and_birth_date'),
        ('mailroom', '0002_letter_carries_survey'),
    ]

    operations = [
        migrations.AddField(
            model_name='letter',
            name='context',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='letter',
            name='follower',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='citizens.citizen', verbose_name='personne concernée'),
        ),
        migrations.AddField(
            model_name='letter',
            name='key',
            field=models.CharField(blank=True, default='', max_length=200),
        ),
        migrations.AddConstraint(
            model_name='letter',
            constraint=models.UniqueConstraint(condition=models.Q(('key', ''), _negated=True), fields=('key',), name='letter_key_once'),
        ),
    ]
