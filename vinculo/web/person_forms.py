"""The person page's write forms: profile and personal facts (M18), a job change (M4) and
the contact plan (M17). They parse and present; the services (``people.services``, with
the checks of ``people.checks``, the same the API, the importers and the admin use)
decide what is valid, and their errors are shown beside the fields they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from vinculo.admin_tools import split_values
from vinculo.people.checks import PERSONAL_FACT_FIELDS
from vinculo.people.models import Account, Colleague, ContactPlan, Person
from vinculo.vocab import Channel, DecisionRole, Function, LegalBasis

DATE = "%Y-%m-%d"
# What a form's fields are named after on the person (the profile form's).
PROFILE_FIELDS = (
    "name",
    "phones",
    "language",
    "owner",
    "legal_basis",
    "legal_basis_source",
    "notes",
)


def _text(label: Any, *, rows: int = 0, help_text: Any = "") -> forms.CharField:
    """No max_length: the service's check says so, in one wording for every face."""
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=False, widget=widget, help_text=help_text)


class ServiceErrorsMixin:
    """Show a service's ValidationError on the fields it names, the rest above the form."""

    fields: dict[str, forms.Field]

    def add_service_errors(self, error: ValidationError) -> None:
        add_error = self.add_error  # type: ignore[attr-defined]
        if not hasattr(error, "error_dict"):
            add_error(None, error)
            return
        for field, messages in error.error_dict.items():
            add_error(field if field in self.fields else None, messages)


class ProfileForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label=_("Name"), required=False)
    emails = _text(_("Emails"), rows=2, help_text=_("Separated by ; or one per line."))
    phones = _text(_("Phones"), help_text=_("Separated by ;"))
    language = _text(_("Language"), help_text=_("For example es or en."))
    owner = forms.ModelChoiceField(
        label=_("Our owner"),
        queryset=Colleague.objects.order_by("name"),
        required=False,
        empty_label=_("Nobody"),
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis for personal data"),
        choices=[("", "—"), *LegalBasis.choices],
        required=False,
    )
    legal_basis_source = _text(
        _("Source of the legal basis"),
        help_text=_("Where it comes from: the consent form, the contract, the assessment."),
    )
    notes = _text(_("Notes"), rows=4)
    birthday = forms.DateField(
        label=_("Birthday"),
        required=False,
        input_formats=[DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE),
    )
    family = _text(_("Family"), rows=2)
    tastes = _text(_("Tastes and preferences"), rows=2)
    friends = _text(_("Friends"), rows=2)
    interests = _text(_("Interests"), rows=2)
    professional_interests = _text(_("Professional interests"), rows=2)

    def __init__(self, *args: Any, with_facts: bool, **kwargs: Any) -> None:
        """``with_facts``: the user may see (and so change) the personal facts (M18)."""
        super().__init__(*args, **kwargs)
        self.with_facts = with_facts
        if not with_facts:
            for name in PERSONAL_FACT_FIELDS:
                del self.fields[name]

    @classmethod
    def initial_of(cls, person: Person, emails: list[str]) -> dict[str, Any]:
        initial: dict[str, Any] = {f: getattr(person, f) for f in PROFILE_FIELDS if f != "owner"}
        initial |= {f: getattr(person, f) for f in PERSONAL_FACT_FIELDS}
        initial |= {"owner": person.owner_id, "version": person.version}
        initial["emails"] = "; ".join(emails)
        return initial

    def changes(self) -> dict[str, Any]:
        """What ``person_update`` takes, from the cleaned data (emails apart)."""
        data = self.cleaned_data
        names = [*PROFILE_FIELDS, *(PERSONAL_FACT_FIELDS if self.with_facts else ())]
        values = {name: data[name] for name in names}
        values["name"] = values["name"] or ""
        return values

    def email_list(self) -> list[str]:
        return split_values(self.cleaned_data.get("emails") or "")

    @property
    def facts(self) -> list[forms.BoundField]:
        return [self[name] for name in PERSONAL_FACT_FIELDS if name in self.fields]

    @property
    def main(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "emails", "phones", "language", "owner", "notes")]

    @property
    def basis(self) -> list[forms.BoundField]:
        return [self["legal_basis"], self["legal_basis_source"]]


class JobChangeForm(ServiceErrorsMixin, forms.Form):
    """The person leaves their current job(s) and joins another account, or none (M4)."""

    on = forms.DateField(
        label=_("Date of the move"),
        input_formats=[DATE],
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE),
        help_text=_("Their current jobs end the day before."),
        error_messages={"required": _("Give the date of the move.")},
    )
    account = forms.ModelChoiceField(
        label=_("New company"),
        queryset=Account.objects.none(),
        required=False,
        empty_label=_("None: they no longer work for a company we know"),
    )
    title = _text(_("Title"))
    function = forms.ChoiceField(label=_("Function"), choices=Function.choices, required=False)
    decision_role = forms.ChoiceField(
        label=_("Role in decisions"),
        choices=[("", "—"), *DecisionRole.choices],
        required=False,
    )

    def __init__(self, *args: Any, accounts: QuerySet[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["account"]
        field.queryset = accounts.order_by("name")  # type: ignore[attr-defined]
        self.fields["function"].initial = Function.OTHER


class ContactPlanForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    every_days = forms.IntegerField(
        label=_("Every (days)"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Give the cadence in days.")},
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", "—"), *Channel.choices], required=False
    )
    place = _text(_("Place or medium"))
    agreed = forms.BooleanField(label=_("Agreed with them"), required=False)

    @classmethod
    def initial_of(cls, plan: ContactPlan | None) -> dict[str, Any]:
        if plan is None:
            return {"version": 0}
        return {
            "version": plan.version,
            "every_days": plan.every_days,
            "channel": plan.channel,
            "place": plan.place,
            "agreed": plan.agreed,
        }
