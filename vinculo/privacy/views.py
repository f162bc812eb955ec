"""The privacy pages: a person's subject access export (page and JSON) and the erasure."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from vinculo.access import rules
from vinculo.privacy.selectors import SECTIONS, subject_access
from vinculo.privacy.services import person_erase
from vinculo.users.models import Role, User
from vinculo.web.access import AuthedHttpRequest

EXPORT_ROLES = (Role.ADMIN, Role.MANAGER)


def _exporter(request: AuthedHttpRequest) -> User:
    """Subject access requests are answered by administrators and managers."""
    user = request.user
    if not (user.is_superuser or user.role in EXPORT_ROLES):
        raise PermissionDenied
    return user


def _admin(request: AuthedHttpRequest) -> User:
    user = request.user
    if not (user.is_superuser or user.role == Role.ADMIN):
        raise PermissionDenied
    return user


@require_GET
def person_export(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    user = _exporter(request)
    person = rules.person_for(user, person_id)
    data = subject_access(person)
    context = {
        "person": person,
        "data": data,
        "sections": [(name, data[name]) for name in SECTIONS],
        "can_erase": user.is_superuser or user.role == Role.ADMIN,
    }
    return render(request, "privacy/person_export.html", context)


@require_GET
def person_export_json(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    user = _exporter(request)
    person = rules.person_for(user, person_id)
    body = json.dumps(subject_access(person), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.json"'
    return response


@require_http_methods(["GET", "POST"])
def person_erase_view(request: AuthedHttpRequest, person_id: int) -> HttpResponse:
    user = _admin(request)
    person = rules.person_for(user, person_id, change=True)
    if request.method == "POST":
        if request.POST.get("confirm") != str(person.pk):
            messages.error(request, _("Type the person's number to confirm the erasure."))
            return redirect("privacy:person_erase", person_id=person.pk)
        result = person_erase(person=person, actor=user)
        messages.success(
            request,
            _("Their personal data was erased; the record now reads “%(name)s”.")
            % {"name": result.placeholder},
        )
        return redirect("web:person", person_id=person.pk)
    return render(request, "privacy/person_erase.html", {"person": person})
