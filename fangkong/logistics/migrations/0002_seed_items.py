"""The supply catalogue every stock point starts from (editable data)."""

from django.db import migrations

ITEMS = [
    ("n95", "N95口罩", "mask", "只"),
    ("surgical_mask", "医用外科口罩", "mask", "只"),
    ("suit", "医用防护服", "suit", "套"),
    ("face_shield", "护目镜/面屏", "suit", "个"),
    ("gloves", "医用手套", "suit", "双"),
    ("disinfectant", "含氯消毒剂", "disinfectant", "瓶"),
    ("alcohol", "75%酒精", "disinfectant", "瓶"),
    ("pcr_kit", "核酸采样管", "test_kit", "管"),
    ("antigen_kit", "抗原检测试剂", "test_kit", "份"),
    ("water", "饮用水", "daily", "箱"),
    ("meal", "盒饭", "daily", "份"),
]


def seed(apps, schema_editor):
    Item = apps.get_model("logistics", "SupplyItem")
    for code, name, category, unit in ITEMS:
        Item.objects.update_or_create(
            code=code, defaults={"name": name, "category": category, "unit": unit}
        )


class Migration(migrations.Migration):
    dependencies = [("logistics", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
