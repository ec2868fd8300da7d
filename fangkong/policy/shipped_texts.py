"""The texts of the shipped national rule sets (policy_data/*.json), for the translation
catalogue: the files are written in English and shown through gettext (``RuleSet.label()``,
``{% translate rule.notes %}``), so the Chinese interface reads them in Chinese. A test
fails when a shipped file holds a text missing here (texts already in Chinese need no entry)."""

# ruff: noqa: E501

from django.utils.translation import gettext_noop

TEXTS = [
    gettext_noop(
        "COVID-19 prevention and control protocol, 9th edition (新型冠状病毒肺炎防控方案（第九版）)"
    ),
    gettext_noop("Superseded by the 20 measures on 2022-11-11."),
    gettext_noop("7 days centralized isolation + 3 days home health monitoring (7+3)."),
    gettext_noop("7 days home isolation."),
    gettext_noop("As close contacts (7+3)."),
    gettext_noop(
        "7 days centralized isolation. The facts table gives no test days for this group; days 1, 2, 3, 5, 7 (the close contacts' centralized schedule) are our best reading of the 9th edition. Change them here if your reading differs."
    ),
    gettext_noop(
        "Local practice, not a national rule: every member of a positive pool is controlled at once and re-sampled singly (day 1); a short home isolation until the retest result. Configurable."
    ),
    gettext_noop(
        "2 tests within 3 days (三天两检), no restriction of movement. Testing on days 1 and 3 is local practice."
    ),
    gettext_noop(
        "The 20 measures (二十条: 关于进一步优化新冠肺炎疫情防控措施 科学精准做好防控工作的通知)"
    ),
    gettext_noop(
        "Contacts of close contacts (密接的密接) are no longer identified: this set has no rule for them."
    ),
    gettext_noop("5 days centralized isolation + 3 days home isolation (5+3)."),
    gettext_noop("As close contacts (5+3)."),
    gettext_noop(
        "Workers leaving a closed-loop post in a high-risk setting: 5 days home health monitoring."
    ),
]
