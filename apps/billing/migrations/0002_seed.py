from django.db import migrations


def seed(apps, schema_editor):
    from apps.billing.seed import seed as billing_seed

    billing_seed(
        plan_model=apps.get_model("billing", "Plan"),
        cost_model=apps.get_model("billing", "CreditCost"),
        pack_model=apps.get_model("billing", "CreditPack"),
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
