"""Validate arrears reports as plain data, each on its own, with a JSON pointer per error.

This is the one validation for the API and the CSV upload. It is hand-written rather than a DRF
serializer because a bulk request carries up to 10,000 reports and must stay well under a second.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .ddas import EnumSignaalpartner

MAX_AMOUNT = Decimal("99999999.99")
CENT = Decimal("0.01")
TEXT_LIMITS = {
    "initials": 20,
    "prefix": 20,
    "last_name": 200,
    "street": 200,
    "house_number_suffix": 10,
    "city": 100,
}
FIELDS = frozenset(
    {
        "reference",
        "municipality_code",
        "partner_type",
        "crisis",
        "warm_handover",
        "amount",
        "arrears_since",
        "signal_date",
        "bsn",
        "initials",
        "prefix",
        "last_name",
        "birth_date",
        "street",
        "postcode",
        "house_number",
        "house_number_suffix",
        "city",
    }
)
PARTNER_TYPES = frozenset(EnumSignaalpartner.values)
REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9._:\-]{1,100}")
MUNICIPALITY_PATTERN = re.compile(r"(?:GM)?(\d{4})")
POSTCODE_PATTERN = re.compile(r"([1-9]\d{3}) ?([A-Z]{2})")
HOUSE_NUMBER_PATTERN = re.compile(r"[1-9]\d{0,4}")


@dataclass(frozen=True, slots=True)
class ReportInput:
    reference: str
    municipality_code: str
    partner_type: str | None
    is_crisis: bool
    is_warm_handover: bool
    amount: Decimal
    arrears_since: dt.date
    signal_date: dt.date
    bsn: str
    initials: str
    prefix: str
    last_name: str
    birth_date: dt.date | None
    street: str
    postcode: str
    house_number: str
    house_number_suffix: str
    city: str


@dataclass(frozen=True, slots=True)
class FieldError:
    pointer: str
    message: str
    code: str = "invalid"

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message, "code": self.code}


class _Collector:
    def __init__(self, data: dict, pointer: str) -> None:
        self.data = data
        self.pointer = pointer
        self.errors: list[FieldError] = []

    def error(self, name: str, message: str) -> None:
        self.errors.append(FieldError(f"{self.pointer}/{name}", message))

    def text(self, name: str, *, required: bool = False, limit: int = 200) -> str:
        value = self.data.get(name)
        if value is not None and not isinstance(value, str):
            self.error(name, "Must be a string.")
            return ""
        value = (value or "").strip()
        if not value:  # only spaces are as empty as an empty string
            if required:
                self.error(name, "This field is required.")
            return ""
        if len(value) > limit:
            self.error(name, f"At most {limit} characters.")
            return ""
        if "\x00" in value:  # PostgreSQL stores no NUL character, in text or in JSON
            self.error(name, "Must not contain a NUL character.")
            return ""
        return value

    def boolean(self, name: str) -> bool:
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            self.error(name, "Must be true or false.")
            return False
        return value

    def date(self, name: str, *, required: bool) -> dt.date | None:
        value = self.text(name, required=required, limit=10)
        if not value:
            return None
        try:
            if len(value) != 10:
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(name, "Must be a date as YYYY-MM-DD.")
            return None


def validate_report(
    data: object, *, pointer: str, today: dt.date
) -> tuple[ReportInput | None, list[FieldError]]:
    """Return the report as typed values, or the errors that prevent that."""
    if not isinstance(data, dict):
        return None, [FieldError(pointer, "Must be an object.")]
    plain = _plain_report(data, today)
    if plain is not None:
        return plain, []
    return validate_fully(data, pointer=pointer, today=today)


def validate_fully(
    data: dict, *, pointer: str, today: dt.date
) -> tuple[ReportInput | None, list[FieldError]]:
    """Check every field and word every error; what `validate_report` does for an unusual report."""
    check = _Collector(data, pointer)
    if not FIELDS.issuperset(data):
        for name in sorted(set(data) - FIELDS):
            check.error(name, "Unknown field.")

    reference = check.text("reference", required=True, limit=100)
    if reference and not REFERENCE_PATTERN.fullmatch(reference):
        check.error("reference", "Use letters, digits and . _ : - only.")

    municipality_code = check.text("municipality_code", required=True, limit=6)
    match = MUNICIPALITY_PATTERN.fullmatch(municipality_code.upper()) if municipality_code else None
    if municipality_code and not match:
        check.error("municipality_code", "Must be a CBS municipality code of 4 digits, e.g. 0363 or GM0363.")

    partner_type = check.text("partner_type", limit=40) or None
    if partner_type is not None and partner_type not in PARTNER_TYPES:
        check.error("partner_type", "Must be one of the DDAS EnumSignaalpartner values.")

    amount = _amount(check)
    arrears_since = check.date("arrears_since", required=True)
    signal_date = check.date("signal_date", required=True)
    if signal_date and signal_date > today + dt.timedelta(days=1):
        check.error("signal_date", "Must not lie in the future.")
    if arrears_since and signal_date and arrears_since > signal_date:
        check.error("arrears_since", "Must not be after signal_date.")

    bsn = check.text("bsn", limit=9)
    if bsn and not is_valid_bsn(bsn):
        check.error("bsn", "Must be a valid BSN (9 digits, eleven test).")
    bsn = bsn.zfill(9) if bsn else ""

    birth_date = check.date("birth_date", required=not bsn)
    if birth_date and birth_date > today:
        check.error("birth_date", "Must not lie in the future.")
    postcode = check.text("postcode", required=not bsn, limit=7).upper()
    postcode_match = POSTCODE_PATTERN.fullmatch(postcode) if postcode else None
    if postcode and not postcode_match:
        check.error("postcode", "Must be a Dutch postcode, e.g. 1234AB.")
    house_number = _house_number(check, required=not bsn)
    texts = {
        name: check.text(name, limit=limit, required=name == "last_name" and not bsn)
        for name, limit in TEXT_LIMITS.items()
    }

    is_crisis = check.boolean("crisis")
    is_warm_handover = check.boolean("warm_handover")

    if check.errors or match is None or amount is None or arrears_since is None or signal_date is None:
        return None, check.errors
    return (
        ReportInput(
            reference=reference,
            municipality_code=match.group(1),
            partner_type=partner_type,
            is_crisis=is_crisis,
            is_warm_handover=is_warm_handover,
            amount=amount,
            arrears_since=arrears_since,
            signal_date=signal_date,
            bsn=bsn,
            birth_date=birth_date,
            postcode="".join(postcode_match.groups()) if postcode_match else "",
            house_number=house_number,
            **texts,
        ),
        [],
    )


def _plain_report(data: dict, today: dt.date) -> ReportInput | None:
    """The fast path: a report without anything to strip, convert or object to, else None.

    Most reports of a bulk request look like this; they skip the collector's bookkeeping. Whatever
    this passes, the full validation below passes with the same values (a property test holds the
    two together); everything else goes there and gets its messages.
    """
    if not FIELDS.issuperset(data):
        return None
    get = data.get
    reference = get("reference")
    if reference.__class__ is not str or not REFERENCE_PATTERN.fullmatch(reference):
        return None
    code = get("municipality_code")
    if code.__class__ is not str or len(code) > 6:
        return None
    match = MUNICIPALITY_PATTERN.fullmatch(code.upper())
    if match is None:
        return None
    partner_type = get("partner_type")
    if partner_type == "":
        partner_type = None
    elif partner_type is not None and (
        partner_type.__class__ is not str or partner_type not in PARTNER_TYPES
    ):
        return None
    amount = _plain_amount(get("amount"))
    arrears_since = _plain_date(get("arrears_since"))
    signal_date = _plain_date(get("signal_date"))
    if (
        amount is None
        or arrears_since is None
        or signal_date is None
        or signal_date > today + dt.timedelta(days=1)
        or arrears_since > signal_date
    ):
        return None
    bsn = get("bsn")
    if bsn is None or bsn == "":
        bsn = ""
    elif bsn.__class__ is not str or not is_valid_bsn(bsn):
        return None
    else:
        bsn = bsn.zfill(9)
    birth_date = get("birth_date")
    if birth_date is None or birth_date == "":
        if not bsn:
            return None
        birth_date = None
    else:
        birth_date = _plain_date(birth_date)
        if birth_date is None or birth_date > today:
            return None
    postcode = get("postcode")
    if postcode is None or postcode == "":
        if not bsn:
            return None
        postcode = ""
    else:
        if postcode.__class__ is not str or len(postcode) > 7:
            return None
        postcode_match = POSTCODE_PATTERN.fullmatch(postcode.upper())
        if postcode_match is None:
            return None
        postcode = "".join(postcode_match.groups())
    house_number = get("house_number")
    if house_number is None or house_number == "":
        if not bsn:
            return None
        house_number = ""
    elif house_number.__class__ is not str or not HOUSE_NUMBER_PATTERN.fullmatch(house_number):
        return None
    texts = {}
    for name, limit in TEXT_LIMITS.items():
        value = get(name)
        if value is None or value == "":
            if name == "last_name" and not bsn:
                return None
            value = ""
        elif value.__class__ is not str:
            return None
        elif value != value.strip() or len(value) > limit or "\x00" in value:
            return None  # something to strip or refuse: the full validation words it
        texts[name] = value
    is_crisis = get("crisis", False)
    is_warm_handover = get("warm_handover", False)
    if is_crisis.__class__ is not bool or is_warm_handover.__class__ is not bool:
        return None
    return ReportInput(
        reference=reference,
        municipality_code=match.group(1),
        partner_type=partner_type,
        is_crisis=is_crisis,
        is_warm_handover=is_warm_handover,
        amount=amount,
        arrears_since=arrears_since,
        signal_date=signal_date,
        bsn=bsn,
        birth_date=birth_date,
        postcode=postcode,
        house_number=house_number,
        **texts,
    )


def _plain_amount(value: object) -> Decimal | None:
    if value.__class__ is not str:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        return None
    rounded = amount.quantize(CENT)
    return rounded if amount == rounded else None


def _plain_date(value: object) -> dt.date | None:
    if value.__class__ is not str or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _amount(check: _Collector) -> Decimal | None:
    value = check.data.get("amount")
    if value is None or value == "":
        check.error("amount", "This field is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        check.error("amount", 'Must be a decimal number as a string, e.g. "125.50".')
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        check.error("amount", 'Must be a decimal number, e.g. "125.50".')
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        check.error("amount", "Must be between 0 and 99999999.99.")
        return None
    rounded = amount.quantize(CENT)
    if amount != rounded:
        check.error("amount", "At most 2 decimals.")
        return None
    return rounded


def _house_number(check: _Collector, *, required: bool) -> str:
    value = check.data.get("house_number")
    if value is None or value == "":
        if required:
            check.error("house_number", "This field is required.")
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not HOUSE_NUMBER_PATTERN.fullmatch(value.strip()):
        check.error("house_number", "Must be a house number of 1 to 5 digits.")
        return ""
    return value.strip()


_DIGITS = frozenset("0123456789")


def is_valid_bsn(value: str) -> bool:
    """The BSN eleven test on 8 or 9 ASCII digits (a leading zero may be left off).

    The same answer as python-stdnum's `nl.bsn.is_valid` on such input, at a fraction of its cost.
    """
    if len(value) not in (8, 9) or not _DIGITS.issuperset(value):
        return False
    number = value.zfill(9)
    if number == "000000000":
        return False
    a, b, c, d, e, f, g, h, i = number.encode()  # ASCII codes: digit + 48, weights sum to 43
    return (9 * a + 8 * b + 7 * c + 6 * d + 5 * e + 4 * f + 3 * g + 2 * h - i - 43 * 48) % 11 == 0
