"""Importing events from other government systems (spec/events.md) and applying what the core model holds.

Every valid event is stored whole in ``InboundEvent`` (its payload and the SHA-256 of its meaning: its known
fields as validated, :func:`content_sha256`), idempotently by ``event_id``: the same id with the same content
again changes nothing, whatever unknown fields it carries; the same id with other content is refused as a
conflict (events.md §1). Events stored by earlier releases hold the SHA-256 of their raw canonical JSON; a
replay of one is compared by the meaning read back from its stored payload (:func:`same_content`). Each event is applied whole or not at all (one savepoint per
event).

Applied at import (``InboundEvent.applied`` True): ``person.registered`` (one dated before the registration
held is stored only: :func:`_person_registered`), ``award.started``, ``award.ended``,
``debt.referred``, ``debt.revised``, ``debt.withdrawn``, ``uc.assessment_period`` (held as an
``AssessmentPeriod``, whose ``processed_on`` is the run date that takes its deductions); ``award.changed`` once its
date has been reached by the daily run (:func:`apply_due_award_changes`). Stored with ``applied`` False for the
daily run's recovery steps to act on: ``award.ended`` reported after deductions were taken from the award
after its end (the end date is recorded at once; the run reverses them), or moving the end later past
deductions an earlier end reversed (the run takes them again) or legacy pay dates or UC periods the run passed
under it (the run takes them late), or moving the end earlier past other legacy awards' pay dates the run
passed over for it (the run takes them late), ``benefit.payment_missed``,
``person.died`` (the person's date of death is recorded at once), ``person.sanction``, ``person.insolvency``, ``payment.received``. Debt cessations that
follow ``award.ended`` are the daily run's (by ``Award.end_date``).

An event older than a report of the same fact already held (:data:`REPORTED_FACTS`) is kept as received and
never applied, naming the report that stands (:func:`supersede`; docs/events-notes.md "A late report does
not overwrite a later one").
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.db import DataError, IntegrityError, transaction
from django.db.models import Max, Q

from dms import events as ev
from dms.calendar import a_year_after, starts_an_assessment_period
from dms.debts import DebtStatus, TransitionRefused
from dms.errors import DmsError
from dms.events.parse import is_single
from dms.money import format_pounds
from dms.recovery.legacy import is_pay_date
from dms.services import debts as debt_service
from dms.store.models import Award, AwardChange, Creditor, Debt, InboundEvent, Person, RunDay
from dms.store.recovery.models import AssessmentPeriod, Deduction

E = TypeVar("E", bound=ev.Event)
BATCH_SIZE = 500  # events committed together; each still has its own savepoint


@dataclass(frozen=True)
class RefusedLine:
    line_number: int
    event_id: str | None
    reason: str


@dataclass
class ImportReport:
    """What an import did: events newly stored, of which applied now, and of which superseded (older than a
    report already received of the same fact: kept, not applied, :func:`supersede`); replays that changed nothing;
    lines refused (each with its line number and reason); blank lines, skipped. Every line read is one of
    these: ``lines == stored + unchanged + len(refused) + blank``."""

    source: str
    today: date | None = None  # the machine's date, for the guard against events far ahead; None: no guard
    lines: int = 0
    blank: int = 0
    stored: int = 0
    applied: int = 0
    superseded: int = 0  # stored, of which older than a report already received of the same fact: not applied
    unchanged: int = 0
    refused: list[RefusedLine] = field(default_factory=list)
    # what a stored line did besides being applied, told to the sender: a UC period's report that replaced the
    # report held of it (:func:`_uc_assessment_period`), "line N (event E): ..."
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused


# ---------------------------------------------------------------------------------------------- reading


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def canonical_json(payload: object) -> str:
    """The canonical text of a payload: keys sorted, no spaces, UTF-8 kept; decimals written as parsed."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _meaning_default(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 12.50 and 12.5 mean the same
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def event_meaning(event: ev.Event) -> str:
    """The canonical text of what an event means: its known fields as validated (events.md §1: unknown
    fields are ignored), keys sorted, dates ``YYYY-MM-DD``, decimals without trailing zeros."""
    return json.dumps(dataclasses.asdict(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_meaning_default)


def content_sha256(event: ev.Event) -> str:
    """The SHA-256 of an event's meaning (:func:`event_meaning`): the content a replay is compared by
    (events.md §1: the same id with the same content changes nothing, with other content is refused)."""
    return hashlib.sha256(event_meaning(event).encode("utf-8")).hexdigest()


def exact_payload(value: Any) -> Any:
    """A stored payload with any JSON number that has a fraction read back as an exact decimal."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: exact_payload(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact_payload(v) for v in value]
    return value


def stored_event(row: InboundEvent) -> ev.Event:
    """A stored event, validated again (it was valid when imported)."""
    return ev.parse_event(exact_payload(row.payload))


def same_content(row: InboundEvent, event: ev.Event, sha: str) -> bool:
    """Whether ``event`` has the content of the stored ``row`` (events.md §1): the same hash of its meaning,
    or, for an event stored by an earlier release (whose ``content_sha256`` is of its raw JSON), the same
    meaning read back from its stored payload."""
    if row.content_sha256 == sha:
        return True
    try:
        return content_sha256(stored_event(row)) == sha
    except ev.EventError:  # stored under rules since changed: not the same content
        return False


def _storable(value: Any) -> Any:
    """The payload as JSON the database can hold, exactly as validated: a whole number as a JSON number, a
    decimal with a fraction or an exponent (``33.5``, ``1e-400``) as its decimal string, never a float (a
    float would round it: ``99.99999999999999999`` to ``100.0``), which the fields that take decimals read
    back to the same value. :func:`read_line` bounds the depth, so this recursion is bounded too."""
    if isinstance(value, Decimal):
        text = str(value)
        return int(text) if text.lstrip("-").isdigit() and len(text) <= 18 else text
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


MAX_EVENT_BYTES = 1024 * 1024  # an event is a few hundred bytes; a line over 1 MiB is not one


def _not_json_constant(name: str) -> Any:
    raise ev.EventError(f"not valid JSON: {name} is not a JSON number (JSON has no NaN or Infinity); send a "
                        "number, or leave the field out")


def _one_value_per_field(pairs: list[tuple[str, Any]]) -> ev.JsonObject:
    """A JSON object of the line, noting the names it gives more than once (:class:`dms.events.JsonObject`):
    events.md §1 ("a missing or malformed required field refuses the event with a message naming the
    field"); RFC 8259 §4 (an object's names SHOULD be unique; what a reader makes of a repeated one is
    unpredictable): a field DMS reads given twice in one object is refused when it is read, naming its path and
    the event, rather than one of its values taken quietly (``"amount": "500.00", "amount": "5.00"``). Inside
    an unknown field a repeated name is ignored, as the field is ("Unknown fields are ignored")."""
    payload = ev.JsonObject(pairs)
    if len(payload) != len(pairs):
        seen: set[str] = set()
        repeated: set[str] = set()
        for name, _ in pairs:
            (repeated if name in seen else seen).add(name)
        payload.repeated = frozenset(repeated)
    return payload


def _utf8_size(text: str) -> int:
    """The bytes ``text`` takes in UTF-8 (at least one per character, at most four: measured only between)."""
    if len(text) > MAX_EVENT_BYTES or len(text) * 4 <= MAX_EVENT_BYTES:
        return len(text)
    return len(text.encode("utf-8", errors="surrogatepass"))


def read_line(text: str | bytes) -> Any:
    """Parse one JSON line (text, or bytes that must be UTF-8); numbers with a fraction are read as exact
    decimals, never floats. A line over :data:`MAX_EVENT_BYTES` is refused unread (it is kept whole as
    received by the sender: an event is never that large)."""
    size = len(text) if isinstance(text, bytes) else _utf8_size(text)
    if size > MAX_EVENT_BYTES:
        raise ev.EventError(f"not an event: the line is {size:,} bytes, over the {MAX_EVENT_BYTES:,} bytes "
                            "(1 MiB) an event may be; send one event per line, without bulk in extra fields")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ev.EventError(f"not UTF-8 (byte {error.start + 1} cannot be decoded); send the events as UTF-8 "
                                "text (not UTF-16 or another encoding), with no byte-order mark inside the "
                                "file") from None
    if text.startswith("\ufeff"):
        raise ev.EventError("the line starts with a byte-order mark (U+FEFF), which only the start of a file may "
                            "carry (files joined together leave one at the start of a later line); remove the "
                            "byte-order mark and send the line again")
    try:
        payload = json.loads(text, parse_float=Decimal, parse_int=_integer, parse_constant=_not_json_constant,
                             object_pairs_hook=_one_value_per_field)
    except json.JSONDecodeError as error:
        raise ev.EventError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except ev.EventError:
        raise
    except RecursionError:
        raise ev.EventError("not an event: its JSON is nested too deeply to read (an event is one object "
                            "of fields, lists and objects a few levels deep)") from None
    except ValueError as error:
        raise ev.EventError(f"not an event: its JSON cannot be read ({error})") from None
    try:
        _refuse_what_cannot_be_stored(payload)
    except ev.EventError as error:  # the line is JSON: name its event in the refusal when it has an id
        if isinstance(payload, dict) and isinstance(payload.get("event_id"), str):
            error.event_id = payload["event_id"]  # type: ignore[attr-defined]
        raise
    return payload


MAX_EVENT_DEPTH = 32  # an event is one object of fields, lists and objects a few levels deep
MAX_INTEGER_DIGITS = 100  # no value of an event is a number of more digits (Python converts at most 4,300)


@dataclass(frozen=True)
class _LongNumber:
    """A JSON integer of more than :data:`MAX_INTEGER_DIGITS` digits, kept unconverted so that the refusal can
    name the field that holds it (:func:`_refuse_what_cannot_be_stored`)."""

    digits: int


def _integer(text: str) -> int | _LongNumber:
    digits = len(text.lstrip("-"))
    return _LongNumber(digits) if digits > MAX_INTEGER_DIGITS else int(text)


def _refuse_what_cannot_be_stored(payload: Any) -> None:
    """Refuse, anywhere in the line (unknown fields too, which are kept with the event as received), what no
    database can store or give back: a string holding a lone UTF-16 surrogate (``"\\ud800"`` escaped in the
    JSON: not a character, not UTF-8) or a NUL character (``"\\u0000"``: PostgreSQL's text takes none), and
    nesting deeper than :data:`MAX_EVENT_DEPTH`. Walks the payload without recursion."""
    stack: list[tuple[str, Any, int]] = [("", payload, 0)]
    while stack:
        where, value, depth = stack.pop()
        if depth > MAX_EVENT_DEPTH:
            raise ev.EventError(f"not an event: its JSON is nested more than {MAX_EVENT_DEPTH} levels deep (an "
                                "event is one object of fields, lists and objects a few levels deep)")
        if isinstance(value, str):
            texts = [value]
        elif isinstance(value, dict):
            texts = [k for k in value if isinstance(k, str)]
            stack.extend((f"{where}{k}.", v, depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            texts = []
            stack.extend((where, v, depth + 1) for v in value)
        elif isinstance(value, _LongNumber):
            raise ev.EventError(f"{where.rstrip('.') or 'the event'}: a number of {value.digits:,} digits is too "
                                "long to be a value of an event; send the field as events.md gives it")
        else:
            continue
        for item in texts:
            name = where.rstrip(".") or "the event"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ev.EventError(f"{name}: holds an escaped lone surrogate (such as \\ud800), which is not "
                                    "a character; send the text as UTF-8") from None
            if "\x00" in item:
                raise ev.EventError(f"{name}: holds a NUL character (\\u0000), which text may not hold; remove "
                                    "it") from None


# ---------------------------------------------------------------------------------------------- import


def import_events(lines: Iterable[str | bytes], source: str, *, today: date | None = None) -> ImportReport:
    """Validate, store and apply each line of a JSON Lines stream (blank lines are skipped and counted).

    A refused line is reported with its number and reason and changes nothing; the others are applied. With
    ``today`` (the machine's date, given by the command: rules never read a clock), an event whose
    ``occurred_on``, or another business date it carries, is more than a year after it is refused
    (:func:`refuse_an_event_far_ahead`)."""
    report = ImportReport(source=source, today=today)
    batch: list[tuple[int, str | bytes]] = []
    for number, text in enumerate(lines, start=1):
        report.lines = number
        if text.strip():
            batch.append((number, text))
        else:
            report.blank += 1
        if len(batch) >= BATCH_SIZE:
            _import_batch(batch, report)
            batch = []
    if batch:
        _import_batch(batch, report)
    return report


def _import_batch(batch: list[tuple[int, str | bytes]], report: ImportReport) -> None:
    with transaction.atomic():
        for number, text in batch:
            _import_line(number, text, report)


def _import_line(number: int, text: str | bytes, report: ImportReport) -> None:
    event_id: str | None = None
    try:
        payload = read_line(text)
        if (isinstance(payload, dict) and isinstance(payload.get("event_id"), str)
                and "event_id" not in getattr(payload, "repeated", ())):
            event_id = payload["event_id"]
        event = ev.parse_event(payload)
        if report.today is not None:
            refuse_an_event_far_ahead(event, report.today, payload)
        notes: list[str] = []
        with transaction.atomic():
            outcome = import_event(event, payload, source=f"{report.source}:{number}", notes=notes)
        report.notes.extend(f"line {number} (event {event.event_id}): {note}" for note in notes)
    except (ev.EventError, DmsError, TransitionRefused) as error:
        report.refused.append(RefusedLine(number, getattr(error, "event_id", event_id), str(error)))
        return
    except IntegrityError as error:
        report.refused.append(RefusedLine(number, event_id, f"could not be stored: {error}"))
        return
    except DataError as error:  # a value the database cannot hold that the checks above let through
        report.refused.append(RefusedLine(number, event_id, "could not be stored: "
                                          f"{str(error).splitlines()[0]}; correct the value and send the event again"))
        return
    if outcome == "unchanged":
        report.unchanged += 1
    else:
        report.stored += 1
        report.applied += outcome == "applied"
        report.superseded += outcome == "superseded"


def refuse_an_event_far_ahead(event: ev.Event, today: date, payload: Any = None) -> None:
    """An event whose ``occurred_on`` (events.md §1: "the business date the fact took effect"), or any other
    business date it carries (events.md §2: a period's ``payment_date``, on which DMS works out its deductions;
    an award's ``start_date``, ``end_date`` or ``first_pay_date``; a sanction's or insolvency's ``start_date``; a
    missed ``pay_date``), is more than a year after today is refused as a mistyped date (2062 for 2026, say),
    as ``dms run`` refuses such a run date: no run could ever reach it, so held it would never act and nothing
    would tell the sender (a period so held would also refuse its corrected report as already held, and its
    deductions would never be taken). A date of death or a payment's ``received_on`` is on or before
    ``occurred_on`` (checked with the event), so neither can be further ahead. **Decision**
    (docs/events-notes.md): an insolvency's ``end_date`` is not judged so: an IVA commonly runs five years, and
    the end is a fact the run needs not reach (recovery stays barred until it). ``payload`` (the line as read)
    names where an ``award.changed`` field was given (flat, or in ``uc`` / ``legacy``). A guard of the import,
    not a rule: the rules take the business date as given."""
    limit = a_year_after(today)
    for where, value in _business_dates(event, payload):
        if value > limit:
            raise ev.EventError(f"{where}: {value} is more than a year after today ({today}); DMS runs no day "
                                "that far ahead, so the event would never act: correct the date (its year, most "
                                "likely) and send the event again")


#: dates an event carries that are not business dates DMS must reach (see :func:`refuse_an_event_far_ahead`)
_NOT_REACHED = {(ev.PersonInsolvency, "end_date")}


def _business_dates(event: ev.Event, payload: Any) -> list[tuple[str, date]]:
    """The dates ``event`` carries with where each was given (``occurred_on`` first), but for
    :data:`_NOT_REACHED`."""
    found: list[tuple[str, date]] = []
    for item in dataclasses.fields(event):
        value = getattr(event, item.name)
        if (type(event), item.name) in _NOT_REACHED:
            continue
        if isinstance(value, date):
            found.append((item.name, value))
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for inner in dataclasses.fields(value):
                day = getattr(value, inner.name)
                if isinstance(day, date):
                    found.append((_given_at(item.name, inner.name, payload), day))
    return found


def _given_at(group: str, name: str, payload: Any) -> str:
    """Where a nested field was given: ``legacy.first_pay_date``; an ``award.changed`` field flat (its name
    alone) or inside ``uc`` / ``legacy``, as ``payload`` has it."""
    if group != "changes":
        return f"{group}.{name}"
    if isinstance(payload, dict) and payload.get(name) is not None:
        return name
    for where in ("uc", "legacy"):
        inner = payload.get(where) if isinstance(payload, dict) else None
        if isinstance(inner, dict) and inner.get(name) is not None:
            return f"{where}.{name}"
    return name


def import_event(event: ev.Event, payload: dict[str, Any], *, source: str, notes: list[str] | None = None) -> str:
    """Store and apply one validated event in one transaction. Returns ``"applied"``, ``"stored"`` (kept for
    the daily run), ``"superseded"`` (kept, never applied: an older report of a fact than one already
    received, :func:`supersede`) or ``"unchanged"`` (a replay of the same content); refuses a conflicting
    replay. What the event did besides, for the sender (a period's report replacing the one held), is added to
    ``notes``.

    **Decision** (docs/events-notes.md "An event id is unique across every sender"): events.md §1 makes
    ``event_id`` "unique per sender forever", but the envelope names no sender and §2-§3 do not give each
    type one sender (``award.started`` comes from UC and from CIS, ``debt.referred`` from DWP and HMRC), so DMS
    cannot tell senders apart soundly: an id is held unique across all of them, and a reuse by another system
    is refused as a conflict, saying so and how to put it right."""
    sha = content_sha256(event)
    with transaction.atomic():
        existing = InboundEvent.objects.select_for_update().filter(event_id=event.event_id).first()
        if existing is not None:
            if same_content(existing, event, sha):
                return "unchanged"
            if _same_fact(existing, event):
                raise DmsError(_corrected_under_the_same_id(existing, event))
            raise DmsError(
                f"event_id {event.event_id!r} was already received with other content (the {existing.type} event "
                f"stored from {existing.source or 'an earlier import'}); an event id is never reused, and DMS "
                "holds event ids unique across every sender, since the envelope names no sender "
                "(docs/events-notes.md): send this event under a new event_id, one another system cannot use "
                "(such as one with the sending system's prefix, \"hmrc-1001\")"
            )
        row = InboundEvent.objects.create(
            event_id=event.event_id, type=event.type, occurred_on=event.occurred_on, nino=event.nino,
            payload=_storable(payload), content_sha256=sha, source=source[:300],
        )
        applied = APPLIERS[event.type](event, row)
        if notes is not None and getattr(row, "import_note", ""):
            notes.append(row.import_note)
        if applied:
            row.applied = True
            row.save(update_fields=["applied"])
        elif row.superseded_by:
            return "superseded"
    return "applied" if applied else "stored"


def _same_fact(existing: InboundEvent, event: ev.Event) -> bool:
    """Whether ``existing``, held under ``event``'s id, reports the fact ``event`` reports (a UC period of the
    same award, or a fact of :data:`REPORTED_FACTS`, for the same person): the sender correcting its own report
    under the id it used, not another system reusing it."""
    if existing.type != event.type or existing.nino != event.nino:
        return False
    names = ("award_ref",) if event.type == "uc.assessment_period" else REPORTED_FACTS.get(event.type)
    if names is None:
        return False
    return all(existing.payload.get(name) == _as_payload(getattr(event, name)) for name in names)


def _corrected_under_the_same_id(existing: InboundEvent, event: ev.Event) -> str:
    """The conflict of a report sent again under its own ``event_id`` with other content (events.md §1: "the same
    id with different content is refused as a conflict"), saying how a correction is sent: under a new id."""
    how = (
        "a later report of the period (the same award_ref and period_start, an occurred_on on or after the held "
        "report's) replaces the report held while the daily run has not taken its deductions"
        if event.type == "uc.assessment_period"
        else "the report with the latest occurred_on stands (docs/events-notes.md \"A late report does not "
        "overwrite a later one\")"
    )
    return (
        f"event_id {event.event_id!r} was already received with other content (the {existing.type} event stored "
        f"from {existing.source or 'an earlier import'}, occurred_on {existing.occurred_on}); an event id is never "
        "reused, also to correct the event it was sent with (events.md §1: the same id with other content is a "
        f"conflict), so nothing was taken from this report: send the corrected report under a new event_id; {how}"
    )


# ---------------------------------------------------------------------------------------------- late reports

#: The events that report one fact, in force from their ``occurred_on`` (events.md §1: "the business date the
#: fact took effect"), that a later report of the same fact replaces: for each type, the fields that name the
#: fact besides the person (``nino``). A revision also names its debt's owner, as ``find_event_debt`` checks.
REPORTED_FACTS: dict[str, tuple[str, ...]] = {
    "person.registered": (),
    "person.died": (),
    "award.ended": ("award_ref",),
    "person.sanction": ("start_date",),
    "person.insolvency": ("kind", "start_date"),
    "debt.revised": ("creditor", "creditor_ref"),
}


def _fact_of(event: ev.Event) -> str:
    """The fact an event of :data:`REPORTED_FACTS` reports, in words, for the reason kept with a superseded one."""
    if isinstance(event, ev.AwardEnded):
        return f"end of award_ref {event.award_ref!r}"
    if isinstance(event, ev.PersonSanction):
        return f"sanction of NINO {event.nino} from {event.start_date}"
    if isinstance(event, ev.PersonInsolvency):
        return f"{event.kind} of NINO {event.nino} from {event.start_date}"
    if isinstance(event, ev.DebtRevised):
        return f"amount of {event.creditor} debt creditor_ref {event.creditor_ref!r}"
    if isinstance(event, ev.PersonDied):
        return f"death of NINO {event.nino}"
    return f"details of NINO {event.nino}"


def later_report(row: InboundEvent, event: ev.Event) -> InboundEvent | None:
    """The latest event held that reports the same fact as ``event`` (stored as ``row``; :data:`REPORTED_FACTS`)
    and occurred after it, or on the same day and was received after it; None when there is none (or ``event``
    reports no such fact), so that ``event`` is the report in force.

    A ``debt.revised`` is superseded only by a revision already applied: one dated ahead of the run and still
    waiting (:func:`ahead_of_the_run`) takes effect on its own date, after this one, which is in force until
    then (events.md §1 ``occurred_on``; hb-debt-interface.md §6.5). Any other report held supersedes, applied
    or not: a death's or an award's end date is recorded at import, and the reports of one sanction,
    insolvency or moratorium fall due on the same day (its start)."""
    names = REPORTED_FACTS.get(row.type)
    if names is None:
        return None
    fact = {f"payload__{name}": _as_payload(getattr(event, name)) for name in names}
    later = (InboundEvent.objects.filter(type=row.type, nino=row.nino, **fact)
             .filter(Q(occurred_on__gt=row.occurred_on) | Q(occurred_on=row.occurred_on, pk__gt=row.pk))
             .exclude(pk=row.pk))
    if row.type == "debt.revised":
        later = later.filter(applied=True)
    found: InboundEvent | None = later.order_by("-occurred_on", "-pk").first()
    return found


def _as_payload(value: object) -> object:
    """A field's value as an event's payload holds it once validated: a date written ``YYYY-MM-DD``."""
    return value.isoformat() if isinstance(value, date) else value


def supersede(row: InboundEvent, event: ev.Event) -> InboundEvent | None:
    """**Decision** (docs/events-notes.md "A late report does not overwrite a later one"; events.md §1:
    ``occurred_on`` is the business date the fact took effect, and an event is never lost): when DMS already
    holds a later report of the fact ``event`` reports (:func:`later_report`), ``event`` is older news. It
    is kept as received and never applied: ``row`` records the event that stands (``superseded_by``) and why
    (``superseded_reason``), and the daily run passes it by. Returns the event that stands, or None."""
    later = later_report(row, event)
    if later is None:
        return None
    same_day = " (the same day, received after it)" if later.occurred_on == row.occurred_on else ""
    row.superseded_by = later.event_id
    row.superseded_reason = (
        f"superseded: event {later.event_id!r} reports the {_fact_of(event)} as of {later.occurred_on}"
        f"{same_day}, later than this event's occurred_on {row.occurred_on}; the latest report stands "
        "(events.md §1: occurred_on is the date the fact took effect), so this one is kept as received and "
        "not applied"
    )
    InboundEvent.objects.filter(pk=row.pk).update(superseded_by=row.superseded_by,
                                                  superseded_reason=row.superseded_reason)
    return later


# ---------------------------------------------------------------------------------------------- people, awards


def _actor(row: InboundEvent) -> str:
    return f"event {row.event_id}"


def ensure_person(nino: str) -> Person:
    """The person with ``nino``, created if DMS does not know them (events.md §2)."""
    person = Person.objects.filter(nino=nino).first()
    if person is None:
        person = Person(nino=nino)
        person.save()
    return person


def _person_registered(event: ev.Event, row: InboundEvent) -> bool:
    """Create or update the person (events.md §2) with the details in force from ``occurred_on`` (§1).

    **Decision** (docs/events-notes.md): a registration dated before the one whose details are held
    (``Person.registered_on``) arrived late and is older news: it is stored (nothing received is lost) but
    not applied, and the later details stand, as a late older ``award.changed`` leaves the fields a later
    change set. Being no longer in force, its date of birth is not judged against the date of death. One of
    the same date as the one held replaces it: the later import is taken as the correction."""
    e = _as(event, ev.PersonRegistered)
    person = ensure_person(e.nino)
    if person.registered_on is not None and e.occurred_on < person.registered_on:
        supersede(row, e)  # recorded when DMS holds the later registration's event (not in a synthetic book)
        return False
    if person.date_of_death is not None and e.date_of_birth > person.date_of_death:
        raise DmsError(f"date_of_birth {e.date_of_birth} is after the person's date of death, "
                       f"{person.date_of_death} (person.died); check the dates")
    person.surname, person.forenames, person.date_of_birth = e.surname, e.forenames, e.date_of_birth
    person.registered_on = e.occurred_on
    person.save()
    return True


def _award_started(event: ev.Event, row: InboundEvent) -> bool:
    e = _as(event, ev.AwardStarted)
    existing = Award.objects.filter(award_ref=e.award_ref).select_related("person").first()
    if existing is not None and existing.person.nino != e.nino:
        raise DmsError(f"award_ref {e.award_ref!r} is already another person's award ({existing.benefit}, from "
                       f"{existing.start_date}); an award reference is unique: start this award under its own "
                       "award_ref")
    if existing is not None:
        raise DmsError(f"award_ref {e.award_ref!r} has already started; send award.changed to change it")
    holder = ensure_person(e.nino)
    if holder.date_of_death is not None and e.start_date > holder.date_of_death:
        raise DmsError(f"start_date {e.start_date} is after the person's death on {holder.date_of_death} "
                       "(person.died): no benefit starts after death; check start_date and the NINO")
    award = Award(award_ref=e.award_ref, person=holder, benefit=e.benefit, start_date=e.start_date)
    if e.uc is not None:
        award.claimant_type = e.uc.claimant_type
        award.assessment_period_day = e.uc.assessment_period_day
        award.partner = ensure_person(e.uc.partner_nino) if e.uc.partner_nino else None
    if e.legacy is not None:
        award.weekly_amount_pence = e.legacy.weekly_amount_pence
        award.pay_frequency = e.legacy.pay_frequency
        award.first_pay_date = e.legacy.first_pay_date
    award.save()
    return True


def find_award(award_ref: str, nino: str) -> Award:
    """The award ``award_ref`` of the person ``nino``; refuses an unknown award or another person's."""
    award = Award.objects.select_related("person").filter(award_ref=award_ref).first()
    if award is None:
        raise DmsError(f"award_ref {award_ref!r} is not known to DMS: send its award.started event first")
    if award.person.nino != nino:
        raise DmsError(f"award_ref {award_ref!r} belongs to another person, not NINO {nino}; check the nino and "
                       "award_ref")
    return award


def last_completed_run_date() -> date | None:
    """The latest business date the daily run has completed, if any."""
    result: date | None = RunDay.objects.filter(completed=True).aggregate(last=Max("run_date"))["last"]
    return result


def _award_changed(event: ev.Event, row: InboundEvent) -> bool:
    e = _as(event, ev.AwardChanged)
    award = find_award(e.award_ref, e.nino)
    kind, wrong = ("UC", e.changes.legacy_fields) if award.is_uc else ("legacy", e.changes.uc_fields)
    if wrong:
        raise DmsError(f"{', '.join(wrong)}: award {e.award_ref} is a {kind} award and has no such field")
    if e.changes.start_date is not None and award.end_date is not None and e.changes.start_date > award.end_date:
        # events.md §2: in payment from start_date, none after end_date; the same contradiction sent as the end
        # is refused (:func:`_award_ended`), so that no award is held that never was in payment
        raise DmsError(f"start_date: {e.changes.start_date} is after award {e.award_ref}'s end date {award.end_date} "
                       "(award.ended): an award is in payment from its start to its end; check start_date, or "
                       "send the award's end again first if it moved")
    if e.changes.partner_nino:
        in_force = uc_terms_on(award.pk, e.occurred_on)[0]  # partner_nino is a UC field (checked above)
        if e.changes.claimant_type is None and in_force and is_single(in_force):
            raise DmsError(f"partner_nino: award {e.award_ref} is a {in_force} claimant's on {e.occurred_on}, "
                           "which has no partner; give a JOINT claimant_type with the partner")
        ensure_person(e.changes.partner_nino)
    change = AwardChange.objects.create(
        award=award, effective_from=e.occurred_on, changes=e.changes.as_dict(), event_id=e.event_id
    )
    last_run = last_completed_run_date()
    if last_run is not None and e.occurred_on <= last_run:
        _apply_award_change(change, last_run)
        return True
    return False


def _apply_award_change(change: AwardChange, applied_on: date) -> None:
    """Give the award the new values of ``change`` from its effective date (events.md §2 ``award.changed``:
    "new values from ``occurred_on``").

    A change reported late, after a change dated later (or the same day and received after it) has already
    been applied, does not overwrite the fields that later change set: those hold the values in force now.
    The fields it alone changes still apply. **Decision**: no retroactive recalculation: deductions already
    taken with the award's earlier values (between the late change's date and the run it is applied by)
    stand as taken."""
    award = Award.objects.get(pk=change.award_id)  # as the changes applied before this one left it
    held_before = award.partner_id
    superseded = _fields_set_by_later_changes(change)
    for name, value in change.changes.items():
        if name in superseded:
            continue
        if name == "partner_nino":
            award.partner = Person.objects.get(nino=value)
        elif name in ("start_date", "first_pay_date"):
            setattr(award, name, date.fromisoformat(value))
        else:
            setattr(award, name, value)
    if award.claimant_type and is_single(award.claimant_type):
        award.partner = None  # a single claimant's award names no partner, whatever order changes came in
    award.save()
    change.applied_on = applied_on
    change.former_partner_id = partner_left(award, change, held_before)
    change.save(update_fields=["applied_on", "former_partner"])


def partner_left(award: Award, change: AwardChange, held_before: int | None) -> int | None:
    """The partner (person id) that ``change`` takes off the joint UC ``award`` from its date, or None: the
    partner in force on the day before its date, when the terms in force on its date name another partner or
    none (a ``SINGLE_...`` claimant type, :func:`uc_terms_on`). The former partner's HB debts are returned
    once they have nothing in payment (``recovery_events.cease_for_departed_partners``; hb-debt-interface.md
    §24, §6.2; events.md §2 ``award.ended``). An award held without its ``award.started`` event (a synthetic
    book) has no history: the partner it named before this change was applied (``held_before``) is compared
    with the one it names after."""
    if not award.is_uc or not ("partner_nino" in change.changes
                               or is_single(str(change.changes.get("claimant_type", "")))):
        return None  # nothing else takes a partner off: a JOINT claimant type alone keeps the one named
    if _started(award) is None:
        before, after = held_before, award.partner_id
    else:
        before = uc_terms_on(award.pk, change.effective_from - timedelta(days=1))[1]
        after = uc_terms_on(award.pk, change.effective_from)[1]
    return before if before is not None and before != after else None


def _fields_set_by_later_changes(change: AwardChange) -> set[str]:
    """The fields of the award that an already-applied change later than ``change`` has set: one effective
    after it, or effective the same day and received after it (date then arrival, as
    :func:`apply_due_award_changes` orders them)."""
    later = (AwardChange.objects.filter(award_id=change.award_id, applied_on__isnull=False)
             .filter(Q(effective_from__gt=change.effective_from)
                     | Q(effective_from=change.effective_from, pk__gt=change.pk))
             .exclude(pk=change.pk))
    fields: set[str] = set()
    for changes in later.values_list("changes", flat=True):
        fields.update(changes)
    return fields


def _started(award: Award) -> ev.AwardStarted | None:
    """The ``award.started`` event that started ``award``, or None (an award held without it: a synthetic
    book)."""
    for row in InboundEvent.objects.filter(type="award.started", nino=award.person.nino).order_by("pk"):
        started = stored_event(row)
        if isinstance(started, ev.AwardStarted) and started.award_ref == award.award_ref:
            return started
    return None


def uc_terms_on(award_id: int, day: date) -> tuple[str | None, int | None]:
    """A UC award's claimant type and partner (person id) in force on ``day``: its ``award.started`` values
    with the ``award.changed`` values effective on or before ``day`` (events.md §2, "new values from
    ``occurred_on``"), in date then arrival order. For an assessment period, ``day`` is its last day: a
    change of circumstances in a period takes effect from the start of that period (UC, Decisions and
    Appeals Regs 2013 Sch 1 para 20), and a change dated after the period's end belongs to a later period.
    An award held without its ``award.started`` event (a synthetic book) keeps its current values."""
    award = Award.objects.select_related("person", "partner").get(pk=award_id)
    claimant_type, partner = award.claimant_type, award.partner_id
    started = _started(award)
    if started is None or started.uc is None:
        return claimant_type, partner
    claimant_type = started.uc.claimant_type
    partner_nino = started.uc.partner_nino
    partner = Person.objects.get(nino=partner_nino).pk if partner_nino else None
    changes = AwardChange.objects.filter(award_id=award_id, effective_from__lte=day).order_by("effective_from", "pk")
    for values in changes.values_list("changes", flat=True):
        claimant_type = values.get("claimant_type", claimant_type)
        if "partner_nino" in values:
            partner = Person.objects.get(nino=values["partner_nino"]).pk
    if claimant_type is not None and is_single(claimant_type):
        partner = None  # a single claimant's award names no partner
    return claimant_type, partner


def pay_terms_on(award: Award, day: date) -> tuple[date | None, str]:
    """The first pay date and pay frequency of the legacy ``award`` in force on ``day`` (events.md §2: an
    ``award.changed`` gives "new values from ``occurred_on``"): its ``award.started`` terms with the changes
    effective on or before ``day``, applied or still waiting for the run, in date then arrival order. An
    award held without its ``award.started`` event (a synthetic book) starts from its terms as held now, with
    the waiting changes effective on or before ``day`` (the applied ones are in those terms already)."""
    changes = AwardChange.objects.filter(award=award, effective_from__lte=day)
    started = _started(award)
    if started is None or started.legacy is None:
        first, frequency = award.first_pay_date, award.pay_frequency
        changes = changes.filter(applied_on=None)
    else:
        first, frequency = started.legacy.first_pay_date, started.legacy.pay_frequency
    for values in changes.order_by("effective_from", "pk").values_list("changes", flat=True):
        first = date.fromisoformat(values["first_pay_date"]) if "first_pay_date" in values else first
        frequency = values.get("pay_frequency", frequency)
    return first, frequency


def paid_on(award: Award, day: date) -> bool:
    """Whether the legacy ``award`` paid on ``day`` by the terms in force that day (:func:`pay_terms_on`). A
    day that was a pay date only under terms that took effect after it was not a pay date then, nor is one
    that stops being a pay date under a change dated on or before it (recovery-rules.md §4: a missed
    instalment is one that was due)."""
    first, frequency = pay_terms_on(award, day)
    return is_pay_date(first, frequency, day)


def apply_due_award_changes(run_date: date) -> int:
    """Apply every stored ``award.changed`` whose date has come (effective on or before ``run_date``), in date
    then arrival order; mark each event applied with ``run_date`` as its effect date. Returns how many.
    Idempotent: an applied change is never applied again; nor does one overwrite the fields a later change
    already applied has set (:func:`_apply_award_change`). Called by the daily run (events.md §2)."""
    count = 0
    with transaction.atomic():
        due = (
            AwardChange.objects.select_related("award")
            .filter(applied_on=None, effective_from__lte=run_date)
            .order_by("effective_from", "id")
        )
        for change in due:
            _apply_award_change(change, run_date)
            InboundEvent.objects.filter(event_id=change.event_id).update(applied=True, effect_date=run_date)
            count += 1
    return count


def _award_ended(event: ev.Event, row: InboundEvent) -> bool:
    e = _as(event, ev.AwardEnded)
    award = find_award(e.award_ref, e.nino)
    if supersede(row, e) is not None:  # a later report of this award's end is held: its end date stands
        return False
    if e.end_date < award.start_date:
        raise DmsError(f"end_date: {e.end_date} is before award {e.award_ref}'s start date {award.start_date}; "
                       f"give an end_date on or after {award.start_date}, the award's start date")
    earlier_end = award.end_date
    award.end_date, award.end_reason = e.end_date, e.reason
    award.save(update_fields=["end_date", "end_reason"])
    if earlier_end is not None and earlier_end != e.end_date:  # a later report moves the end
        from dms.services.recovery_events import restate_award_end  # it builds on this module

        restate_award_end(award, earlier_end, e)
    # deductions already taken from the award after its end (reported late) are reversed by the daily run
    # (``services.recovery_events``), and those an earlier end alone reversed that an end moved later leaves in
    # payment are taken again by it (docs/events-notes.md "An award's end corrected"): the event stays
    # unapplied until then
    if earlier_end is not None and e.end_date > earlier_end:  # and the pay dates or periods the run passed under it
        from dms.services.recovery_events import (
            passed_under_an_earlier_end,
            periods_passed_under_an_earlier_end,
            reversed_for_an_earlier_end,
        )

        through = max(e.occurred_on - timedelta(days=1), last_completed_run_date() or date.min)
        if (reversed_for_an_earlier_end(award) or passed_under_an_earlier_end(award, through)
                or periods_passed_under_an_earlier_end(award, through, e.event_id)):
            return False
    if earlier_end is None or e.end_date < earlier_end:  # and other awards' pay dates the run passed over for it
        from dms.services.recovery_events import passed_over_for_an_end_moved_earlier

        if passed_over_for_an_end_moved_earlier(award, last_completed_run_date() or date.min, e.event_id):
            return False
    return not taken_after_end(award.pk, e.end_date).exists()


def taken_after_end(award_id: int, end_date: date) -> Any:
    """The deductions still TAKEN from award ``award_id`` that no benefit paid after ``end_date`` could have
    carried (events.md §2 ``award.ended``: no benefit in payment after ``end_date``): a legacy instalment on
    a pay date after it, and every line of a UC assessment period starting after it (the period containing
    the end date is the award's last, paid after it, and stands)."""
    return (Deduction.objects.filter(award_id=award_id, status="TAKEN", date__gt=end_date)
            .filter(Q(period__isnull=True) | Q(period__period_start__gt=end_date)).order_by("pk"))


# ---------------------------------------------------------------------------------------------- debts


def _creditor(kind: str) -> Creditor:
    return Creditor.objects.get(kind=kind, la_id=None)


def _debt_referred(event: ev.Event, row: InboundEvent) -> bool:
    """A new DWP or HMRC debt (events.md §3). ``creditor_ref`` is unique per creditor (events.md §3): a
    reference the creditor has used before, for a debt held, withdrawn or ended, is refused. A debt referred
    for a person whose death DMS knows of goes to recovery from the estate at once (recovery-rules.md §6)
    when the death is dated on or before the day the debt is referred, or the daily run has already applied
    it; otherwise the daily run applies the death on its date and moves the debt then."""
    e = _as(event, ev.DebtReferred)
    creditor = _creditor(e.creditor)
    same_ref = Debt.objects.filter(creditor=creditor, creditor_ref=e.creditor_ref)
    used = same_ref.exclude(status__in=debt_service.ACTIVE_STATUSES).order_by("pk").first()
    if used is not None and not same_ref.filter(status__in=debt_service.ACTIVE_STATUSES).exists():
        raise DmsError(
            f"creditor_ref {e.creditor_ref!r}: {e.creditor} already referred a debt under this reference (DMS "
            f"debt {used.pk}, {used.status}); a creditor reference is unique per creditor: refer a new debt under "
            "a new reference, or send debt.revised to change the amount of a debt held"
        )
    person = ensure_person(e.nino)
    debt = debt_service.create_debt(
        person=person,
        creditor=creditor,
        creditor_ref=e.creditor_ref,
        debt_type=e.debt_type,
        classification=e.classification,
        amount_pence=e.amount_pence,
        created_on=e.created_on,
        received_on=e.occurred_on,
        business_date=e.occurred_on,
        actor=_actor(row),
        joint_person=ensure_person(e.joint_nino) if e.joint_nino else None,
        agreed_amount_pence=e.agreed_amount_pence,
    )
    if debt.status == DebtStatus.OPEN and all_debtors_died_by(debt, e.occurred_on):
        deaths = [p.date_of_death for p in (debt.person, debt.joint_person) if p is not None and p.date_of_death]
        debt.change_status(DebtStatus.ESTATE, business_date=max(e.occurred_on, *deaths), actor=_actor(row),
                           reason=estate_reason(debt))
    from dms.services.recovery_events import bar_a_new_debt  # it builds on this module

    bar_a_new_debt(debt, e.occurred_on, _actor(row))
    return True


def has_died_by(person: Person, on: date) -> bool:
    """Whether DMS takes ``person`` as dead on ``on`` (events.md §2 ``person.died``): a date of death on or
    before it, or any date of death once the run has applied the death (reported late)."""
    if person.date_of_death is None:
        return False
    return (person.date_of_death <= on
            or InboundEvent.objects.filter(type="person.died", nino=person.nino, applied=True).exists())


def all_debtors_died_by(debt: Debt, on: date) -> bool:
    """Whether every debtor of ``debt`` has died by ``on`` (:func:`has_died_by`): its owner and, for a joint
    debt, the other debtor. Only then does a DWP or HMRC debt pass to recovery from the estate
    (recovery-rules.md §6); a joint debt with a living debtor stays theirs to pay, recovered from their
    benefit (**Decision**, docs/recovery-notes.md "Joint debts when a debtor dies")."""
    if not has_died_by(debt.person, on):
        return False
    return debt.joint_person_id is None or has_died_by(debt.joint_person, on)


def estate_reason(debt: Debt, correcting: str = "") -> str:
    """Why ``debt`` passes to recovery from the estate (recovery-rules.md §6), with the day it did: the
    debtor's death, or for a joint debt the death of the last of its two debtors (:func:`all_debtors_died_by`);
    ``correcting``, when a later report has corrected a date of death, names the event in force and the date
    and event it corrects (docs/events-notes.md "A late report does not overwrite a later one")."""
    of = f" ({correcting})" if correcting else ""
    if debt.joint_person_id is None or debt.joint_person is None:
        return f"the debtor died on {debt.person.date_of_death}{of}: recovery from the estate"
    last = max(d for d in (debt.person.date_of_death, debt.joint_person.date_of_death) if d is not None)
    return f"both debtors of the joint debt have died, the last on {last}{of}: recovery from the estate"


def find_event_debt(creditor_kind: str, creditor_ref: str, nino: str) -> Debt:
    """The DWP or HMRC debt ``creditor_ref`` held for the person ``nino``; refuses an unknown one."""
    debt = debt_service.find_held_debt(_creditor(creditor_kind), creditor_ref)
    if debt is None:
        ended = (Debt.objects.filter(creditor=_creditor(creditor_kind), creditor_ref=creditor_ref)
                 .order_by("-pk").first())
        if ended is not None:
            raise DmsError(f"creditor_ref {creditor_ref!r}: {creditor_kind}'s debt with this reference (DMS debt "
                           f"{ended.pk}) is {ended.status} and no longer recovered by DMS, so it cannot be revised "
                           "or withdrawn; refer a new debt under a new reference if money is still owed (a "
                           "payment naming it is taken as the person's credit: docs/events-notes.md)")
        raise DmsError(f"creditor_ref {creditor_ref!r}: {creditor_kind} has no debt with this reference held by DMS; "
                       "if the debt's debt.referred has not been sent yet, send its debt.referred event first, "
                       "then this event again; otherwise check creditor and creditor_ref")
    if debt.person.nino != nino:
        raise DmsError(f"creditor_ref {creditor_ref!r}: the {creditor_kind} debt is held for another person, "
                       f"not NINO {nino}; check the nino and creditor_ref (a debt is revised or withdrawn under "
                       "the nino its debt.referred gave, also a joint debt)")
    return debt


def ahead_of_the_run(e: ev.Event) -> bool:
    """Whether a ``debt.revised`` or ``debt.withdrawn`` is dated after the next run date (the day after the
    last completed run). **Decision** (docs/events-notes.md): it is kept, and the daily run applies it on its
    date (:func:`apply_debt_change`, from the life-events step), as an ``award.changed`` is: applied at once
    it would change the debt months early (no deduction taken, a debt CLEARED) while the ledger dates the
    change ``occurred_on``. On an installation that has not run yet every date is applied at import."""
    last = last_completed_run_date()
    return last is not None and e.occurred_on > last + timedelta(days=1)


def apply_debt_change(event: ev.Event, row: InboundEvent) -> None:
    """Apply a ``debt.revised`` (hb-debt-interface.md §6.5) or ``debt.withdrawn`` to the debt it names, as of
    its ``occurred_on``, or of the last completed run date when it is dated before that (**Decision**,
    docs/events-notes.md: the days already run, and the months already scheduled and paid to LAs, are not
    reopened; a credit a backdated revision gives an LA's debt reaches that LA's next schedule). Refuses
    (:class:`DmsError`) a debt no longer held or another person's."""
    last = last_completed_run_date()
    on = event.occurred_on if last is None or event.occurred_on >= last else last
    if isinstance(event, ev.DebtRevised):
        debt = find_event_debt(event.creditor, event.creditor_ref, event.nino)
        debt_service.revise_debt_amount(debt, event.amount_pence, business_date=on,
                                        actor=_actor(row), reason=f"debt.revised event {event.event_id}")
    elif isinstance(event, ev.DebtWithdrawn):
        debt = find_event_debt(event.creditor, event.creditor_ref, event.nino)
        debt_service.withdraw_debt(debt, event.reason, business_date=on, actor=_actor(row))
    else:
        raise TypeError(type(event).__name__)


def _debt_change(event: ev.Event, row: InboundEvent) -> bool:
    """``debt.revised`` or ``debt.withdrawn`` at import: applied at once, or, dated ahead of the run
    (:func:`ahead_of_the_run`), checked (it must name a debt held) and kept for the run of its date."""
    if not isinstance(event, ev.DebtRevised | ev.DebtWithdrawn):
        raise TypeError(type(event).__name__)
    if ahead_of_the_run(event):
        find_event_debt(event.creditor, event.creditor_ref, event.nino)
        return False
    if isinstance(event, ev.DebtRevised):
        find_event_debt(event.creditor, event.creditor_ref, event.nino)
        if supersede(row, event) is not None:  # a later revision of the debt is applied: its amount stands
            return False
    apply_debt_change(event, row)
    return True


# ---------------------------------------------------------------------------------------------- kept for the run


def _uc_assessment_period(event: ev.Event, row: InboundEvent) -> bool:
    """Hold the period as an :class:`AssessmentPeriod` at once (events.md §2); the daily run takes its
    deductions on ``payment_date`` (or, reported after it, on the next run, marked late).

    **Decision** (docs/events-notes.md "An assessment period is taken once; a later report corrects it until
    it is taken"): an award's period starting on a day is held once, so nothing is deducted twice from one
    period's payment (recovery-rules.md §2: the overall cap is per assessment period). A later report of it
    (another ``event_id``, an ``occurred_on`` on or after the held report's: events.md §1, the date the fact
    took effect) replaces the report held while the daily run has not taken it (:func:`_replace_period`), the
    held one kept, superseded; an older one is kept, superseded by the held one (:func:`supersede`'s rule).
    Once the run has taken the period, a further report is refused, saying what was taken from which report.

    A period starting after the award's end date is refused (events.md §2 ``award.ended``: no benefit in
    payment after ``end_date``): no UC is paid for it, so nothing may be deducted from it. The award's final
    period, the one its end date falls in, is held as any other."""
    e = _as(event, ev.UcAssessmentPeriod)
    award = find_award(e.award_ref, e.nino)
    if not award.is_uc:
        raise DmsError(f"award_ref {e.award_ref!r} is a {award.benefit} award, not Universal Credit")
    locked = Award.objects.select_for_update().filter(pk=award.pk).first()  # one award's periods in turn
    end_date = locked.end_date if locked is not None else award.end_date
    if end_date is not None and e.period_start > end_date:
        raise DmsError(
            f"period_start {e.period_start} is after the end of award_ref {e.award_ref!r}, which ended on "
            f"{end_date} (award.ended): no Universal Credit is in payment after its end date, so nothing was "
            f"held from this report; report a period starting on or before {end_date}, or send it under the "
            f"award_ref of the award now in payment"
        )
    starts = (award.start_date, start_date_by(award, e.payment_date))
    if e.period_start < min(starts):
        raise DmsError(
            f"period_start {e.period_start} is before award_ref {e.award_ref!r} started, on {min(starts)} "
            f"(award.started, and any award.changed of its start_date by the payment date): no Universal "
            f"Credit was in payment then, so nothing was held from this report; report the award's periods "
            f"from {min(starts)}"
        )
    if not any(fits_assessment_period_length(e.period_start, e.period_end, start) for start in starts):
        raise DmsError(
            f"period_end: the period {e.period_start} to {e.period_end} is "
            f"{(e.period_end - e.period_start).days + 1} days long, and an assessment period is a month, 28 to 31 "
            f"days (only an award's first period, starting on its start date {award.start_date}, may be "
            "shorter): nothing was taken from this report; report the period as UC assessed it"
        )
    held = AssessmentPeriod.objects.select_for_update().filter(award=award, period_start=e.period_start).first()
    held_event = InboundEvent.objects.filter(pk=held.inbound_event_id).first() if held is not None else None
    if held is not None and held.processed_on is not None:
        raise DmsError(_period_taken(held, e))
    if held is not None and held_event is not None and e.occurred_on < held_event.occurred_on:
        _older_period_report(row, e, held, held_event)
        return False
    overlap = (AssessmentPeriod.objects.filter(award=award, period_start__lte=e.period_end,
                                               period_end__gte=e.period_start)
               .exclude(pk=held.pk if held is not None else None).order_by("period_start").first())
    if overlap is not None:
        raise DmsError(
            f"the period {e.period_start} to {e.period_end} overlaps the assessment period of award_ref "
            f"{e.award_ref!r} held from {overlap.period_start} to {overlap.period_end} (event "
            f"{overlap.event_id!r}); an award's periods follow one another, each taken once: nothing was "
            "taken from this report; check period_start and period_end"
        )
    _check_on_cycle(e, award, starts)
    terms = {
        "event_id": e.event_id, "inbound_event_id": row.pk, "person_id": award.person_id,
        "period_start": e.period_start, "period_end": e.period_end, "payment_date": e.payment_date,
        "award_amount_pence": e.award_amount_pence, "earnings_over_work_allowance": e.earnings_over_work_allowance,
        "sanction_pence": e.sanction_amount_pence, "fraud_penalty_pence": e.fraud_penalty_amount_pence,
        "third_party": [
            {"category": t.category, "amount_pence": t.amount_pence, "ongoing_pence": t.ongoing_amount_pence,
             "scheme": t.scheme} for t in e.third_party
        ],
    }
    if held is None:
        AssessmentPeriod.objects.create(award=award, **terms)
    else:
        _replace_period(row, e, held, held_event, terms)
    return True


def _replace_period(row: InboundEvent, e: ev.UcAssessmentPeriod, held: AssessmentPeriod,
                    held_event: InboundEvent | None, terms: dict[str, Any]) -> None:
    """**Decision** (docs/events-notes.md "An assessment period is taken once; a later report corrects it until
    it is taken"; events.md §1: ``occurred_on`` is the date the fact took effect and a report under a new
    ``event_id`` is new news): the held period, not yet taken by the daily run (``processed_on`` empty, so no
    deduction, explanation or ledger entry refers to it), takes the later report's terms in place, and the
    held report is kept as received, superseded by this one, as an older report of any fact is (nothing is
    lost: both events are stored). The import says so (``row.import_note``)."""
    was = f"payment_date {held.payment_date}, award_amount {format_pounds(held.award_amount_pence)}"
    AssessmentPeriod.objects.filter(pk=held.pk).update(**terms)
    if held_event is not None:
        same_day = " (the same day, received after it)" if held_event.occurred_on == row.occurred_on else ""
        InboundEvent.objects.filter(pk=held_event.pk).update(
            applied=False, superseded_by=row.event_id,
            superseded_reason=(
                f"superseded: event {row.event_id!r} reports the assessment period of award_ref {e.award_ref!r} "
                f"starting {e.period_start} as of {row.occurred_on}{same_day}, on or after this event's "
                f"occurred_on {held_event.occurred_on}, before the daily run took it; the later report stands "
                "(events.md §1: occurred_on is the date the fact took effect), so this one is kept as received "
                "and not applied"
            ),
        )
    row.import_note = (  # type: ignore[attr-defined]
        f"replaces event {held.event_id!r}, the report held of the assessment period of award_ref "
        f"{e.award_ref!r} starting {e.period_start} ({was}), which the daily run had not taken: the period is "
        f"now held with payment_date {e.payment_date}, award_amount {format_pounds(e.award_amount_pence)}; "
        f"event {held.event_id!r} is kept, superseded"
    )


def _older_period_report(row: InboundEvent, e: ev.UcAssessmentPeriod, held: AssessmentPeriod,
                         held_event: InboundEvent) -> None:
    """A report of a held period dated before the report held is older news (docs/events-notes.md "A late
    report does not overwrite a later one"): kept as received, superseded by the report held, not applied."""
    row.superseded_by = held_event.event_id
    row.superseded_reason = (
        f"superseded: event {held_event.event_id!r} reports the assessment period of award_ref {e.award_ref!r} "
        f"starting {e.period_start} as of {held_event.occurred_on}, later than this event's occurred_on "
        f"{row.occurred_on}; the latest report stands (events.md §1: occurred_on is the date the fact took "
        "effect), so this one is kept as received and not applied"
    )
    InboundEvent.objects.filter(pk=row.pk).update(superseded_by=row.superseded_by,
                                                  superseded_reason=row.superseded_reason)


def _period_taken(held: AssessmentPeriod, e: ev.UcAssessmentPeriod) -> str:
    """The refusal of a report of a period the daily run has already taken (docs/events-notes.md "An assessment
    period is taken once; a later report corrects it until it is taken"): what was taken, from which report,
    and what to do."""
    lines = Deduction.objects.filter(period_id=held.pk, status="TAKEN", debt__isnull=False)
    taken = sum(lines.values_list("amount_pence", flat=True))
    return (
        f"the assessment period of award_ref {e.award_ref!r} starting {e.period_start} is already held (event "
        f"{held.event_id!r}, payment_date {held.payment_date}, award_amount {format_pounds(held.award_amount_pence)}) "
        f"and the daily run of {held.processed_on} has taken it: {format_pounds(taken)} deducted for debts "
        f"in {lines.count()} line(s) from that report; a period is taken once, so nothing was taken from this "
        f"report. What was taken stands; if event {held.event_id!r} was wrong, DWP staff correct its deductions "
        "(dms deductions list names them), and a report of a later period goes under its own period_start"
    )


def _check_on_cycle(e: ev.UcAssessmentPeriod, award: Award, starts: tuple[date, date]) -> None:
    """**Decision** (docs/events-notes.md "An assessment period is a month long"): an award's periods follow its
    cycle (events.md §2 ``assessment_period_day``: "the day each assessment period starts"; UC Regs 2013
    reg 21): a period starts on the period day (:func:`dms.calendar.starts_an_assessment_period`), or is the
    award's first, starting on its start date; and it ends the day before a period day, where the next one
    starts. A period off the cycle would start a second one beside it, each taking up to the overall cap
    (recovery-rules.md §2) from one month's UC. The days judged by are the award's period day and any an
    ``award.changed`` has set (applied or waiting), and its start date's day (a cycle kept from the start)."""
    if award.assessment_period_day is None:
        return
    following = e.period_end + timedelta(days=1)
    days = {award.assessment_period_day, *(start.day for start in starts)}

    def on_cycle() -> tuple[bool, bool]:
        return (e.period_start in starts or any(starts_an_assessment_period(e.period_start, d) for d in days),
                any(starts_an_assessment_period(following, d) for d in days))

    starts_well, ends_well = on_cycle()
    if not (starts_well and ends_well):  # the period days award.changed has set: read only when needed
        for values in AwardChange.objects.filter(award=award).values_list("changes", flat=True):
            if values.get("assessment_period_day") is not None:
                days.add(int(values["assessment_period_day"]))
        starts_well, ends_well = on_cycle()
    said = f"the award's period day {award.assessment_period_day} (award.started, award.changed)"
    if not starts_well:
        raise DmsError(
            f"period_start {e.period_start} is not a day an assessment period of award_ref {e.award_ref!r} starts "
            f"on: its periods start on {said}, and only its first starts on its start date {award.start_date}; "
            "nothing was taken from this report; report the period as UC assessed it"
        )
    if not ends_well:
        raise DmsError(
            f"period_end {e.period_end} is not the day before one of award_ref {e.award_ref!r}'s assessment "
            f"periods starts ({said}): a period runs to the day before the next; nothing was taken from this "
            "report; report the period as UC assessed it"
        )


def start_date_by(award: Award, day: date) -> date:
    """The award's start date as it will stand on ``day``: as held, with the ``award.changed`` of its
    ``start_date`` still waiting for the run and effective on or before ``day`` (events.md §2: "new values
    from ``occurred_on``"), in date then arrival order. A UC assessment period paid on ``day`` from an award
    whose start was moved earlier is judged by it (the run applies the change before it takes the period)."""
    start = award.start_date
    waiting = AwardChange.objects.filter(award=award, applied_on=None, effective_from__lte=day)
    for values in waiting.order_by("effective_from", "pk").values_list("changes", flat=True):
        if "start_date" in values:
            start = date.fromisoformat(values["start_date"])
    return start


MONTH_DAYS = range(28, 32)  # a month's days: an assessment period that is not its award's first lasts so long


def fits_assessment_period_length(start: date, end: date, award_start: date) -> bool:
    """**Decision** (docs/events-notes.md): an assessment period is a month (UC Regs 2013 reg 21), 28 to 31 days
    whatever its period day (reg 21(2): the 29th, 30th and 31st fall back in February, to the 27th or 28th for
    the 29th and 30th), except an award's first period, which may be shorter (reg 21A: a new award keeping an
    earlier award's cycle). Longer ones, and short ones after the first, are refused: each period takes up to
    the overall cap (recovery-rules.md §2), so weekly or fortnightly reports would take it several times from
    one month's UC."""
    days = (end - start).days + 1
    return days in MONTH_DAYS or (days < MONTH_DAYS[0] and start == award_start)


def _benefit_payment_missed(event: ev.Event, row: InboundEvent) -> bool:
    """Kept for the daily run, which reverses the instalment taken that day and counts it as missed
    (recovery-rules.md §4). Refused: a UC award; a day the award does not pay on by its terms as they will
    stand that day, counting the changes waiting for the run dated on or before it (:func:`paid_on`: no
    instalment was due, so none was missed); and a payment already reported missed under another
    ``event_id`` (**Decision**: one missed payment counts once towards the three that return HB debts,
    however often it is reported)."""
    e = _as(event, ev.BenefitPaymentMissed)
    award = find_award(e.award_ref, e.nino)
    if award.is_uc:
        raise DmsError(
            f"award_ref {e.award_ref!r} is a Universal Credit award; benefit.payment_missed is for legacy benefits"
        )
    first, frequency = pay_terms_on(award, e.pay_date)
    if not is_pay_date(first, frequency, e.pay_date):
        raise DmsError(
            f"pay_date: {e.pay_date} is not a pay date of award {e.award_ref} by its terms in force that day "
            f"({frequency} from {first}, counting the award.changed events dated by then): no instalment was "
            "due that day; give the date the payment was due"
        )
    Award.objects.select_for_update().filter(pk=award.pk).first()  # reports of one award's payments in turn
    for other in InboundEvent.objects.filter(type="benefit.payment_missed", nino=e.nino).exclude(pk=row.pk):
        if other.payload.get("award_ref") == e.award_ref and other.payload.get("pay_date") == e.pay_date.isoformat():
            raise DmsError(
                f"the payment of award_ref {e.award_ref!r} due {e.pay_date} was already reported missed (event "
                f"{other.event_id!r}); a missed payment is reported once: nothing was taken from this report"
            )
    return False


def _person_died(event: ev.Event, row: InboundEvent) -> bool:
    """The date of death is recorded at once (a debt referred from now on goes to the estate); the daily run
    applies the rest. A person DMS does not know yet is created, as award and debt events do (events.md §2),
    so that the fact is kept for debts referred later."""
    e = _as(event, ev.PersonDied)
    person = ensure_person(e.nino)
    if supersede(row, e) is not None:  # a later report of the death is held: its date of death stands
        return False
    if person.date_of_birth is not None and e.date_of_death < person.date_of_birth:
        raise DmsError(f"date_of_death {e.date_of_death} is before the person's date of birth, "
                       f"{person.date_of_birth} (person.registered); check the dates")
    person.date_of_death = e.date_of_death
    person.save(update_fields=["date_of_death"])
    return False


def _kept_for_run(event: ev.Event, row: InboundEvent) -> bool:
    """Sanctions and insolvency are applied by the daily run on their date. **Decision**: a person DMS does
    not know yet is created, as award and debt events do (events.md §2): the sanction or insolvency is then
    held against them for the debts and awards that arrive later, and the run has a person to apply it to.
    One older than a report of the same sanction, insolvency or moratorium already held is superseded here
    (:func:`supersede`; docs/events-notes.md "A late report does not overwrite a later one"), so the import
    counts it, and noted on the restriction already held for it; the run passes it by."""
    ensure_person(event.nino)
    later = supersede(row, event)
    if later is not None:
        from dms.services.recovery_events import note_superseded_report  # it builds on this module

        note_superseded_report(event, later, "at import")
    return False


def _payment_received(event: ev.Event, row: InboundEvent) -> bool:
    """A direct payment is checked here and applied by the daily run on ``received_on``. A named debt must
    be one DMS holds or has held that the person owes (their own, or one they owe jointly): a payment for a
    debt returned or withdrawn since (the file arriving after the debt ceased) is kept, and the run holds it
    as the person's credit (recovery-rules.md §5; docs/events-notes.md), so a payment is never refused for
    when it reached DMS. A payment naming none, from a person DMS does not know yet, creates them
    (events.md §3: debt events create an unknown person): the run then holds it as their credit and refund
    due (recovery-rules.md §5), so the money is never lost."""
    e = _as(event, ev.PaymentReceived)
    ensure_person(e.nino)
    target = e.target
    if isinstance(target, ev.CreditorDebtTarget):
        creditor: Creditor | None = _creditor(target.creditor)
        ref, named = target.creditor_ref, f"creditor_ref {target.creditor_ref!r}"
        whose = (f"{target.creditor} has no debt with this reference in DMS (if the debt's debt.referred has not "
                 "been sent yet, send the payment again after the debt's debt.referred)")
    elif isinstance(target, ev.LaDebtTarget):
        creditor = Creditor.objects.filter(kind="LA", la_id=target.la_id).first()
        ref, named = target.debt_ref, f"la_id {target.la_id} debt_ref {target.debt_ref!r}"
        whose = ("no such LA debt is or was held in DMS (a referral of it received from the LA but not yet processed "
                 "is taken on by the next `dms run`: send the payment again after that run)")
    else:
        return False
    known = Debt.objects.filter(creditor=creditor, creditor_ref=ref) if creditor is not None else Debt.objects.none()
    if not known.exists():
        raise DmsError(f"{named}: {whose}; name a debt DMS holds, or no debt (the payment is then "
                       "spread over the person's debts)")
    if not known.filter(Q(person__nino=e.nino) | Q(joint_person__nino=e.nino)).exists():
        raise DmsError(f"{named}: the debt is owed by another person, not NINO {e.nino}; name one of this "
                       "person's debts, or no debt")
    return False


def _as(event: ev.Event, kind: type[E]) -> E:
    if not isinstance(event, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(event).__name__}")
    return event


APPLIERS: dict[str, Callable[[ev.Event, InboundEvent], bool]] = {
    "person.registered": _person_registered,
    "award.started": _award_started,
    "award.changed": _award_changed,
    "award.ended": _award_ended,
    "uc.assessment_period": _uc_assessment_period,
    "benefit.payment_missed": _benefit_payment_missed,
    "person.died": _person_died,
    "person.sanction": _kept_for_run,
    "person.insolvency": _kept_for_run,
    "debt.referred": _debt_referred,
    "debt.revised": _debt_change,
    "debt.withdrawn": _debt_change,
    "payment.received": _payment_received,
}
