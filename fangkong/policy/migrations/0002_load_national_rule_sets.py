"""Load the national rule sets shipped in policy_data/ (the 9th edition and the 20 measures)
with the same loader as ``fangkong load_policy``."""

from django.db import migrations


def load(apps, schema_editor):
    from fangkong.policy.loader import Models, load_shipped

    load_shipped(
        Models(
            RuleSet=apps.get_model("policy", "RuleSet"),
            Rule=apps.get_model("policy", "Rule"),
            RulePhase=apps.get_model("policy", "RulePhase"),
            Area=apps.get_model("areas", "Area"),
        )
    )


def unload(apps, schema_editor):
    from fangkong.policy.loader import DATA_DIR, SHIPPED_FILES, read_file

    codes = [read_file(DATA_DIR / name)["code"] for name in SHIPPED_FILES]
    apps.get_model("policy", "RuleSet").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
