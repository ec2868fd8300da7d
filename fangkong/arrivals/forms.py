"""Forms of the arrivals app: the public pre-registration, a cadre's entry, the
acknowledgement, origins, residents away, risk designations."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.areas.selectors import areas_for
from fangkong.areas.widgets import AreaField
from fangkong.arrivals.choices import CodeColour, RiskLevel, TestResult, TravelMode
from fangkong.people.choices import DocType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def village_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """The county's villages and communities grouped by township, for the public form."""
    townships = {a.path: a.name for a in Area.objects.filter(depth=2).order_by("path")}
    groups: dict[str, list[tuple[int, str]]] = {name: [] for name in townships.values()}
    step = Area.steplen
    for a in Area.objects.filter(depth=3).order_by("path").only("pk", "name", "path"):
        town = townships.get(a.path[: 2 * step])
        if town is not None:
            groups[town].append((a.pk, a.name))
    return [(town, items) for town, items in groups.items() if items]


class ArrivalFieldsMixin(forms.Form):
    name = forms.CharField(label=_("Name (姓名)"), max_length=60)
    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocType.choices)
    id_number = forms.CharField(label=_("Document number (证件号码)"), max_length=40)
    phone = forms.CharField(label=_("Mobile phone (手机号码)"), max_length=20)
    origin_province = forms.CharField(label=_("From: province (出发地 省)"), max_length=30)
    origin_city = forms.CharField(label=_("From: city (市)"), max_length=30, required=False)
    origin_county = forms.CharField(
        label=_("From: county or district (区县)"), max_length=30, required=False
    )
    origin_street = forms.CharField(
        label=_("From: street or town (街道/乡镇)"), max_length=60, required=False
    )
    travelled = forms.CharField(
        label=_("Other places in the last 7 days (途经地)"), max_length=300, required=False
    )
    travel_mode = forms.ChoiceField(label=_("How you travel"), choices=TravelMode.choices)
    travel_number = forms.CharField(
        label=_("Train or flight number"), max_length=20, required=False
    )
    plate = forms.CharField(label=_("Car plate"), max_length=12, required=False)
    arrival_date = forms.DateField(label=_("Arrival date"), widget=DATE)
    address = forms.CharField(label=_("Address you go to (详细地址)"), max_length=200)
    test_result = forms.ChoiceField(label=_("Recent test (核酸)"), choices=TestResult.choices)
    code_colour = forms.ChoiceField(label=_("Health code colour"), choices=CodeColour.choices)

    def clean(self):
        """The document number and phone checked here too, so every reason shows at once."""
        from fangkong.arrivals.services._common import Errors
        from fangkong.arrivals.services.arrivals import clean_id, clean_phone

        data = super().clean()
        errors = Errors()
        if "id_number" in data and "doc_type" in data:
            data["id_number"] = (
                clean_id(errors, data["doc_type"], data["id_number"]) or data["id_number"]
            )
        if "phone" in data:
            data["phone"] = clean_phone(errors, data["phone"]) or data["phone"]
        for field, messages in errors.fields.items():
            for m in messages:
                self.add_error(field if field in self.fields else None, m)
        return data


class PreRegistrationForm(ArrivalFieldsMixin):
    area = forms.TypedChoiceField(
        label=_("Village or community you go to"),
        coerce=int,
        error_messages={
            "invalid_choice": _(
                "Choose the village or community you go to in the county; places outside the "
                "county are not received here."
            )
        },
    )
    # the honeypot: hidden from people by the stylesheet, filled in by form-filling robots
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)

    field_order = ["name", "doc_type", "id_number", "phone", "origin_province", "origin_city",
                   "origin_county", "origin_street", "travelled", "travel_mode", "travel_number",
                   "plate", "arrival_date", "area", "address", "test_result", "code_colour"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "—"), *village_choices()]
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        self.fields["arrival_date"].initial = timezone.localdate()
        self.fields["phone"].widget.input_type = "tel"


class ArrivalForm(ArrivalFieldsMixin):
    area = AreaField(label=_("Receiving village or community"))
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).filter(depth__gte=3).order_by("path")


class AcknowledgeForm(forms.Form):
    visited = forms.BooleanField(
        label=_("Visited the person (已上门核实)"), required=False, initial=True
    )
    at_address = forms.BooleanField(
        label=_("The person is at the address (人在址)"), required=False, initial=True
    )
    start_measure = forms.BooleanField(
        label=_("Start the measure due now"), required=False, initial=True
    )
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class OriginForm(forms.Form):
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    province = forms.CharField(label=_("Province"), max_length=30)
    city = forms.CharField(label=_("City"), max_length=30, required=False)
    county = forms.CharField(label=_("County or district"), max_length=30, required=False)
    street = forms.CharField(label=_("Street or town"), max_length=60, required=False)
    effective_from = forms.DateField(label=_("In force from"), widget=DATE)
    effective_to = forms.DateField(label=_("In force until"), widget=DATE, required=False)
    source = forms.CharField(label=_("Source (通告)"), max_length=200, required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class AwayForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocType.choices)
    id_number = forms.CharField(label=_("Document number"), max_length=40)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    area = AreaField(label=_("Home village or community"))
    whereabouts_province = forms.CharField(label=_("Where: province"), max_length=30)
    whereabouts_city = forms.CharField(label=_("Where: city"), max_length=30, required=False)
    whereabouts = forms.CharField(label=_("Where: address"), max_length=200, required=False)
    away_since = forms.DateField(label=_("Away since"), widget=DATE, required=False)
    expected_return = forms.DateField(label=_("Expected return"), widget=DATE, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).filter(depth=3).order_by("path")


class DesignationForm(forms.Form):
    area = AreaField(label=_("Area (building, estate, village or township)"))
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    measures = forms.CharField(
        label=_("Measures (empty: the rule set's for the level)"), max_length=300, required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(user).filter(depth__gte=2).order_by("path")
        self.fields["starts_on"].initial = timezone.localdate()


class LiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for lifting before the clean days"), max_length=300, required=False
    )
