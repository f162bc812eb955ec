"""Model fields shared by several apps."""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyField(models.CharField):  # type: ignore[type-arg,unused-ignore]
    """The row's stable natural key in a bundle (exchange.md); empty for rows made here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("verbose_name", _("key"))
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("unique", True)
        super().__init__(*args, **kwargs)
