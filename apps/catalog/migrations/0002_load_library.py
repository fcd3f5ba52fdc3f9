from django.db import migrations


def load(apps, schema_editor):
    from apps.catalog.services import library_load

    library_load(
        industry_model=apps.get_model("catalog", "Industry"),
        sector_model=apps.get_model("catalog", "IndustrySector"),
        keyword_model=apps.get_model("catalog", "SeedKeyword"),
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
