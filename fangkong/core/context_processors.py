"""The navigation a user sees depends on what their roles may do."""

import functools

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
    # the domains' entries, each after its comment
    # --- home_isolation ---
    # (its entries go here)
    (_("Home isolation"), "home_isolation:households", "home.view"),
    (_("Centralized placement"), "home_isolation:placement", "home.placement.view"),
    # --- cases ---
    # (its entries go here)
    (_("Case candidates"), "cases:candidates", "testing.result.view"),
    (_("Cases"), "cases:case_list", "case.view"),
    (_("Zero-case streak"), "cases:streak", "case.view"),
    (_("Chains"), "cases:chains", "case.view"),
    # --- command ---
    # (its entries go here)
    (_("Daily picture"), "command:picture", "command.view"),
    (_("Directives"), "command:directive_list", "directive.view"),
    (_("Daily reports"), "command:report_list", "report.view"),
    # --- transfers ---
    # (its entries go here)
    (_("Transfers"), "transfers:request_list", "transfer.view"),
    (_("Dispatch plans"), "transfers:plan_list", "transfer.dispatch"),
    (_("My trips"), "transfers:my_trips", "transfer.trip.run"),
    (_("Vehicles"), "transfers:vehicle_list", "transfer.view"),
    # --- arrivals ---
    # (its entries go here)
    (_("Arrivals"), "arrivals:arrival_list", "arrival.view"),
    (_("Risk areas"), "arrivals:designation_list", "riskarea.view"),
    # --- checkpoints ---
    # (its entries go here)
    (_("Checkpoints"), "checkpoints:checkpoint_list", "checkpoint.view"),
    # --- workforce ---
    # (its entries go here)
    (_("Essential workers"), "workforce:compliance", "worker.view"),
    (_("Employers"), "workforce:employer_list", "worker.view"),
    (_("Staff rosters"), "workforce:pool_list", "roster.view"),
    # --- logistics ---
    # (its entries go here)
    (_("Supplies"), "logistics:point_list", "supply.view"),
    (_("Freight passes"), "logistics:pass_list", "freight_pass.view"),
    (_("Checkpoint scan"), "logistics:scan", "freight_pass.verify"),
    (_("Rule sets"), "policy:ruleset_list", "policy.view"),
    (_("Users"), "user_list", "user.manage"),
    (_("Audit log"), "audit_list", "audit.view"),
    (_("Failed tasks"), "failed_tasks", "task.view"),
]


@functools.cache
def _url(name: str) -> str | None:
    # the addresses do not change while the process runs: reversed once, not on every page
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    for label, name, perm in NAV:
        if perm and not user.can(perm):
            continue
        url = _url(name)
        if url is None:
            continue
        items.append({"label": label, "url": url, "active": False})
    # the item whose address is the longest prefix of the page's: /testing/retests/ lights
    # up "Door-to-door retests", not "Testing" as well
    here = [i for i in items if request.path == i["url"] or
            (i["url"] != "/" and request.path.startswith(i["url"]))]  # fmt: skip
    if here:
        max(here, key=lambda i: len(str(i["url"])))["active"] = True
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
