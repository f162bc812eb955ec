"""Forms of the pages. They parse and present; the services decide what is valid."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vinculo.interactions.services import SUMMARY_MAX_LENGTH
from vinculo.people.models import Colleague, Person
from vinculo.vocab import Channel, Direction, Level

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _now_to_the_minute() -> str:
    return timezone.localtime().replace(second=0, microsecond=0).strftime(DATETIME_LOCAL)


# The mixin's methods use forms.Form's; mypy is told so without changing the MRO.
if TYPE_CHECKING:
    _FormBase = forms.Form
else:
    _FormBase = object


class ServiceErrorsMixin(_FormBase):
    """Show a service's errors on the fields they name, the rest above the form."""

    def add_service_errors(
        self, error: ValidationError, fields: dict[str, str] | None = None
    ) -> None:
        """``fields`` renames a service's field to the form's (a promise's "text" is the
        log form's "promise")."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.error_dict.items():
            field = (fields or {}).get(field, field)
            self.add_error(field if field in self.fields else None, messages)


class InteractionForm(ServiceErrorsMixin, forms.Form):
    """Log a contact. Defaults make the common case (a meeting we asked for, half an hour,
    now) one summary and one click away."""

    started_at = forms.DateTimeField(
        label=_("When"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    duration_min = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=0,
        max_value=24 * 60,
        initial=30,
        widget=forms.NumberInput(attrs={"step": 5}),
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=Channel.choices,
        initial=Channel.MEETING,
        widget=forms.RadioSelect,
    )
    direction = forms.ChoiceField(
        label=_("Who started it"),
        choices=Direction.choices,
        initial=Direction.OUTBOUND,
        widget=forms.RadioSelect,
    )
    level = forms.ChoiceField(
        label=_("Conversation level"),
        choices=[("", _("Not set")), *Level.choices],
        required=False,
        initial="",
        widget=forms.RadioSelect,
        help_text=_("Leave it unset and Vínculo may suggest one from the summary."),
    )
    place = forms.CharField(label=_("Place or medium"), max_length=200, required=False)
    # No max_length here: the service's check (one wording for web, API and importers)
    # answers; the attributes let the browser stop at the limit and count as one types.
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "maxlength": SUMMARY_MAX_LENGTH,
                "data-counter": "summary-counter",
                "aria-describedby": "summary-counter level-suggestion",
                # The suggested level, live (web:level_suggestion); shown, never chosen.
                "hx-get": reverse_lazy("web:level_suggestion"),
                "hx-trigger": "keyup changed delay:400ms",
                "hx-target": "#level-suggestion",
                "hx-sync": "this:replace",
            }
        ),
    )
    # Not required here: "at least one person" is a rule of interaction_log, which says so
    # in the user's language; the form only turns ids into people.
    people = forms.ModelMultipleChoiceField(
        label=_("Their participants"),
        queryset=Person.objects.all(),
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    # Picked like the people: a search with autocomplete, our colleague already chosen.
    colleagues = forms.ModelMultipleChoiceField(
        label=_("Our participants"),
        queryset=Colleague.objects.order_by("name"),
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    # A promise made (or a next step agreed) in this contact: recorded with it, in the same
    # transaction, through commitments.services.commitment_record.
    promise = forms.CharField(
        label=_("Promise made or next step"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("Optional. Recorded as a promise of ours, made on the day of the contact."),
    )
    promise_due = forms.DateField(
        label=_("Promised for"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # The agenda play the form was opened from (a Today card): the user goes back there,
    # and, when ticked, the play is marked done with the contact.
    play = forms.IntegerField(required=False, widget=forms.HiddenInput)
    play_done = forms.BooleanField(
        label=_("Mark the agenda suggestion as done"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started_at"].initial = _now_to_the_minute

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("promise_due") and not (data.get("promise") or "").strip():
            self.add_error("promise", _("Write what was promised, or leave the due date empty."))
        return data

    def selected_people_ids(self) -> list[int]:
        """The ids the user picked, even when the form did not validate (to redraw them)."""
        return self._selected_ids("people")

    def selected_colleague_ids(self) -> list[int]:
        """Our side as picked, even when the form did not validate."""
        return self._selected_ids("colleagues")

    def _selected_ids(self, name: str) -> list[int]:
        raw: list[Any] = (
            self.data.getlist(name)  # type: ignore[attr-defined]
            if self.is_bound
            else list(self.initial.get(name, []))
        )
        ids: list[int] = []
        for value in raw:
            try:
                ids.append(int(getattr(value, "pk", value)))
            except (TypeError, ValueError):
                continue
        return list(dict.fromkeys(ids))
