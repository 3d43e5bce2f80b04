"""The events of spec/events.md as frozen dataclasses, and their enumerations. Money is pence (int)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

ANNEX_A_BENEFITS = (
    "IS", "AA", "JSA", "ESA", "DLA_CARE", "IB", "IDB", "CA", "MA", "NSP", "RP", "SDA", "PC", "BB", "BA", "PIP",
)  # hb-debt-interface.md §6.2
BENEFITS = ("UC", *ANNEX_A_BENEFITS)
CLAIMANT_TYPES = ("SINGLE_UNDER_25", "SINGLE_25_OR_OVER", "JOINT_UNDER_25", "JOINT_25_OR_OVER")
PAY_FREQUENCIES = ("WEEKLY", "FORTNIGHTLY", "FOUR_WEEKLY", "MONTHLY")
AWARD_END_REASONS = ("CLAIM_CEASED", "AWARD_ENDED")
THIRD_PARTY_CATEGORIES = (
    "OWNER_OCCUPIER_SERVICE_CHARGES", "RENT_ARREARS", "GAS_ARREARS", "ELECTRICITY_ARREARS",
    "COUNCIL_TAX_ARREARS", "FINES", "WATER_ARREARS", "ELIGIBLE_LOAN", "INTEGRATION_LOAN",
    "FLAT_RATE_MAINTENANCE",
)
ONGOING_CATEGORIES = ("GAS_ARREARS", "ELECTRICITY_ARREARS", "WATER_ARREARS")  # fuel and water arrears
MAINTENANCE_SCHEMES = ("1993", "2003", "2012")
INSOLVENCY_KINDS = ("BANKRUPTCY", "DEBT_RELIEF_ORDER", "IVA", "BREATHING_SPACE", "MENTAL_HEALTH_CRISIS_MORATORIUM")
EVENT_CREDITORS = ("DWP", "HMRC")
PAYMENT_CHANNELS = ("CARD", "BANK_TRANSFER", "DIRECT_DEBIT", "CHEQUE")


@dataclass(frozen=True, kw_only=True)
class Event:
    """The envelope every event carries (events.md §1)."""

    event_id: str
    type: str
    occurred_on: date
    nino: str


@dataclass(frozen=True, kw_only=True)
class PersonRegistered(Event):
    surname: str
    forenames: str
    date_of_birth: date


@dataclass(frozen=True, kw_only=True)
class UcTerms:
    claimant_type: str
    assessment_period_day: int
    partner_nino: str | None = None


@dataclass(frozen=True, kw_only=True)
class LegacyTerms:
    weekly_amount_pence: int
    pay_frequency: str
    first_pay_date: date


@dataclass(frozen=True, kw_only=True)
class AwardStarted(Event):
    award_ref: str
    benefit: str
    start_date: date
    uc: UcTerms | None = None  # set when benefit is UC
    legacy: LegacyTerms | None = None  # set otherwise


@dataclass(frozen=True, kw_only=True)
class AwardTermsChange:
    """The award fields an ``award.changed`` event gives new values for (None: unchanged)."""

    start_date: date | None = None
    claimant_type: str | None = None
    assessment_period_day: int | None = None
    partner_nino: str | None = None
    weekly_amount_pence: int | None = None
    pay_frequency: str | None = None
    first_pay_date: date | None = None

    def as_dict(self) -> dict[str, Any]:
        """The changed fields only, JSON-ready (dates as ``YYYY-MM-DD``)."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items() if v is not None}

    @property
    def uc_fields(self) -> tuple[str, ...]:
        return tuple(k for k in ("claimant_type", "assessment_period_day", "partner_nino") if k in self.as_dict())

    @property
    def legacy_fields(self) -> tuple[str, ...]:
        """The legacy fields changed, by their names in events.md §2 (``weekly_amount``, not the pence)."""
        names = ("weekly_amount_pence", "pay_frequency", "first_pay_date")
        return tuple(k.removesuffix("_pence") for k in names if k in self.as_dict())


@dataclass(frozen=True, kw_only=True)
class AwardChanged(Event):
    award_ref: str
    changes: AwardTermsChange


@dataclass(frozen=True, kw_only=True)
class AwardEnded(Event):
    award_ref: str
    end_date: date
    reason: str


@dataclass(frozen=True, kw_only=True)
class ThirdPartyItem:
    category: str
    amount_pence: int
    ongoing_amount_pence: int | None = None  # fuel and water arrears only
    scheme: str | None = None  # FLAT_RATE_MAINTENANCE only


@dataclass(frozen=True, kw_only=True)
class UcAssessmentPeriod(Event):
    award_ref: str
    period_start: date
    period_end: date
    payment_date: date
    award_amount_pence: int
    earnings_over_work_allowance: bool
    sanction_amount_pence: int
    fraud_penalty_amount_pence: int
    third_party: tuple[ThirdPartyItem, ...] = field(default_factory=tuple)


@dataclass(frozen=True, kw_only=True)
class BenefitPaymentMissed(Event):
    award_ref: str
    pay_date: date


@dataclass(frozen=True, kw_only=True)
class PersonDied(Event):
    date_of_death: date


@dataclass(frozen=True, kw_only=True)
class PersonSanction(Event):
    rate_percent: Decimal
    start_date: date
    duration_weeks: int


@dataclass(frozen=True, kw_only=True)
class PersonInsolvency(Event):
    kind: str
    start_date: date
    end_date: date | None = None


@dataclass(frozen=True, kw_only=True)
class DebtReferred(Event):
    creditor: str
    creditor_ref: str
    debt_type: str
    classification: str
    amount_pence: int
    created_on: date
    joint_nino: str | None = None
    agreed_amount_pence: int | None = None


@dataclass(frozen=True, kw_only=True)
class DebtRevised(Event):
    creditor: str
    creditor_ref: str
    amount_pence: int


@dataclass(frozen=True, kw_only=True)
class DebtWithdrawn(Event):
    creditor: str
    creditor_ref: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class CreditorDebtTarget:
    """A DWP or HMRC debt named by its creditor reference."""

    creditor: str
    creditor_ref: str


@dataclass(frozen=True, kw_only=True)
class LaDebtTarget:
    """An LA Housing Benefit debt named by the LA ID and the LA's DebtRef."""

    la_id: str
    debt_ref: str


@dataclass(frozen=True, kw_only=True)
class PaymentReceived(Event):
    amount_pence: int
    received_on: date
    channel: str
    target: CreditorDebtTarget | LaDebtTarget | None = None  # None: spread like a deduction
