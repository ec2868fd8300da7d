"""The transfers section of the command centre's daily picture."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.actors import Actor
from fangkong.core.figures import Figure, register
from fangkong.transfers import selectors
from fangkong.transfers.choices import TransferKind


def figures(user: Actor, day: dt.date) -> list[Figure]:
    data = selectors.figures_data(user, day)
    url = reverse("transfers:request_list")
    out: list[Figure] = []
    for kind in TransferKind:
        out.append(
            Figure(
                f"transfers.open.{kind.value}",
                _("Open transfers: %(kind)s") % {"kind": kind.label},
                data["by_kind"][kind.value]["open"],
                url=f"{url}?kind={kind.value}",
            )
        )
        out.append(
            Figure(
                f"transfers.overdue.{kind.value}",
                _("Overdue transfers: %(kind)s") % {"kind": kind.label},
                data["by_kind"][kind.value]["overdue"],
                url=f"{url}?kind={kind.value}&overdue=1",
            )
        )
    out += [
        Figure(
            "transfers.overdue",
            _("Overdue transfers, all kinds"),
            sum(v["overdue"] for v in data["by_kind"].values()),
            by_township=dict(data["overdue_by_township"]),
            url=f"{url}?overdue=1",
        ),
        Figure(
            "transfers.arrival_p50",
            _("Request to arrival, median (p50)"),
            None if data["p50"] is None else round(data["p50"], 1),
            unit=_("h"),
        ),
        Figure(
            "transfers.arrival_p90",
            _("Request to arrival, p90"),
            None if data["p90"] is None else round(data["p90"], 1),
            unit=_("h"),
        ),
        Figure("transfers.arrived", _("Persons' transfers arrived today"), data["arrived"]),
        Figure(
            "transfers.vehicles_on_trip",
            _("Vehicles on a trip"),
            data["vehicles"]["on_trip"],
            note=_("of %(n)d vehicles") % {"n": data["vehicles"]["total"]},
        ),
        Figure(
            "transfers.vehicles_disinfecting",
            _("Vehicles being disinfected"),
            data["vehicles"]["disinfecting"],
        ),
        Figure("transfers.trips_done", _("Trips done today"), data["trips_done"]),
    ]
    return out


register(
    "transfers", label=_("Transfers (转运)"), permission="transfer.view", figures=figures, order=30
)
