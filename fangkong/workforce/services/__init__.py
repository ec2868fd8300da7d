"""Every write on essential workers, their compliance and the rosters. Keyword-only
``by=``, validated, one transaction, audited."""

from fangkong.workforce.services.compliance import sync, verify_work_pass
from fangkong.workforce.services.rosters import (
    add_member,
    add_post,
    create_pool,
    publish,
    record_absence,
    resolve_around,
    set_rules,
    solve_roster,
    swap,
)
from fangkong.workforce.services.whitelist import start_whitelist_import
from fangkong.workforce.services.workers import (
    EmployerData,
    add_account,
    add_worker,
    create_employer,
    enter_loop,
    leave_loop,
    remove_worker,
    set_sector_interval,
)

__all__ = [
    "EmployerData",
    "add_account",
    "add_member",
    "add_post",
    "add_worker",
    "create_employer",
    "create_pool",
    "enter_loop",
    "leave_loop",
    "publish",
    "record_absence",
    "remove_worker",
    "resolve_around",
    "set_rules",
    "set_sector_interval",
    "solve_roster",
    "start_whitelist_import",
    "swap",
    "sync",
    "verify_work_pass",
]
