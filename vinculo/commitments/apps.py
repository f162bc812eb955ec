from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "vinculo.commitments"
    verbose_name = _("Promises, complaints, concerns and initiatives")
