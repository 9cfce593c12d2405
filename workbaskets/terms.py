"""Due dates of work items: step terms and the legal terms of the Wgs (pure, no ORM)."""

from __future__ import annotations

import datetime as dt

from intake.arrears.rules import add_working_days  # one calendar of working days

# Wgs art. 4: the first conversation within 4 weeks of the signal, within 3 working days in a crisis.
LEGAL_TERM_DAYS = 28
LEGAL_CRISIS_WORKING_DAYS = 3
DUE_SOON_DAYS = 3


def step_due(start: dt.date, *, term_days: int, working_days: bool) -> dt.date:
    """Return the due date of a step that starts on start."""
    if working_days:
        return add_working_days(start, term_days)
    return start + dt.timedelta(days=term_days)


def legal_due(signal_date: dt.date, *, crisis: bool) -> dt.date:
    """Return the date by which the first conversation of an arrears case is due."""
    if crisis:
        return add_working_days(signal_date, LEGAL_CRISIS_WORKING_DAYS)
    return signal_date + dt.timedelta(days=LEGAL_TERM_DAYS)


def item_due(
    *,
    step_start: dt.date,
    term_days: int | None,
    working_days: bool = False,
    legal: dt.date | None = None,
) -> dt.date | None:
    """Return the earliest of the current step's due date and a legal due date still open."""
    candidates = [legal] if legal else []
    if term_days is not None:
        candidates.append(step_due(step_start, term_days=term_days, working_days=working_days))
    return min(candidates) if candidates else None


def part_of_day(moment: dt.time) -> str:
    """Return the DDAS Dagdeel: Ochtend before 12:00, Middag 12-18, Avond from 18:00."""
    if moment.hour < 12:
        return "Ochtend"
    if moment.hour < 18:
        return "Middag"
    return "Avond"
