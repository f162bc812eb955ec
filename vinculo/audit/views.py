"""What the record pages add to show their trail (``templates/audit/_history.html``)."""

from __future__ import annotations

from typing import Any

from django.db import models

from vinculo.access import rules
from vinculo.audit.selectors import PERSONAL_FACTS, history_for, lines
from vinculo.people.models import Person


def history_context(
    user: Any, obj: models.Model, *, sees_personal_facts: bool | None = None
) -> dict[str, Any]:
    """The ``audit_lines`` of a person's or account's page: one query (and one to decide
    about personal facts, unless the page says ``sees_personal_facts`` already). Personal
    facts' values are withheld from whoever may not see them."""
    hide: frozenset[str] = frozenset()
    if sees_personal_facts is None and isinstance(obj, Person):
        sees_personal_facts = rules.can_see_personal_facts(user, obj)
    if isinstance(obj, Person) and not sees_personal_facts:
        hide = PERSONAL_FACTS
    return {"audit_lines": lines(history_for(obj), hide=hide)}
