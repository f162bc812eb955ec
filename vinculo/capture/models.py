"""What the importers remember between runs: versions, cursors, outside ids, unmatched.

Interactions themselves live in ``interactions``; these rows only make re-imports exact
(a later SEQUENCE wins, a mailbox is read from where the last run stopped, a CRM row is
found again by its own id) and feed the review list of addresses nobody is known at.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventVersion(models.Model):
    """The SEQUENCE (and cancellation) last applied for a calendar event instance.

    Written only where there is something to remember (a sequence above 0 or a
    cancellation), so a calendar of ordinary events costs no row here.
    """

    source_id = models.CharField(_("source id"), max_length=500, unique=True)
    sequence = models.IntegerField(_("sequence"), default=0)
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = _("calendar event version")
        verbose_name_plural = _("calendar event versions")

    def __str__(self) -> str:
        return f"{self.source_id} #{self.sequence}"


class MailThread(models.Model):
    """The thread an imported reply belongs to (the first of its References, else its
    In-Reply-To), so that replies and unanswered outreach can be told apart later. A
    message without a row here starts its own thread: its thread id is its Message-ID,
    the interaction's source id."""

    interaction = models.OneToOneField(
        "interactions.Interaction",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="mail_thread",
    )
    thread_id = models.CharField(_("thread"), max_length=500, db_index=True)

    class Meta:
        verbose_name = _("mail thread")
        verbose_name_plural = _("mail threads")

    def __str__(self) -> str:
        return self.thread_id


class MailCursor(models.Model):
    """Where the last read of an IMAP folder stopped: UIDVALIDITY and the last UID seen.

    A new UIDVALIDITY means the server renumbered the folder: the cursor starts again
    (messages already imported are recognised by their Message-ID).
    """

    mailbox = models.CharField(_("mailbox"), max_length=500, unique=True)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"))
    last_uid = models.BigIntegerField(_("last UID read"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("mailbox cursor")
        verbose_name_plural = _("mailbox cursors")

    def __str__(self) -> str:
        return f"{self.mailbox} {self.uidvalidity}:{self.last_uid}"


class ExternalId(models.Model):
    """A row's own id in another system (a CRM record id), so re-imports find it."""

    system = models.CharField(_("system"), max_length=32)
    external_id = models.CharField(_("external id"), max_length=200)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    account = models.ForeignKey(
        "people.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("external id")
        verbose_name_plural = _("external ids")
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], name="unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.external_id}"


class UnmatchedAddress(models.Model):
    """An address seen in a calendar or mailbox that matched no colleague, person or
    account domain: the raw material of the review list (create, ignore or merge)."""

    email = models.CharField(_("email"), max_length=254, unique=True)
    domain = models.CharField(_("domain"), max_length=253, db_index=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    seen = models.PositiveIntegerField(
        _("times seen"), default=0, help_text=_("The most in one import.")
    )
    first_seen = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        ordering = ["-seen", "email"]
        verbose_name = _("unmatched address")
        verbose_name_plural = _("unmatched addresses")

    def __str__(self) -> str:
        return self.email
