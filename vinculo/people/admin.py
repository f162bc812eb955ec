from django.contrib import admin

from vinculo.people.models import (
    Account,
    AccountDomain,
    Colleague,
    ContactPlan,
    Employment,
    Person,
    PersonEmail,
)


class AccountDomainInline(admin.TabularInline[AccountDomain, Account]):
    model = AccountDomain
    extra = 0


class EmploymentInline(admin.TabularInline[Employment, Person]):
    model = Employment
    extra = 0
    autocomplete_fields = ["account"]


class PersonEmailInline(admin.TabularInline[PersonEmail, Person]):
    model = PersonEmail
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin[Account]):
    list_display = ["name", "tier", "status", "industry", "country", "owner"]
    list_filter = ["tier", "status", "country"]
    list_select_related = ["owner"]
    search_fields = ["name", "key", "domains__domain"]
    autocomplete_fields = ["owner"]
    inlines = [AccountDomainInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin[Person]):
    list_display = ["name", "language", "legal_basis", "owner"]
    list_filter = ["legal_basis", "language"]
    list_select_related = ["owner"]
    search_fields = ["name", "key", "emails__email"]
    autocomplete_fields = ["owner"]
    inlines = [PersonEmailInline, EmploymentInline]


@admin.register(Employment)
class EmploymentAdmin(admin.ModelAdmin[Employment]):
    list_display = ["person", "account", "title", "function", "decision_role", "start", "end"]
    list_filter = ["function", "decision_role"]
    list_select_related = ["person", "account"]
    search_fields = ["person__name", "account__name", "title"]
    autocomplete_fields = ["person", "account"]


@admin.register(Colleague)
class ColleagueAdmin(admin.ModelAdmin[Colleague]):
    list_display = ["name", "email", "function", "team", "user"]
    list_filter = ["function", "team"]
    list_select_related = ["team", "user"]
    search_fields = ["name", "email"]


@admin.register(ContactPlan)
class ContactPlanAdmin(admin.ModelAdmin[ContactPlan]):
    list_display = ["person", "every_days", "channel", "agreed", "next_due"]
    list_select_related = ["person"]
    search_fields = ["person__name"]
    autocomplete_fields = ["person"]
