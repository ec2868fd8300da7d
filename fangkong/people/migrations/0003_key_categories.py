"""The twelve key-person lists (12类重点人员) as they stood on 23 Nov 2022 (the 9th edition of
the protocol and the 20 measures); configurable afterwards (category.manage)."""

from django.db import migrations

CATEGORIES = [
    ("kc01", "密切接触者", "与病例或无症状感染者有密切接触的人员（二十条：5天集中隔离+3天居家隔离）。"),
    ("kc02", "密接的密接", "密切接触者的密切接触者（次密接）；第九版：7天居家隔离。二十条起不再判定，保留作历史记录。"),
    ("kc03", "入境人员", "境外入境人员（二十条：5天集中隔离+3天居家隔离）。"),
    ("kc04", "高风险区外溢人员", "高风险区外溢或来返人员（二十条：7天居家隔离，第1、3、5、7天核酸检测）。"),
    ("kc05", "低风险区来返人员", "来自有疫情地区低风险区的人员（3天内2次核酸检测）。"),
    ("kc06", "高风险岗位从业人员", "闭环作业等高风险岗位人员，离岗后5天居家健康监测（第1、3、5天核酸检测）。"),
    ("kc07", "集中隔离解除人员", "集中隔离期满解除、转居家隔离或健康监测的人员。"),
    ("kc08", "居家隔离人员", "正在居家隔离或居家健康监测的人员。"),
    ("kc09", "发热门诊就诊人员", "发热门诊及乡镇卫生院发热哨点就诊人员。"),
    ("kc10", "冷链及进口物品从业人员", "进口冷链食品、进口物品的搬运、仓储、运输、销售人员。"),
    ("kc11", "医务及保供人员", "医疗机构工作人员，以及快递、外卖、商超、农贸市场等保供人员。"),
    ("kc12", "其他重点人员", "县指挥部另行确定的其他重点人员。"),
]


def create(apps, schema_editor):
    KeyCategory = apps.get_model("people", "KeyCategory")
    for order, (code, name, description) in enumerate(CATEGORIES, start=1):
        KeyCategory.objects.get_or_create(
            code=code,
            defaults={"name": name, "description": description, "sort_order": order},
        )


def remove(apps, schema_editor):
    KeyCategory = apps.get_model("people", "KeyCategory")
    KeyCategory.objects.filter(code__in=[c[0] for c in CATEGORIES], persons__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0002_import_jobs")]

    operations = [migrations.RunPython(create, remove)]
