import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_casecategory_name_en_data"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                django.db.models.functions.text.Substr("region_code", 1, length),
                models.F("id"),
                name=f"case_place{length}_newest",
            ),
        )
        for length in (9, 12, 15)
    ]
