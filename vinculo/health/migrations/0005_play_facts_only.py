from django.db import migrations


class Migration(migrations.Migration):
    """Plays keep facts only; their sentences are worded when read, in the reader's language."""

    dependencies = [
        ("health", "0004_health_settings"),
    ]

    operations = [
        migrations.RemoveField(model_name="play", name="reason"),
        migrations.RemoveField(model_name="play", name="action"),
    ]
