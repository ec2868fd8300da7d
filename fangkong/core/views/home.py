from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from fangkong.core import workqueue
from fangkong.core.roles import ROLE_DESCRIPTIONS, Role
from fangkong.core.services.two_factor import confirmed_device


@login_required
def home(request):
    user = request.user
    now = timezone.now()
    roles = [(Role(r).label, ROLE_DESCRIPTIONS.get(r, "")) for r in sorted(user.role_codes)]
    areas = user.areas.order_by("path")
    work = workqueue.overview(user, now)
    return render(
        request,
        "core/home.html",
        {
            "roles": roles,
            "areas": areas,
            "has_2fa": confirmed_device(user) is not None,
            "figures": work.figures,
            "work": work.items,
            "queues": workqueue.queues_for(user),
            "awaiting": workqueue.awaiting_domains(user),
            "townships": work.table,
            "counted_at": work.counted_at,
            "counted_every": work.every,
        },
    )
