"""Background work: the planner's run over the open requests."""

from __future__ import annotations

import logging

from django_tasks import task

from fangkong.core.services.tasks import bind_retry, retrying

log = logging.getLogger("fangkong.transfers")


@bind_retry
@task()
@retrying(max_attempts=2, base_delay=10)
def compute_plan_task(plan_id: int, user_id: int) -> dict:
    from fangkong.core.errors import DomainError
    from fangkong.core.models import User
    from fangkong.transfers.models import Plan
    from fangkong.transfers.services.plans import compute_plan

    plan = Plan.objects.select_related("area").get(pk=plan_id)
    try:
        compute_plan(plan, by=User.objects.get(pk=user_id))
    except DomainError as exc:  # recorded on the plan as FAILED with its message
        log.info("plan failed", extra={"plan": plan_id, "error": str(exc.message)})
    return {"plan": plan_id, "status": plan.status}
