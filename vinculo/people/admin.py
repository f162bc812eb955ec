"""People, accounts, jobs, colleagues and plans in the admin: written through the
services (so the one-current-job rule, the timeline and the health refresh apply), with
the shared checks shown as form errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vinculo.admin_tools import (
    ReadOnlyInline,
    ServiceAdmin,
    add_problems,
    add_service_error,
    split_values,
)
from vinculo.people.checks import (
    PERSONAL_FACT_FIELDS,
    account_problems,
    colleague_problems,
    contact_plan_problems,
    employment_problems,
    person_problems,
    personal_facts_given,
)
from vinculo.people.models import (
    Account,
    AccountDomain,
    Colleague,
    ContactPlan,
    Employment,
    Person,
    PersonEmail,
)
from vinculo.people.services import (
    account_create,
    account_domains_check,
    account_update,
    colleague_create,
    colleague_email_check,
    colleague_update,
    contact_plan_set,
    employment_end,
    employment_remove,
    employment_start,
    employment_update,
    person_create,
    person_emails_check,
    person_update,
)
from vinculo.users.models import User


def _user(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


class AccountDomainInline(ReadOnlyInline):
    model = AccountDomain
    show_change_link = False


class EmploymentInline(ReadOnlyInline):
    model = Employment
    fields = ("account", "title", "function", "decision_role", "start", "end")
    readonly_fields = fields


class PersonEmailInline(ReadOnlyInline):
    model = PersonEmail
    show_change_link = False


class AccountForm(forms.ModelForm[Account]):
    domains = forms.CharField(
        label=_("email domains"),
        required=False,
        help_text=_("Separated by ; or one per line."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Account
        fields = ["name", "industry", "country", "tier", "size", "status", "owner", "wallet_yearly"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["domains"].initial = "; ".join(
                self.instance.domains.values_list("domain", flat=True)
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        add_problems(
            self,
            account_problems(
                name=data.get("name") or "",
                industry=data.get("industry") or "",
                country=(data.get("country") or "").strip().upper(),
                tier=data.get("tier") or "",
                size=data.get("size") or "",
                status=data.get("status") or "",
                wallet_yearly=data.get("wallet_yearly"),
            ),
        )
        try:
            data["domains"] = account_domains_check(
                split_values(data.get("domains") or ""), self.instance if self.instance.pk else None
            )
        except ValidationError as error:
            add_service_error(self, error)
        return data


@admin.register(Account)
class AccountAdmin(ServiceAdmin[Account]):
    form = AccountForm
    list_display = ["name", "tier", "status", "industry", "country", "owner"]
    list_filter = ["tier", "status", "country"]
    list_select_related = ["owner"]
    search_fields = ["name", "key", "domains__domain"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["key"]
    inlines = [AccountDomainInline]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Account:
        return account_create(
            name=data["name"],
            domains=data["domains"],
            industry=data["industry"],
            country=data["country"],
            tier=data["tier"],
            size=data["size"],
            status=data["status"],
            owner=data["owner"],
            wallet_yearly=data["wallet_yearly"],
            actor=_user(request),
        )

    def update(
        self, request: HttpRequest, current: Account, data: dict[str, Any], changed: list[str]
    ) -> Account:
        fields = [f for f in changed if f != "domains"]
        return account_update(
            account=current,
            domains=data["domains"] if "domains" in changed else None,
            actor=_user(request),
            **{f: data[f] for f in fields},
        )


class PersonForm(forms.ModelForm[Person]):
    emails = forms.CharField(
        label=_("email addresses"),
        required=False,
        help_text=_("Separated by ; or one per line."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Person
        fields = [
            "name", "phones", "language", "legal_basis", "legal_basis_source", "owner", "notes",
            "birthday", "family", "tastes", "friends", "interests", "professional_interests",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["emails"].initial = "; ".join(
                self.instance.emails.order_by("id").values_list("email", flat=True)
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        checked = ("name", "phones", "language", "legal_basis", "legal_basis_source")
        watched = (*checked, *PERSONAL_FACT_FIELDS)
        after = {f: data.get(f) for f in watched}
        before = {f: getattr(self.instance, f) for f in watched} if self.instance.pk else None
        add_problems(
            self,
            person_problems(
                **{f: data.get(f) or "" for f in checked},
                facts_given=personal_facts_given(after=after, before=before),
            ),
        )
        try:
            data["emails"] = person_emails_check(
                split_values(data.get("emails") or ""), self.instance if self.instance.pk else None
            )
        except ValidationError as error:
            add_service_error(self, error)
        return data


@admin.register(Person)
class PersonAdmin(ServiceAdmin[Person]):
    form = PersonForm
    list_display = ["name", "language", "legal_basis", "owner"]
    list_filter = ["legal_basis", "language"]
    list_select_related = ["owner"]
    search_fields = ["name", "key", "emails__email"]
    autocomplete_fields = ["owner"]
    readonly_fields = ["key"]
    inlines = [PersonEmailInline, EmploymentInline]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Person:
        person = person_create(
            name=data["name"],
            emails=data["emails"],
            phones=data["phones"],
            language=data["language"],
            legal_basis=data["legal_basis"],
            legal_basis_source=data.get("legal_basis_source") or "",
            notes=data["notes"],
            owner=data["owner"],
            actor=_user(request),
        )
        profile = ("birthday", "family", "tastes", "friends", "interests", "professional_interests")
        extra = {f: data[f] for f in profile if data.get(f)}
        return person_update(person=person, actor=_user(request), **extra) if extra else person

    def update(
        self, request: HttpRequest, current: Person, data: dict[str, Any], changed: list[str]
    ) -> Person:
        return person_update(
            person=current,
            emails=data["emails"] if "emails" in changed else None,
            actor=_user(request),
            **{f: data[f] for f in changed if f != "emails"},
        )

    def remove(self, request: HttpRequest, obj: Person) -> None:
        # Deleting a person here is the GDPR erasure (vinculo.privacy, docs/privacy.md).
        from vinculo.privacy.services import person_erase

        person_erase(person=obj, actor=_user(request))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The erasure keeps the row and its jobs as "Erased person #id": nothing cascades.
        return [str(obj) for obj in objs], {}, set(), []


class EmploymentForm(forms.ModelForm[Employment]):
    class Meta:
        model = Employment
        fields = ["person", "account", "title", "function", "decision_role", "start", "end"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Who and where do not change; a job that ended stays ended (start a new one).
            for name in ("person", "account"):
                self.fields[name].disabled = True
            if self.instance.end is not None:
                self.fields["end"].disabled = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        add_problems(
            self,
            employment_problems(
                title=data.get("title") or "",
                function=data.get("function") or "",
                decision_role=data.get("decision_role") or "",
                start=data.get("start"),
                end=data.get("end"),
            ),
        )
        return data


@admin.register(Employment)
class EmploymentAdmin(ServiceAdmin[Employment]):
    form = EmploymentForm
    list_display = ["person", "account", "title", "function", "decision_role", "start", "end"]
    list_filter = ["function", "decision_role"]
    list_select_related = ["person", "account"]
    search_fields = ["person__name", "account__name", "title"]
    autocomplete_fields = ["person", "account"]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Employment:
        job = employment_start(
            person=data["person"],
            account=data["account"],
            start=data["start"],
            title=data["title"],
            function=data["function"],
            decision_role=data["decision_role"],
            actor=_user(request),
        )
        if data.get("end") is not None:
            job = employment_end(employment=job, end=data["end"], actor=_user(request))
        return job

    def update(
        self, request: HttpRequest, current: Employment, data: dict[str, Any], changed: list[str]
    ) -> Employment:
        fields = [f for f in changed if f in ("title", "function", "decision_role", "start")]
        job = employment_update(
            employment=current, actor=_user(request), **{f: data[f] for f in fields}
        )
        if "end" in changed and data.get("end") is not None:
            job = employment_end(employment=job, end=data["end"], actor=_user(request))
        return job

    def remove(self, request: HttpRequest, obj: Employment) -> None:
        employment_remove(employment=obj, actor=_user(request))


class ColleagueForm(forms.ModelForm[Colleague]):
    class Meta:
        model = Colleague
        fields = ["name", "email", "function", "team", "user"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        add_problems(
            self,
            colleague_problems(name=data.get("name") or "", function=data.get("function") or ""),
        )
        try:
            data["email"] = colleague_email_check(
                data.get("email"), self.instance if self.instance.pk else None
            )
        except ValidationError as error:
            add_service_error(self, error)
        return data


@admin.register(Colleague)
class ColleagueAdmin(ServiceAdmin[Colleague]):
    form = ColleagueForm
    list_display = ["name", "email", "function", "team", "user"]
    list_filter = ["function", "team"]
    list_select_related = ["team", "user"]
    search_fields = ["name", "email"]
    readonly_fields = ["key"]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Colleague:
        return colleague_create(
            name=data["name"],
            email=data["email"],
            function=data["function"],
            team=data["team"],
            user=data["user"],
            actor=_user(request),
        )

    def update(
        self, request: HttpRequest, current: Colleague, data: dict[str, Any], changed: list[str]
    ) -> Colleague:
        return colleague_update(
            colleague=current, actor=_user(request), **{f: data[f] for f in changed}
        )


class ContactPlanForm(forms.ModelForm[ContactPlan]):
    class Meta:
        model = ContactPlan
        fields = ["person", "every_days", "channel", "place", "agreed", "next_due"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("every_days") is not None:
            add_problems(
                self,
                contact_plan_problems(
                    every_days=data["every_days"],
                    channel=data.get("channel") or "",
                    place=data.get("place") or "",
                ),
            )
        return data


@admin.register(ContactPlan)
class ContactPlanAdmin(ServiceAdmin[ContactPlan]):
    form = ContactPlanForm
    list_display = ["person", "every_days", "channel", "agreed", "next_due"]
    list_select_related = ["person"]
    search_fields = ["person__name"]
    autocomplete_fields = ["person"]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> ContactPlan:
        return contact_plan_set(
            person=data["person"],
            every_days=data["every_days"],
            channel=data["channel"],
            place=data["place"],
            agreed=data["agreed"],
            next_due=data["next_due"],
            actor=_user(request),
        )

    def update(
        self, request: HttpRequest, current: ContactPlan, data: dict[str, Any], changed: list[str]
    ) -> ContactPlan:
        return self.create(request, {**data, "person": current.person})
