"""Creditors: registering a local authority (``dms la add``).

Source: hb-debt-interface.md §2 (``LAID`` is ``[0-9]{6}``); recovery-rules.md §7 (LAs are paid by BACS, so
each LA has a sort code and account number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from dms.debts import CreditorKind
from dms.errors import BadArguments, DmsError
from dms.ledger import AccountKind
from dms.payments.bacs import CHARACTER_SET, lost_letters
from dms.store.models import Account, Creditor

_LA_ID = re.compile(r"[0-9]{6}")
_SORT_CODE = re.compile(r"[0-9]{6}")
_ACCOUNT_NUMBER = re.compile(r"[0-9]{8}")
MAX_NAME_LENGTH = Creditor._meta.get_field("name").max_length or 100


@dataclass(frozen=True)
class LaDetails:
    la_id: str
    name: str
    sort_code: str
    account_number: str


def la_details_problems(details: LaDetails) -> list[str]:
    """Every problem with an LA's details, each saying what is wrong and how to write it (empty if none).

    Rules: LAID ``[0-9]{6}`` (hb-debt-interface.md §2); a UK sort code is 6 digits and an account number 8
    digits (BACS Standard 18, recovery-rules.md §7); the name is 1 to 100 characters, with no letter or
    digit the BACS destination account name (recovery-rules.md §7) cannot carry even without its accent
    (:func:`dms.payments.bacs.lost_letters`: docs/la-interface-notes.md).
    """
    problems = []
    if not _LA_ID.fullmatch(details.la_id):
        problems.append(f"LA ID {details.la_id!r} is not six digits (write it like 000123)")
    if not _SORT_CODE.fullmatch(details.sort_code):
        problems.append(
            f"sort code {details.sort_code!r} is not six digits (write it without dashes or spaces, like 200000)"
        )
    if not _ACCOUNT_NUMBER.fullmatch(details.account_number):
        problems.append(
            f"account number {details.account_number!r} is not eight digits (write it like 12345678)"
        )
    name = details.name.strip()
    if not name:
        problems.append("the LA's name is empty; give its name, like 'Leeds City Council'")
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(f"the LA's name is {len(name)} characters long; at most {MAX_NAME_LENGTH} are allowed")
    elif lost := lost_letters(name):
        problems.append(f"the LA's name {name!r} has {', '.join(lost)}, which a BACS payment cannot carry (it "
                        f"carries {CHARACTER_SET}, a letter with an accent as its base letter); write the name "
                        "in those letters")
    return problems


def register_la(details: LaDetails) -> Creditor:
    """Register an LA as a creditor with its ``CREDITOR_DEBTS`` and ``CREDITOR_PAYABLE`` accounts, in one
    transaction. Refuses bad details or an LA ID already registered (nothing is written)."""
    problems = la_details_problems(details)
    if problems:
        raise BadArguments("cannot add the LA: " + "; ".join(problems))  # malformed details: exit 2
    if Creditor.objects.filter(la_id=details.la_id).exists():
        raise DmsError(
            f"cannot add the LA: LA ID {details.la_id} is already registered; each LA is added once"
        )
    try:
        with transaction.atomic():
            creditor = Creditor.objects.create(
                kind=CreditorKind.LA,
                la_id=details.la_id,
                name=details.name.strip(),
                sort_code=details.sort_code,
                account_number=details.account_number,
            )
            Account.objects.bulk_create(
                [Account(kind=kind, creditor=creditor)
                 for kind in (AccountKind.CREDITOR_DEBTS, AccountKind.CREDITOR_PAYABLE)]
            )
    except IntegrityError:
        raise DmsError(
            f"cannot add the LA: LA ID {details.la_id} is already registered; each LA is added once"
        ) from None
    return creditor
