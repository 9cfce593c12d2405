"""Pure rules for arrears reports (domain.md section 5): window, minimum, repeat, Wgs terms, feedback.

No ORM here: the services feed plain values in and store what comes out.
"""

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cache

import holidays

from .ddas import EnumDagdeel, EnumEindresultaat, EnumSignaalpartner


@dataclass(frozen=True)
class PartnerRule:
    """When a report of one partner type is a justified signal.

    Ages are whole days between `arrears_since` and `signal_date`, bounds inclusive; `None` is no bound.
    """

    min_age_days: int | None = None
    max_age_days: int | None = None
    min_amount: Decimal | None = None


def default_partner_rules() -> dict[str, PartnerRule]:
    """Return the domain.md defaults: 30-100 days for utilities and rent, >180 for CAK, >= 600 for tax."""
    utilities = PartnerRule(min_age_days=30, max_age_days=100)
    rules = {partner_type: PartnerRule() for partner_type in EnumSignaalpartner.values}
    for partner_type in (
        EnumSignaalpartner.ENERGIE,
        EnumSignaalpartner.HUUR,
        EnumSignaalpartner.WATER,
        EnumSignaalpartner.ZORG,
    ):
        rules[partner_type] = utilities
    rules[EnumSignaalpartner.CAK_ZORGVERZEKERINGEN] = PartnerRule(min_age_days=181)
    rules[EnumSignaalpartner.BELASTINGDIENST] = PartnerRule(min_amount=Decimal(600))
    return rules


@dataclass(frozen=True)
class ArrearsRules:
    """The arrears settings of one municipality, with the domain.md defaults."""

    partner_rules: dict[str, PartnerRule] = field(default_factory=default_partner_rules)
    minimum_amount: Decimal = Decimal(0)
    multiple_supplier_count: int = 2
    term_days: int = 28
    crisis_term_working_days: int = 3
    collection_suspension_months: int = 1


class Verdict(StrEnum):
    ACCEPTED = "accepted"
    OUT_OF_WINDOW = "out_of_window"
    BELOW_MINIMUM = "below_minimum"
    REPEAT = "repeat"

    @property
    def result(self) -> str | None:
        """The DDAS end result a report closed by this verdict carries at once."""
        return {
            Verdict.OUT_OF_WINDOW: EnumEindresultaat.UNJUSTIFIED,
            Verdict.BELOW_MINIMUM: EnumEindresultaat.UNJUSTIFIED,
            Verdict.REPEAT: EnumEindresultaat.REPEAT,
        }.get(self)


@dataclass(frozen=True)
class ReportFacts:
    partner_type: str
    amount: Decimal
    arrears_since: dt.date
    signal_date: dt.date


@dataclass(frozen=True)
class EarlierReport:
    """A report of the same supplier about the same person that sits in an open case."""

    arrears_since: dt.date
    amount: Decimal


def within_window(report: ReportFacts, rules: ArrearsRules) -> bool:
    """Tell whether the report's arrears age and amount meet its partner type's window."""
    rule = rules.partner_rules.get(report.partner_type, PartnerRule())
    age = (report.signal_date - report.arrears_since).days
    if rule.min_age_days is not None and age < rule.min_age_days:
        return False
    if rule.max_age_days is not None and age > rule.max_age_days:
        return False
    return rule.min_amount is None or report.amount >= rule.min_amount


def assess(report: ReportFacts, *, earlier: Iterable[EarlierReport], rules: ArrearsRules) -> Verdict:
    """Decide whether a new report is picked up, out of window, below the minimum or a repeat."""
    if report.amount < rules.minimum_amount:
        return Verdict.BELOW_MINIMUM
    if not within_window(report, rules):
        return Verdict.OUT_OF_WINDOW
    same_arrears = [e.amount for e in earlier if e.arrears_since == report.arrears_since]
    # A higher amount than before is new information: it joins the open case instead.
    if same_arrears and report.amount <= max(same_arrears):
        return Verdict.REPEAT
    return Verdict.ACCEPTED


@cache
def _dutch_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Return the date `days` working days after `start`, skipping weekends and Dutch public holidays."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def due_date(*, signal_date: dt.date, is_crisis: bool, rules: ArrearsRules) -> dt.date:
    """Return when the first conversation is due (Wgs art. 4): 4 weeks, or 3 working days in a crisis."""
    if is_crisis:
        return add_working_days(signal_date, rules.crisis_term_working_days)
    return signal_date + dt.timedelta(days=rules.term_days)


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day `months` later, clipped to the end of a shorter month."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last_day))


def part_of_day(moment: dt.time) -> str:
    """Return the DDAS part of day: Ochtend before 12:00, Middag 12-18, Avond from 18:00."""
    if moment.hour < 12:
        return EnumDagdeel.OCHTEND
    if moment.hour < 18:
        return EnumDagdeel.MIDDAG
    return EnumDagdeel.AVOND


class FeedbackStatus(StrEnum):
    RECEIVED = "received"
    PICKED_UP = "picked_up"
    CONTACT_MADE = "contact_made"
    HELP_STARTED = "help_started"
    NO_CONTACT = "no_contact"
    NOT_PICKED_UP = "not_picked_up"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


NOT_PICKED_UP_RESULTS = frozenset(
    {
        EnumEindresultaat.REPEAT,
        EnumEindresultaat.UNJUSTIFIED,
        EnumEindresultaat.OTHER_REASON,
        EnumEindresultaat.DECEASED,
        EnumEindresultaat.NOT_RESIDENT,
    }
)


@dataclass(frozen=True)
class SupplierFeedback:
    status: str
    result: str | None


def supplier_feedback(*, status: str, result: str | None) -> SupplierFeedback:
    """Return what a supplier may read of a report's status and result.

    "Niet opgepakt: andere reden" stays inside the municipality: the supplier sees only that the report was
    not picked up (domain.md section 5).
    """
    if result == EnumEindresultaat.OTHER_REASON:
        return SupplierFeedback(status=FeedbackStatus.NOT_PICKED_UP, result=None)
    if result in NOT_PICKED_UP_RESULTS:
        return SupplierFeedback(status=FeedbackStatus.NOT_PICKED_UP, result=result)
    if result is not None and status not in (FeedbackStatus.WITHDRAWN,):
        return SupplierFeedback(status=FeedbackStatus.CLOSED, result=result)
    return SupplierFeedback(status=status, result=result)
