"""What the record pages add to show their trail (``templates/audit/_history.html``)."""

from __future__ import annotations

from typing import Any

from django.db import models

from vinculo.access import rules
from vinculo.audit.selectors import PERSONAL_FACTS, history_for, lines
from vinculo.people.models import Person


def history_context(user: Any, obj: models.Model) -> dict[str, Any]:
    """The ``audit_lines`` of a person's or account's page: one query. Personal facts'
    values are withheld from whoever may not see them."""
    hide: frozenset[str] = frozenset()
    if isinstance(obj, Person) and not rules.can_see_personal_facts(user, obj):
        hide = PERSONAL_FACTS
    return {"audit_lines": lines(history_for(obj), hide=hide)}
