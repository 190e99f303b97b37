from django.db import migrations

from doorstroom.web.appendonly import backward, forward


class Migration(migrations.Migration):
    dependencies = [("journey", "0001_initial")]
    operations = [
        migrations.RunPython(forward("journey_journeyevent"), backward("journey_journeyevent"), elidable=False),
    ]
