"""The shared vocabularies of exchange.md, as TextChoices.

Values are the lower-case words of the bundle; labels are translated in the interface.
Every model, form, importer and the API use these, so one list is the truth.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Function(models.TextChoices):
    PURCHASING = "purchasing", _("Purchasing")
    PRODUCTION = "production", _("Production")
    ADMINISTRATION = "administration", _("Administration")
    TECHNICAL_SERVICE = "technical_service", _("Technical service")
    MANAGEMENT = "management", _("Management")
    FINANCE = "finance", _("Finance")
    IT = "it", _("IT")
    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")
    LOGISTICS = "logistics", _("Logistics")
    QUALITY = "quality", _("Quality")
    LEGAL = "legal", _("Legal")
    OTHER = "other", _("Other")


class DecisionRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")


class Channel(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    CALL = "call", _("Call")
    VIDEO = "video", _("Video")
    EMAIL = "email", _("Email")
    MEAL = "meal", _("Meal")
    EVENT = "event", _("Event")
    MESSAGE = "message", _("Message")


LIVE_CHANNELS = frozenset({Channel.MEETING, Channel.CALL, Channel.VIDEO, Channel.MEAL})


class Direction(models.TextChoices):
    OUTBOUND = "outbound", _("We started")
    INBOUND = "inbound", _("They started")


class Level(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    STRATEGIC = "strategic", _("Strategic")
    SATISFACTION = "satisfaction", _("Satisfaction review")
    PERSONAL = "personal", _("Personal")


class Tier(models.TextChoices):
    A = "a", _("Tier A")
    B = "b", _("Tier B")
    C = "c", _("Tier C")


class AccountStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ACTIVE = "active", _("Active")
    LOST = "lost", _("Lost")


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    KEPT_LATE = "kept_late", _("Kept late")
    BROKEN = "broken", _("Broken")
    RENEGOTIATED = "renegotiated", _("Renegotiated")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Outcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class ConcessionKind(models.TextChoices):
    DISCOUNT = "discount", _("Discount")
    PAYMENT_TERMS = "payment_terms", _("Payment terms")
    FREE_SERVICE = "free_service", _("Free service")
    PRIORITY = "priority", _("Priority")
    GIFT = "gift", _("Gift")
    OTHER = "other", _("Other")


class ValueKind(models.TextChoices):
    SAVING = "saving", _("Saving")
    TIME = "time", _("Time")
    RISK = "risk", _("Risk removed")
    REVENUE = "revenue", _("Revenue")
    PROBLEM_SOLVED = "problem_solved", _("Problem solved")


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    CONTRACT = "contract", _("Contract")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")


class Source(models.TextChoices):
    MANUAL = "manual", _("Manual")
    CALENDAR = "calendar", _("Calendar")
    MAIL = "mail", _("Mail")
    IMPORT = "import", _("Import")
