"""Roles and the named permissions each one holds.

Permissions are named per action (``person.view``, ``pii.reveal``) and checked in services;
views and the API only translate a refusal into a page or a status code.
"""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_COMMAND = "county_command", _("County command")
    TOWNSHIP_OFFICER = "township_officer", _("Township officer")
    VILLAGE_CADRE = "village_cadre", _("Village/community cadre")
    SITE_MANAGER = "site_manager", _("Isolation site manager")
    TRANSFER_DISPATCHER = "transfer_dispatcher", _("Transfer dispatcher")
    SAMPLER = "sampler", _("Sampler")
    LAB_TECHNICIAN = "lab_technician", _("Lab technician")
    CHECKPOINT_OFFICER = "checkpoint_officer", _("Checkpoint officer")
    AUDITOR = "auditor", _("Auditor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    EMPLOYER = "employer", _("Employer of essential workers")
    DRIVER = "driver", _("Transfer driver")


R = Role
_OPERATORS = {R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.VILLAGE_CADRE}

# action -> roles that may perform it
PERMISSIONS: dict[str, frozenset[str]] = {
    # registry
    "area.view": frozenset(Role),
    "area.manage": frozenset({R.COUNTY_COMMAND, R.SYSTEM_ADMIN}),
    "responsibility.manage": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    "person.view": frozenset(
        _OPERATORS
        | {R.SITE_MANAGER, R.TRANSFER_DISPATCHER, R.SAMPLER, R.CHECKPOINT_OFFICER, R.AUDITOR}
    ),
    "person.edit": frozenset(_OPERATORS),
    "person.merge": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    # rebuild the county's likely-duplicates table (a background job, one at a time)
    "person.rescan_duplicates": frozenset({R.COUNTY_COMMAND, R.SYSTEM_ADMIN}),
    "person.import": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    "person.export": frozenset(_OPERATORS | {R.AUDITOR}),
    # personal data in full
    "pii.reveal": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.VILLAGE_CADRE}),
    "pii.export_full": frozenset({R.COUNTY_COMMAND}),
    "category.manage": frozenset({R.COUNTY_COMMAND}),
    # policy and control episodes
    "policy.view": frozenset(Role),
    "policy.manage": frozenset({R.COUNTY_COMMAND}),
    "episode.view": frozenset(_OPERATORS | {R.SITE_MANAGER, R.TRANSFER_DISPATCHER, R.AUDITOR}),
    "episode.manage": frozenset(_OPERATORS | {R.SITE_MANAGER}),
    # isolation sites
    "site.view": frozenset(_OPERATORS | {R.SITE_MANAGER, R.TRANSFER_DISPATCHER, R.AUDITOR}),
    "site.manage": frozenset({R.COUNTY_COMMAND, R.SITE_MANAGER}),
    "stay.manage": frozenset({R.COUNTY_COMMAND, R.SITE_MANAGER}),
    "room.turnover": frozenset({R.COUNTY_COMMAND, R.SITE_MANAGER}),
    "capacity.view": frozenset(_OPERATORS | {R.SITE_MANAGER, R.TRANSFER_DISPATCHER, R.AUDITOR}),
    # mass testing
    "testing.view": frozenset(_OPERATORS | {R.SAMPLER, R.LAB_TECHNICIAN, R.AUDITOR}),
    "testing.manage": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    "testing.sample": frozenset({R.SAMPLER, R.COUNTY_COMMAND}),
    # sample at any point within one's areas, not only the points one is assigned to
    "testing.sample.any_point": frozenset({R.COUNTY_COMMAND}),
    "testing.transport": frozenset({R.SAMPLER, R.LAB_TECHNICIAN, R.COUNTY_COMMAND}),
    "testing.lab": frozenset({R.LAB_TECHNICIAN}),
    # a lab's results imports: technicians see their own and their labs'; the command
    # centre sees every lab's within its areas (view_all)
    "testing.result_import.view": frozenset({R.LAB_TECHNICIAN, R.COUNTY_COMMAND}),
    "testing.result_import.view_all": frozenset({R.COUNTY_COMMAND}),
    "testing.result.view": frozenset(_OPERATORS | {R.AUDITOR}),
    # the door-to-door list: the samplers who walk it see it too
    "testing.retest.view": frozenset(_OPERATORS | {R.SAMPLER, R.AUDITOR}),
    # home isolation and the resident portal (home_isolation)
    # (this domain's permissions go here)
    "home.view": frozenset(_OPERATORS | {R.AUDITOR}),
    "home.assess": frozenset(_OPERATORS),
    "home.manage": frozenset(_OPERATORS),
    # fever and symptom alerts: the township's medical follow-up
    "home.medical": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    # the "needs centralized placement" queue: site managers and the county see it; the
    # transfers app takes households from it
    "home.placement.view": frozenset(
        {R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.SITE_MANAGER, R.TRANSFER_DISPATCHER}
    ),
    "home.placement.take": frozenset({R.COUNTY_COMMAND, R.SITE_MANAGER, R.TRANSFER_DISPATCHER}),
    "home.sensor.manage": frozenset({R.SYSTEM_ADMIN}),
    # cases and contacts (cases)
    # (this domain's permissions go here)
    # confirming or dismissing a positive single tube is the command centre's call
    "case.candidate.decide": frozenset({R.COUNTY_COMMAND}),
    "case.view": frozenset(_OPERATORS | {R.TRANSFER_DISPATCHER, R.AUDITOR}),
    # registering cases and contacts: the investigators (流调), who work for the county
    # command or a township; no role of their own, so that one account may do both
    "case.register": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    "contact.register": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    "case.transfer": frozenset({R.COUNTY_COMMAND, R.TRANSFER_DISPATCHER}),
    # the command centre: daily picture, report, directives (command)
    # (this domain's permissions go here)
    # the daily picture of one's own areas (the county's, a township's)
    "command.view": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.AUDITOR}),
    "report.view": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.AUDITOR}),
    "report.build": frozenset({R.COUNTY_COMMAND}),
    # directives (督办): the centre issues, follows and escalates; the townships (and the
    # departments' members, who hold one of these roles) acknowledge, report and close
    "directive.view": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.AUDITOR}),
    "directive.issue": frozenset({R.COUNTY_COMMAND}),
    "directive.respond": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    "department.manage": frozenset({R.COUNTY_COMMAND, R.SYSTEM_ADMIN}),
    # closed-loop transfers (transfers)
    # (this domain's permissions go here)
    "transfer.view": frozenset(
        _OPERATORS | {R.SITE_MANAGER, R.TRANSFER_DISPATCHER, R.AUDITOR, R.DRIVER}
    ),
    # ask for a transfer (home isolation's eligibility queue, cases, sites call the service)
    "transfer.request": frozenset(_OPERATORS | {R.SITE_MANAGER, R.TRANSFER_DISPATCHER}),
    # plan, accept, edit plans; dispatch trips; cancel requests
    "transfer.dispatch": frozenset({R.TRANSFER_DISPATCHER, R.COUNTY_COMMAND}),
    "fleet.manage": frozenset({R.TRANSFER_DISPATCHER, R.COUNTY_COMMAND}),
    # the trip page: pick-ups, arrival and the hand-over to check-in, disinfection
    "transfer.trip.run": frozenset({R.DRIVER, R.TRANSFER_DISPATCHER}),
    # arrivals, ledgers, risk areas (arrivals)
    # (this domain's permissions go here)
    "arrival.view": frozenset(_OPERATORS | {R.AUDITOR}),
    "arrival.manage": frozenset(_OPERATORS),
    "arrival.acknowledge": frozenset(_OPERATORS),
    "arrival.export": frozenset(_OPERATORS | {R.AUDITOR}),
    "origin.manage": frozenset({R.COUNTY_COMMAND}),
    "riskarea.view": frozenset(_OPERATORS | {R.CHECKPOINT_OFFICER, R.AUDITOR}),
    "riskarea.designate": frozenset({R.COUNTY_COMMAND}),
    "riskarea.lift": frozenset({R.COUNTY_COMMAND}),
    # entry checkpoints (checkpoints)
    # (this domain's permissions go here)
    "checkpoint.view": frozenset(
        {R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.CHECKPOINT_OFFICER, R.AUDITOR}
    ),
    "checkpoint.manage": frozenset({R.COUNTY_COMMAND}),
    "checkpoint.inspect": frozenset({R.CHECKPOINT_OFFICER, R.COUNTY_COMMAND}),
    # essential workers and rosters (workforce)
    # (this domain's permissions go here)
    "worker.view": frozenset(_OPERATORS | {R.CHECKPOINT_OFFICER, R.AUDITOR, R.EMPLOYER}),
    "worker.manage": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.EMPLOYER}),
    # closing a worker's loop starts the rule's monitoring: a control decision
    "worker.loop": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    "employer.manage": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    "sector.manage": frozenset({R.COUNTY_COMMAND}),
    "work_pass.verify": frozenset({R.CHECKPOINT_OFFICER, R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER}),
    "roster.view": frozenset(_OPERATORS | {R.SITE_MANAGER, R.TRANSFER_DISPATCHER, R.AUDITOR}),
    "roster.manage": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.SITE_MANAGER}),
    # supplies and freight passes (logistics)
    # (this domain's permissions go here)
    "supply.view": frozenset(
        _OPERATORS | {R.SITE_MANAGER, R.TRANSFER_DISPATCHER, R.CHECKPOINT_OFFICER, R.AUDITOR}
    ),
    "supply.manage": frozenset(
        {R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.SITE_MANAGER, R.CHECKPOINT_OFFICER}
    ),
    "freight_pass.view": frozenset(
        {R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.CHECKPOINT_OFFICER, R.AUDITOR}
    ),
    "freight_pass.apply": frozenset({R.COUNTY_COMMAND, R.TOWNSHIP_OFFICER, R.EMPLOYER}),
    "freight_pass.decide": frozenset({R.COUNTY_COMMAND}),
    "freight_pass.verify": frozenset({R.CHECKPOINT_OFFICER, R.COUNTY_COMMAND}),
    # platform
    "user.manage": frozenset({R.SYSTEM_ADMIN}),
    "audit.view": frozenset({R.AUDITOR, R.SYSTEM_ADMIN}),
    "task.view": frozenset({R.SYSTEM_ADMIN, R.COUNTY_COMMAND}),
    "task.retry": frozenset({R.SYSTEM_ADMIN}),
    "token.own": frozenset(Role),
    # end someone else's API tokens (a lost device, a leaver)
    "token.revoke_any": frozenset({R.SYSTEM_ADMIN}),
}


