"""The user's own API tokens: make one (shown once), see when each was last used, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vinculo.users.models import ApiToken, User
from vinculo.users.services import api_token_create, api_token_revoke


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    new_token = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            # Only one's own tokens: anyone else's id is not found.
            row = get_object_or_404(ApiToken, pk=request.POST.get("token_id") or 0, user=user)
            api_token_revoke(token=row)
            messages.success(request, _("The token “%(name)s” no longer works.") % {"name": row})
            return redirect("api_tokens")
        try:
            _row, new_token = api_token_create(user=user, name=request.POST.get("name", "")[:100])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    context = {
        "tokens": ApiToken.objects.filter(user=user).order_by("-created_at", "-id"),
        "new_token": new_token,
        "nav": "api_tokens",
    }
    response = render(request, "users/api_tokens.html", context)
    response["Cache-Control"] = "no-store"  # a new token is a secret
    return response
