"""The navigation a user sees depends on what their roles may do."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (label, url name, permission needed or None for every signed-in user)
NAV = [
    (_("Home"), "home", None),
    (_("Persons"), "people:person_list", "person.view"),
    (_("Households"), "people:household_list", "person.view"),
    (_("Key categories"), "people:category_list", "person.view"),
    (_("Areas"), "areas:area_tree", "area.view"),
    (_("Control"), "control:episode_list", "episode.view"),
    (_("Isolation sites"), "sites:site_list", "site.view"),
    (_("Capacity"), "sites:capacity", "capacity.view"),
    (_("Testing"), "testing:index", "testing.view"),
    (_("Door-to-door retests"), "testing:retests", "testing.retest.view"),
    (_("Case candidates"), "testing:candidates", "testing.result.view"),
    # the domains' entries, each after its comment
    # --- home_isolation ---
    # (its entries go here)
    # --- cases ---
    # (its entries go here)
    # --- command ---
    # (its entries go here)
    (_("Daily picture"), "command:picture", "command.view"),
    (_("Directives"), "command:directive_list", "directive.view"),
    (_("Daily reports"), "command:report_list", "report.view"),
    # --- transfers ---
    # (its entries go here)
    # --- arrivals ---
    # (its entries go here)
    # --- checkpoints ---
    # (its entries go here)
    # --- workforce ---
    # (its entries go here)
    # --- logistics ---
    # (its entries go here)
    (_("Rule sets"), "policy:ruleset_list", "policy.view"),
    (_("Users"), "user_list", "user.manage"),
    (_("Audit log"), "audit_list", "audit.view"),
    (_("Failed tasks"), "failed_tasks", "task.view"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    for label, name, perm in NAV:
        if perm and not user.can(perm):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": False})
    # the item whose address is the longest prefix of the page's: /testing/retests/ lights
    # up "Door-to-door retests", not "Testing" as well
    here = [i for i in items if request.path == i["url"] or
            (i["url"] != "/" and request.path.startswith(i["url"]))]  # fmt: skip
    if here:
        max(here, key=lambda i: len(i["url"]))["active"] = True  # type: ignore[arg-type]
    return {"nav": items}


def states(request):
    """The states of every state machine, for templates to compare with by name."""
    from fangkong.core.states import enums

    return {"states": enums()}


def notices(request):
    """The bell's unread count, counted only when a page shows it."""
    from django.utils.functional import SimpleLazyObject

    from fangkong.core.notifications import unread_count

    user = getattr(request, "user", None)
    return {"unread_notices": SimpleLazyObject(lambda: unread_count(user))}
