"""The shipped rule sets' sources named a design file of the project (``table in
shared/FACTS.md``), which means nothing to an operator: the citation of the document is
enough."""

from django.db import migrations

SUFFIX = "; table in shared/FACTS.md"


def forward(apps, schema_editor):
    RuleSet = apps.get_model("policy", "RuleSet")
    for rs in RuleSet.objects.filter(source__endswith=SUFFIX):
        rs.source = rs.source[: -len(SUFFIX)]
        rs.save(update_fields=["source"])


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_load_national_rule_sets")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
