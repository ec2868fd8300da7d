"""Reasons for control and the kinds of phase a rule is made of."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    NATIONAL = "national", _("National (国家)")
    COUNTY = "county", _("County (县级)")


class Reason(models.TextChoices):
    """Why a person is put under control: what a rule is looked up by."""

    CLOSE_CONTACT = "close_contact", _("Close contact (密切接触者)")
    SECONDARY_CONTACT = "secondary_contact", _("Contact of a close contact (密接的密接)")
    INBOUND_TRAVELLER = "inbound_traveller", _("Inbound traveller (入境人员)")
    LEFT_HIGH_RISK_AREA = "left_high_risk_area", _("Left a high-risk area (高风险区外溢人员)")
    CLOSED_LOOP_WORKER_LEAVING_POST = (
        "closed_loop_worker_leaving_post",
        _("Closed-loop worker leaving post (高风险岗位闭环作业人员离岗)"),
    )
    POOL_POSITIVE_AWAITING_RETEST = (
        "pool_positive_awaiting_retest",
        _("Pooled test positive, awaiting retest (混管阳性待复核)"),
    )
    LOW_RISK_AREA_ARRIVAL = (
        "low_risk_area_arrival",
        _("Arrival from a low-risk area (低风险区来返人员)"),
    )


class PhaseKind(models.TextChoices):
    CENTRALIZED_ISOLATION = "centralized_isolation", _("Centralized isolation (集中隔离)")
    HOME_ISOLATION = "home_isolation", _("Home isolation (居家隔离)")
    HOME_HEALTH_MONITORING = "home_health_monitoring", _("Home health monitoring (居家健康监测)")
    TESTING_ONLY = "testing_only", _("Tests only, no restriction (落地检)")
