"""``{% load testing_results %}{% person_test_results person %}`` on a person's page."""

from django import template

from fangkong.testing.selectors import results_for_person

register = template.Library()


@register.inclusion_tag("testing/_person_results.html", takes_context=True)
def person_test_results(context, person):
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = bool(user and user.is_authenticated and user.can("testing.result.view"))
    return {"results": results_for_person(person) if allowed else [], "allowed": allowed}
