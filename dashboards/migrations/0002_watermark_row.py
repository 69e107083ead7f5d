from django.db import migrations


def create_watermark(apps, schema_editor):
    # The job locks this row; it must exist before two workers could race to create it.
    apps.get_model("dashboards", "RollupState").objects.get_or_create(name="cases")


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_rollups")]

    operations = [migrations.RunPython(create_watermark, migrations.RunPython.noop)]
