"""Optimistic concurrency: two people editing the same record never lose a change silently.

Every editable record carries a ``version`` that each save raises by one (in SQL, so a stale
copy in memory cannot lower it), with when and by whom it last changed. A face that showed a
record (a web form, an API client through its ETag) sends back the version it read; the
service calls :func:`check_version` after locking the row, and a mismatch is refused with
"changed by X at T, review and save again" — one rule for the web, the API and the admin.
Faces that do not track versions (CLI, importers) pass ``None``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class StaleVersion(ValidationError):
    """The record changed since the caller read it (web: a form error; API: 412)."""

    def __init__(self, message: str, *, current: int) -> None:
        super().__init__({"version": message})
        self.current = current


class Versioned(models.Model):
    # db_default as well: the set-based importers (vinculo.bulk) insert rows without it.
    version = models.PositiveIntegerField(
        gettext_lazy("version"), default=1, db_default=1, editable=False
    )
    changed_at = models.DateTimeField(
        gettext_lazy("last changed"), null=True, blank=True, editable=False
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("last changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        bump = not self._state.adding and self.pk is not None
        self.changed_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version", "changed_at", "changed_by"}
        if bump:
            self.version = F("version") + 1
        super().save(*args, **kwargs)
        if bump:
            self.version = (
                type(self)._default_manager.filter(pk=self.pk).values_list("version", flat=True)[0]
            )

    def stamp(self, actor: Any) -> None:
        """Remember who is changing the record (call before ``save``)."""
        if actor is not None and getattr(actor, "is_authenticated", False):
            self.changed_by = actor


def check_version(row: Versioned, expected: int | None) -> None:
    """Refuse the write if ``row`` changed since the caller read version ``expected``.

    Call it inside the service's transaction, after locking the row.
    """
    if expected is None:
        return
    current = (
        type(row)
        ._default_manager.filter(pk=row.pk)
        .values("version", "changed_at", "changed_by__first_name", "changed_by__last_name",
                "changed_by__username")
        .first()
    )  # fmt: skip
    if current is None or current["version"] == expected:
        return
    who = (
        f"{current['changed_by__first_name']} {current['changed_by__last_name']}".strip()
        or current["changed_by__username"]
        or _("someone else")
    )
    when = (
        date_format(timezone.localtime(current["changed_at"]), "SHORT_DATETIME_FORMAT")
        if current["changed_at"]
        else "—"
    )
    raise StaleVersion(
        _("Changed by %(who)s at %(when)s; review their change and save again.")
        % {"who": who, "when": when},
        current=current["version"],
    )
