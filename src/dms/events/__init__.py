"""Events from other government systems (spec/events.md): their shapes and validation (pure).

``parse_event(obj)`` validates one parsed JSON object and returns a frozen dataclass per event type, or
raises :class:`EventError` with a message naming the field at fault. Applying an event to the data model is
the job of ``dms.services.events``.
"""

from dms.events.fields import EventError, JsonObject
from dms.events.model import (
    AwardChanged,
    AwardEnded,
    AwardStarted,
    AwardTermsChange,
    BenefitPaymentMissed,
    CreditorDebtTarget,
    DebtReferred,
    DebtRevised,
    DebtWithdrawn,
    Event,
    LaDebtTarget,
    LegacyTerms,
    PaymentReceived,
    PersonDied,
    PersonInsolvency,
    PersonRegistered,
    PersonSanction,
    ThirdPartyItem,
    UcAssessmentPeriod,
    UcTerms,
)
from dms.events.parse import EVENT_TYPES, parse_event

__all__ = [
    "EVENT_TYPES",
    "AwardChanged",
    "AwardEnded",
    "AwardStarted",
    "AwardTermsChange",
    "BenefitPaymentMissed",
    "CreditorDebtTarget",
    "DebtReferred",
    "DebtRevised",
    "DebtWithdrawn",
    "Event",
    "EventError",
    "JsonObject",
    "LaDebtTarget",
    "LegacyTerms",
    "PaymentReceived",
    "PersonDied",
    "PersonInsolvency",
    "PersonRegistered",
    "PersonSanction",
    "ThirdPartyItem",
    "UcAssessmentPeriod",
    "UcTerms",
    "parse_event",
]
