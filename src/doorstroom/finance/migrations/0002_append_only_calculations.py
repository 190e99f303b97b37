"""Stored calculations are append-only (see web/appendonly.py)."""

from django.db import migrations

from doorstroom.web.appendonly import backward, forward


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]

    operations = [
        migrations.RunPython(
            forward("finance_calculation"), backward("finance_calculation"), elidable=False
        )
    ]
