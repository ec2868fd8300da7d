"""``{% load control_person %}{% person_control_status person %}`` on a person's page."""

from django import template

from fangkong.control.choices import PhaseStatus
from fangkong.control.selectors import active_episode_for, day_of

register = template.Library()


@register.inclusion_tag("control/_person_control.html", takes_context=True)
def person_control_status(context, person):
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = bool(user and user.is_authenticated and user.can("episode.view"))
    episode = active_episode_for(person) if allowed else None
    phase = None
    day = None
    if episode is not None:
        phase = next((p for p in episode.phases.all() if p.status == PhaseStatus.ACTIVE), None)
        if phase is not None:
            day = day_of(phase)
    return {
        "allowed": allowed,
        "person": person,
        "episode": episode,
        "phase": phase,
        "day": day,
        "can_start": allowed and user is not None and user.can("episode.manage"),
    }
