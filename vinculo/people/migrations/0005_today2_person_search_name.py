"""Person.search_name: the name without accents, case folded, for search and ordering."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

BATCH = 2000


def fill(apps: Any, schema_editor: Any) -> None:
    from vinculo.people.models import search_key

    person = apps.get_model("people", "Person")
    rows = person.objects.using(schema_editor.connection.alias).order_by("pk")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).only("pk", "name")[:BATCH])
        if not batch:
            return
        for row in batch:
            row.search_name = search_key(row.name)
        person.objects.using(schema_editor.connection.alias).bulk_update(batch, ["search_name"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("people", "0004_privacy_legal_basis_source")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="search_name",
            field=models.CharField(
                blank=True,
                db_default="",
                db_index=True,
                default="",
                editable=False,
                max_length=400,
            ),
        ),
        # The bundle importer and the demo generator insert people without this column.
        migrations.AlterField(
            model_name="person",
            name="legal_basis_source",
            field=models.CharField(
                blank=True,
                db_default="",
                help_text="Where it comes from: the consent form, the contract, the assessment.",
                max_length=500,
                verbose_name="source of the legal basis",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
