"""The faces a change can come through (importable before Django is set up)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Face(models.TextChoices):
    WEB = "web", _("web")
    ADMIN = "admin", _("admin")
    API = "api", _("API")
    CLI = "cli", _("command line")
    IMPORT = "import", _("import")
    TASK = "task", _("background task")
    SYSTEM = "system", _("system")
