"""Database triggers that make the access log append-only (see web/appendonly.py)."""

from django.db import migrations

from doorstroom.web.appendonly import backward, forward


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        migrations.RunPython(forward("audit_accesslogentry"), backward("audit_accesslogentry"), elidable=False),
    ]
