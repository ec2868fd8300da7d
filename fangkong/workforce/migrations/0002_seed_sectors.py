"""The sectors of essential work and their test frequency (FACTS.md, Dec 2022): high-risk
posts in a closed loop test daily; supermarket, courier and delivery workers twice a week.
Data, not code: the command centre edits them."""

from django.db import migrations

SECTORS = [
    # code, name, days between tests, high-risk closed-loop post
    ("courier", "快递物流", 3, False),
    ("delivery", "外卖配送", 3, False),
    ("water", "供水", 3, False),
    ("power", "供电", 3, False),
    ("gas", "燃气", 3, False),
    ("telecom", "通信", 3, False),
    ("supermarket", "商超保供", 3, False),
    ("isolation_site", "隔离场所工作人员", 1, True),
    ("designated_hospital", "定点医院", 1, True),
    ("fever_clinic", "发热门诊", 1, True),
    ("checkpoint", "交通卡口", 1, True),
    ("inbound_goods", "进口冷链物品", 1, True),
]


def seed(apps, schema_editor):
    Sector = apps.get_model("workforce", "Sector")
    for code, name, interval, high in SECTORS:
        Sector.objects.update_or_create(
            code=code, defaults={"name": name, "test_interval_days": interval, "high_risk": high}
        )


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