def roles_with(action: str) -> frozenset[str]:
    try:
        return PERMISSIONS[action]
    except KeyError:  # a typo in an action name must not silently deny or allow
        raise KeyError(f"unknown permission {action!r}") from None


# What each role's home page offers, in the order shown in the navigation.
ROLE_DESCRIPTIONS: dict[str, str | Promise] = {
    R.COUNTY_COMMAND: _("See and direct the whole county: people, capacity, testing, reports."),
    R.TOWNSHIP_OFFICER: _("Manage the people, households and ledgers of your township."),
    R.VILLAGE_CADRE: _("Keep your village's households, home isolation and services."),
    R.SITE_MANAGER: _("Run your isolation site: check-in, release and room turnover."),
    R.TRANSFER_DISPATCHER: _(
        "Plan and dispatch closed-loop transfers: requests, vehicles, the dispatch board."
    ),
    R.SAMPLER: _("Scan people and tubes at your testing point."),
    R.LAB_TECHNICIAN: _("Receive boxes, record and publish results."),
    R.CHECKPOINT_OFFICER: _(
        "Check every vehicle and every person at your checkpoint, on your phone, even offline."
    ),
    R.AUDITOR: _("Read records and the audit log; change nothing."),
    R.SYSTEM_ADMIN: _("Manage accounts, roles, areas and background tasks."),
    R.EMPLOYER: _("Keep your whitelist of essential workers and see their test compliance."),
    R.DRIVER: _("Run your transfer trips: pick-ups, arrival and hand-over, disinfection."),
}
