from django import template

from fangkong.sites.services.turnover import next_step as _next_step
from fangkong.sites.services.turnover import step_label as _step_label

register = template.Library()


@register.simple_tag
def next_step(room):
    return _next_step(room)


@register.simple_tag
def step_label(step):
    return _step_label(step)
