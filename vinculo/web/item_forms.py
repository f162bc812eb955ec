"""The forms of a person's or account's items: promises, complaints, concerns, initiatives
and value items, each with an add, a change and a close (resolve, decide, tell) form.

They parse and present; the services (``commitments.services``, ``growth.services``) decide
what is valid and say why, in the user's language. Fields are therefore optional here
unless the service cannot take an empty value at all (the date a promise closes, a
complaint or concern is resolved, the value is told). The field names are the services'
keyword arguments: a form's ``cleaned_data`` is what its service is called with.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vinculo.vocab import CommitmentStatus, Outcome, Severity, ValueKind
from vinculo.web.forms import ServiceErrorsMixin

DATE = "%Y-%m-%d"


def _date(label: Any, *, required: bool = False, today: bool = False) -> forms.DateField:
    field = forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE),
        input_formats=[DATE],
    )
    if today:
        field.initial = timezone.localdate
    return field


def _text(label: Any, *, rows: int = 0) -> forms.CharField:
    # No max_length: the service's check words the limit (one wording everywhere).
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=False, widget=widget, strip=False)


def _amount(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, widget=forms.NumberInput(attrs={"step": "0.01"})
    )


class ItemForm(ServiceErrorsMixin, forms.Form):
    """A stale version ("changed by X at T") is said above the form, not on its hidden
    field; the first field with an error (or the first field) gets the focus."""

    def add_service_errors(
        self, error: ValidationError, fields: dict[str, str] | None = None
    ) -> None:
        if hasattr(error, "error_dict") and "version" in error.error_dict:
            self.add_error(None, error.error_dict.pop("version"))
        super().add_service_errors(error, fields)

    def focus_first(self) -> None:
        """The first field with an error, else the first field one types in (a radio
        group would put the attribute on each of its buttons)."""
        names = [name for name in self.fields if name in self.errors] or [
            name
            for name in self.fields
            if not isinstance(self.fields[name].widget, forms.RadioSelect)
        ]
        visible = [name for name in names if not self.fields[name].widget.is_hidden]
        if visible and not self.non_field_errors():
            self.fields[visible[0]].widget.attrs["autofocus"] = True


class VersionedForm(ItemForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


def change_form(add: type[ItemForm], *names: str) -> type[VersionedForm]:
    """The change form of a kind: the fields of its add form its ``*_update`` service
    corrects, and the version the form showed."""
    fields = {name: add.base_fields[name] for name in names}
    return type(add.__name__.replace("Add", "Change"), (VersionedForm,), fields)


# --- promises (M2) -----------------------------------------------------------------------


class CommitmentAddForm(ItemForm):
    text = _text(_("What was promised"), rows=3)
    made_on = _date(_("Promised on"), today=True)
    due = _date(_("Due"))


_HOW_PROMISES_END = [
    (CommitmentStatus.KEPT, CommitmentStatus.KEPT.label),
    (CommitmentStatus.BROKEN, CommitmentStatus.BROKEN.label),
    (CommitmentStatus.RENEGOTIATED, CommitmentStatus.RENEGOTIATED.label),
]


class CommitmentCloseForm(ItemForm):
    status = forms.ChoiceField(
        label=_("How it ended"),
        choices=_HOW_PROMISES_END,
        initial=CommitmentStatus.KEPT,
        widget=forms.RadioSelect,
        help_text=_("Kept after its due date counts as kept late."),
    )
    closed_on = _date(_("On"), required=True, today=True)
    new_due = _date(_("New due date (if renegotiated)"))


# --- complaints (M10, M11) ---------------------------------------------------------------


def _severity() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial="medium")


class ComplaintAddForm(ItemForm):
    summary = _text(_("What went wrong"), rows=3)
    severity = _severity()
    category = _text(_("Category"))
    opened = _date(_("Raised on"), today=True)


class ComplaintCloseForm(ItemForm):
    resolved = _date(_("Resolved on"), required=True, today=True)
    resolution = _text(_("How it was resolved"), rows=3)
    satisfaction_after = forms.IntegerField(
        label=_("Their satisfaction afterwards (1-5)"), required=False
    )


# --- concerns (M19) ----------------------------------------------------------------------


class ConcernAddForm(ItemForm):
    topic = _text(_("What worries them"))
    opened = _date(_("Came up on"), today=True)


class ConcernCloseForm(ItemForm):
    resolved = _date(_("Resolved on"), required=True, today=True)


# --- initiatives (M3) --------------------------------------------------------------------


class InitiativeAddForm(ItemForm):
    text = _text(_("What we proposed"), rows=3)
    proposed_on = _date(_("Proposed on"), today=True)
    value = _amount(_("Value"))


class InitiativeCloseForm(ItemForm):
    outcome = forms.ChoiceField(
        label=_("Their answer"),
        choices=Outcome.choices,
        initial=Outcome.ACCEPTED,
        widget=forms.RadioSelect,
    )
    value = _amount(_("Value"))


# --- value items (M20) -------------------------------------------------------------------


def _value_kind() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Kind"), choices=[("", "—"), *ValueKind.choices], required=False
    )


class ValueItemAddForm(ItemForm):
    evidence = _text(_("Evidence"), rows=2)
    kind = _value_kind()
    amount = _amount(_("Amount"))
    date = _date(_("Delivered on"), today=True)
    communicated_on = _date(_("Told to the client on"))


class ValueItemCloseForm(ItemForm):
    communicated_on = _date(_("Told to the client on"), required=True, today=True)


# The corrections: what each ``*_update`` service accepts (the lifecycle is the close form's).
CommitmentChangeForm = change_form(CommitmentAddForm, "text", "due")
ComplaintChangeForm = change_form(ComplaintAddForm, "summary", "severity", "category")
ConcernChangeForm = change_form(ConcernAddForm, "topic")
InitiativeChangeForm = change_form(InitiativeAddForm, "text", "value")
ValueItemChangeForm = change_form(
    ValueItemAddForm, "evidence", "kind", "amount", "date", "communicated_on"
)
