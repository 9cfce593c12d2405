"""The eight debtor signals of domain.md section 4, evaluated over whole sets.

Pure: frames and dataclasses in, signal rows out; no ORM, no I/O. Money is integer cents in the
frames and in every comparison (float miscounts rises at scale); evidence carries euro strings.

Month numbers (`year * 12 + month - 1`) stand for periods inside the frames, so that "M - k" is
plain integer arithmetic. Income is laid out as a dense matrix debtor x offset, where offset k is
the month M - k; every rule is a vectorised expression over that matrix.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from thresholds import defaults

if TYPE_CHECKING:
    import pandas as pd


class SignalType(enum.StrEnum):
    INCOME_ABOVE_THRESHOLD = "INCOME_ABOVE_THRESHOLD"
    INCOME_RISE = "INCOME_RISE"
    NEW_INCOME_SOURCE = "NEW_INCOME_SOURCE"
    INCOME_ABOVE_AFTER_DROP = "INCOME_ABOVE_AFTER_DROP"
    VOW_FOUND_ABOVE_NORM = "VOW_FOUND_ABOVE_NORM"
    VOW_FOUND_BELOW_NORM = "VOW_FOUND_BELOW_NORM"
    ASSETS = "ASSETS"
    VEHICLE = "VEHICLE"


class Category(enum.StrEnum):
    PAYER = "payer"
    NON_PAYER = "non_payer"
    VOW = "vow"


APPLICABLE: Mapping[Category, frozenset[SignalType]] = {
    Category(category): frozenset(SignalType(t) for t in types)
    for category, types in defaults.APPLICABLE.items()
}
DEFAULT_ENABLED: Mapping[Category, frozenset[SignalType]] = {
    Category(category): frozenset(SignalType(t) for t in types)
    for category, types in defaults.DEFAULT_ENABLED.items()
}

# Balances count when their reference date lies in the months m-11 ... m.
BALANCE_MONTHS = 12
# INCOME_RISE falls back to the mean income of this many months before the N-month window.
REFERENCE_MONTHS = 3


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The parameters of one municipality and debtor category; money in euro."""

    income: Decimal = Decimal(1500)
    rise_abs: Decimal = Decimal(100)
    rise_pct: Decimal = Decimal(10)
    persistence: int = 2
    look_back: int = 12
    vow_norm: Decimal = Decimal(1400)
    assets: Decimal = Decimal(7500)
    vehicle_value: Decimal = Decimal(5000)
    enabled: frozenset[SignalType] = field(default_factory=lambda: frozenset(SignalType))

    def __post_init__(self) -> None:
        if self.persistence < 1:
            raise ValueError("persistence must be at least 1 month")
        if self.look_back < 0:
            raise ValueError("look_back must not be negative")
        for name in ("income", "rise_abs", "rise_pct", "vow_norm", "assets", "vehicle_value"):
            value = Decimal(getattr(self, name))
            if value < 0:
                raise ValueError(f"{name} must not be negative")
            if value != value.quantize(Decimal("0.01")):
                raise ValueError(f"{name} has more than 2 decimals")

    def as_evidence(self, *names: str) -> dict[str, Any]:
        """Return the named thresholds as JSON-ready values (money as euro strings)."""
        out: dict[str, Any] = {}
        for name in names:
            value = getattr(self, name)
            out[name] = value if isinstance(value, int) else str(Decimal(value).quantize(Decimal("0.01")))
        return out


@dataclass(frozen=True, slots=True)
class EvaluationInput:
    """Everything one evaluation of period M reads; frames may hold a chunk of the debtors.

    debtors: debtor_id (int), category (payer|non_payer|vow, in M), known_income (cents, <NA> when
        empty), previous_category (category in the debtor file of M-1, <NA> when absent there),
        in_earlier_file (bool: the debtor was in the debtor file of some period before M).
    income: debtor_id, period (month number), source_id, amount (cents, >= 0); optional
        source_name and income_kind (used in evidence). Rows of other debtors are ignored.
    balances: debtor_id, reference_date (datetime64), balance (cents).
    vehicles: the snapshot of M: debtor_id, plate, value (cents), optional registration_date.
    previous_vehicles: the snapshot of M-1 (debtor_id, plate), or None when there is none.
    excluded: debtor ids that are excluded from signals in M.
    """

    period: date
    debtors: pd.DataFrame
    income: pd.DataFrame
    balances: pd.DataFrame
    vehicles: pd.DataFrame
    previous_vehicles: pd.DataFrame | None
    excluded: Collection[int] = frozenset()


@dataclass(frozen=True, slots=True)
class FoundSignal:
    type: SignalType
    debtor_id: int
    category: str
    period: date
    evidence_key: str
    evidence: dict[str, Any]


def month_number(day: date) -> int:
    """Return the month number of the month `day` lies in."""
    return day.year * 12 + day.month - 1


def month_start(number: int) -> date:
    """Return the first day of the month with this month number."""
    return date(number // 12, number % 12 + 1, 1)


def period_label(number: int) -> str:
    """Return `YYYY-MM` for a month number."""
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def euro(cents: int) -> str:
    """Return integer cents as a euro string with two decimals."""
    return str(Decimal(int(cents)).scaleb(-2))


def cents(amount: Decimal | int | str) -> int:
    """Return a euro amount as integer cents."""
    return int((Decimal(amount) * 100).to_integral_value())


def evaluate(data: EvaluationInput, *, thresholds: Mapping[str, Thresholds]) -> list[FoundSignal]:
    """Evaluate the eight signal types for every debtor of period M in `data`."""
    debtors = _eligible_debtors(data, thresholds)
    if debtors.empty:
        return []
    context = _Context.build(data, debtors, thresholds)
    found: list[FoundSignal] = []
    found += _income_threshold_signals(context)
    found += _rise_signals(context)
    found += _new_source_signals(context)
    found += _vow_signals(context)
    found += _asset_signals(context)
    found += _vehicle_signals(context)
    order = {signal_type: index for index, signal_type in enumerate(SignalType)}
    found.sort(key=lambda s: (s.debtor_id, order[s.type], s.evidence_key))
    return found


def _eligible_debtors(data: EvaluationInput, thresholds: Mapping[str, Thresholds]) -> pd.DataFrame:
    debtors = data.debtors
    keep = debtors["category"].isin(list(thresholds))
    if data.excluded:
        keep &= ~debtors["debtor_id"].isin(list(data.excluded))
    return debtors[keep].sort_values("debtor_id", kind="stable").reset_index(drop=True)


@dataclass(slots=True)
class _Context:
    """Per-debtor parameter arrays and the income matrix of one evaluation."""

    data: EvaluationInput
    month: int
    ids: np.ndarray
    categories: np.ndarray
    profiles: list[Thresholds]
    profile_index: np.ndarray  # per debtor: index into profiles
    income: np.ndarray  # cents, shape (debtors, width): column k is month M - k
    width: int
    income_rows: pd.DataFrame  # income of these debtors with `row` and `offset`, offset < width

    @classmethod
    def build(
        cls, data: EvaluationInput, debtors: pd.DataFrame, thresholds: Mapping[str, Thresholds]
    ) -> _Context:
        categories = debtors["category"].astype(str).to_numpy()
        names = sorted(set(categories))
        profiles = [thresholds[name] for name in names]
        profile_index = np.searchsorted(np.array(names), categories)
        width = 1 + max(max(p.look_back, p.persistence + REFERENCE_MONTHS) for p in profiles)
        ids = debtors["debtor_id"].to_numpy(dtype=np.int64)
        month = month_number(data.period)

        income = data.income
        rows = _rows_of(ids, income["debtor_id"].to_numpy(dtype=np.int64))
        offsets = month - income["period"].to_numpy(dtype=np.int64)
        keep = (rows >= 0) & (offsets >= 0) & (offsets < width)
        income_rows = income[keep].assign(row=rows[keep], offset=offsets[keep])
        flat = income_rows["row"].to_numpy() * width + income_rows["offset"].to_numpy()
        amounts = income_rows["amount"].to_numpy(dtype=np.int64)
        # Float sums of integer cents stay exact far beyond any real income (2**53 cents).
        matrix = np.bincount(flat, weights=amounts, minlength=len(ids) * width)
        matrix = np.rint(matrix).astype(np.int64).reshape(len(ids), width)
        return cls(
            data=data,
            month=month,
            ids=ids,
            categories=categories,
            profiles=profiles,
            profile_index=profile_index,
            income=matrix,
            width=width,
            income_rows=income_rows,
        )

    def parameter(self, name: str, *, as_cents: bool = False) -> np.ndarray:
        values = [getattr(p, name) for p in self.profiles]
        if as_cents:
            values = [cents(v) for v in values]
        return np.array(values, dtype=np.int64)[self.profile_index]

    def basis_points(self, name: str) -> np.ndarray:
        values = [int(Decimal(getattr(p, name)) * 100) for p in self.profiles]
        return np.array(values, dtype=np.int64)[self.profile_index]

    def enabled(self, signal_type: SignalType) -> np.ndarray:
        per_profile = [
            signal_type in p.enabled and signal_type in APPLICABLE[Category(name)]
            for p, name in zip(self.profiles, sorted(set(self.categories)), strict=True)
        ]
        return np.array(per_profile, dtype=bool)[self.profile_index]

    def columns(self) -> np.ndarray:
        return np.arange(self.width)[None, :]

    def signal(
        self, signal_type: SignalType, row: int, evidence: dict[str, Any], key: str = ""
    ) -> FoundSignal:
        return FoundSignal(
            type=signal_type,
            debtor_id=int(self.ids[row]),
            category=str(self.categories[row]),
            period=self.data.period,
            evidence_key=key,
            evidence=evidence,
        )

    def month_details(
        self, rows: np.ndarray, first: np.ndarray, last: np.ndarray
    ) -> dict[int, list[dict[str, Any]]]:
        """Return per row the months M-last ... M-first (oldest first) with income and sources."""
        details: dict[int, list[dict[str, Any]]] = {}
        for row, low, high in zip(rows.tolist(), first.tolist(), last.tolist(), strict=True):
            details[row] = [
                {"period": period_label(self.month - k), "income": euro(self.income[row, k]), "sources": []}
                for k in range(high, low - 1, -1)
            ]
        if not details:
            return details
        lows = np.zeros(len(self.ids), dtype=np.int64)
        highs = np.full(len(self.ids), -1, dtype=np.int64)
        lows[rows] = first
        highs[rows] = last
        frame = self.income_rows
        offset = frame["offset"].to_numpy()
        row_of = frame["row"].to_numpy()
        picked = frame[(offset >= lows[row_of]) & (offset <= highs[row_of])]
        for item in _source_records(picked):
            month_list = details[item["row"]]
            month_list[highs[item["row"]] - item["offset"]]["sources"].append(item["source"])
        return details


def _rows_of(ids: np.ndarray, debtor_ids: np.ndarray) -> np.ndarray:
    """Return the row of each debtor id in the sorted `ids`, or -1 when it is not there."""
    if len(ids) == 0:
        return np.full(len(debtor_ids), -1, dtype=np.int64)
    position = np.searchsorted(ids, debtor_ids)
    position = np.minimum(position, len(ids) - 1)
    return np.where(ids[position] == debtor_ids, position, -1)


def _source_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return one record per debtor row, month and source, amounts summed, sorted.

    In numpy: a pandas groupby per call cost more than the signals it describes.
    """
    if frame.empty:
        return []
    import pandas as pd

    rows = frame["row"].to_numpy(dtype=np.int64)
    offsets = frame["offset"].to_numpy(dtype=np.int64)
    # Codes in the order of the source ids as text, as a sorted groupby on them would give.
    codes, source_ids = pd.factorize(frame["source_id"].astype(str), sort=True)
    order = np.lexsort((codes, offsets, rows))  # stable: within a group, rows keep their order
    rows, offsets, codes = rows[order], offsets[order], codes[order]
    starts = np.flatnonzero(
        np.concatenate(
            ([True], (rows[1:] != rows[:-1]) | (offsets[1:] != offsets[:-1]) | (codes[1:] != codes[:-1]))
        )
    )
    amounts = np.add.reduceat(frame["amount"].to_numpy(dtype=np.int64)[order], starts)
    texts = {}
    for column in ("source_name", "income_kind"):
        if column not in frame.columns:
            texts[column] = [""] * len(starts)
            continue
        values = frame[column].to_numpy(dtype=object)[order]
        present = ~pd.isna(values)
        # The first value of each group that is not missing (NaN when none is, like groupby's first).
        first = np.minimum.reduceat(np.where(present, np.arange(len(values)), len(values)), starts)
        texts[column] = [values[i] if i < len(values) else np.nan for i in first.tolist()]
    return [
        {
            "row": row,
            "offset": offset,
            "source": {
                "source_id": source_ids[code],
                "source_name": str(name),
                "income_kind": str(kind),
                "amount": euro(amount),
            },
        }
        for row, offset, code, amount, name, kind in zip(
            rows[starts].tolist(),
            offsets[starts].tolist(),
            codes[starts].tolist(),
            amounts.tolist(),
            texts["source_name"],
            texts["income_kind"],
            strict=True,
        )
    ]


def _leading_run(mask: np.ndarray) -> np.ndarray:
    """Return per row how many columns from column 0 on are True without a break."""
    return np.where(mask.all(axis=1), mask.shape[1], np.argmin(mask, axis=1))


def _income_threshold_signals(context: _Context) -> list[FoundSignal]:
    """INCOME_ABOVE_THRESHOLD and INCOME_ABOVE_AFTER_DROP: above T for exactly the last N months."""
    threshold = context.parameter("income", as_cents=True)
    persistence = context.parameter("persistence")
    look_back = context.parameter("look_back")
    above = context.income >= threshold[:, None]
    fires = _leading_run(above) == persistence
    columns = context.columns()
    earlier = (columns >= persistence[:, None] + 1) & (columns <= look_back[:, None])
    was_above_before = (above & earlier).any(axis=1)

    found: list[FoundSignal] = []
    for signal_type, condition in (
        (SignalType.INCOME_ABOVE_THRESHOLD, fires & ~was_above_before),
        (SignalType.INCOME_ABOVE_AFTER_DROP, fires & was_above_before),
    ):
        rows = np.flatnonzero(condition & context.enabled(signal_type))
        months = context.month_details(rows, np.zeros(len(rows), dtype=np.int64), persistence[rows])
        for row in rows.tolist():
            profile = context.profiles[context.profile_index[row]]
            evidence: dict[str, Any] = {
                "months": months[row],
                "thresholds": profile.as_evidence("income", "persistence", "look_back"),
            }
            if signal_type is SignalType.INCOME_ABOVE_AFTER_DROP:
                evidence["earlier_months_above"] = [
                    {"period": period_label(context.month - k), "income": euro(context.income[row, k])}
                    for k in range(int(look_back[row]), int(persistence[row]), -1)
                    if above[row, k]
                ]
            found.append(context.signal(signal_type, row, evidence))
    return found


def _rise_signals(context: _Context) -> list[FoundSignal]:
    """INCOME_RISE: above T and risen from the reference by the required amount for exactly N months."""
    threshold = context.parameter("income", as_cents=True)
    rise_abs = context.parameter("rise_abs", as_cents=True)
    rise_bp = context.basis_points("rise_pct")
    persistence = context.parameter("persistence")
    columns = context.columns()

    # Work with 3 x Ref so that the mean of three months stays an exact integer.
    window = (columns >= persistence[:, None]) & (columns < persistence[:, None] + REFERENCE_MONTHS)
    mean_base = np.where(window, context.income, 0).sum(axis=1)
    known = context.data.debtors.set_index("debtor_id")["known_income"].reindex(context.ids)
    has_known = known.notna().to_numpy()
    known_cents = known.fillna(0).to_numpy(dtype=np.int64)
    reference3 = np.where(has_known, REFERENCE_MONTHS * known_cents, mean_base)

    # inc - Ref >= max(R_abs, Ref * R_pct / 100), scaled by 3 * 10_000 to stay in integers.
    required = np.maximum(REFERENCE_MONTHS * 10_000 * rise_abs, reference3 * rise_bp)
    risen = 10_000 * (REFERENCE_MONTHS * context.income - reference3[:, None]) >= required[:, None]
    rise = (context.income >= threshold[:, None]) & risen
    fires = (_leading_run(rise) == persistence) & (reference3 > 0)

    rows = np.flatnonzero(fires & context.enabled(SignalType.INCOME_RISE))
    months = context.month_details(rows, np.zeros(len(rows), dtype=np.int64), persistence[rows])
    found = []
    for row in rows.tolist():
        profile = context.profiles[context.profile_index[row]]
        n = int(persistence[row])
        reference = Decimal(int(reference3[row])) / REFERENCE_MONTHS / 100
        evidence: dict[str, Any] = {
            "months": months[row],
            "reference": str(reference.quantize(Decimal("0.01"))),
            "reference_basis": "known_income" if has_known[row] else "mean_income",
            "required_rise": str((Decimal(int(required[row])) / 3_000_000).quantize(Decimal("0.01"))),
            "thresholds": profile.as_evidence("income", "rise_abs", "rise_pct", "persistence"),
        }
        if not has_known[row]:
            evidence["reference_months"] = [
                {"period": period_label(context.month - k), "income": euro(context.income[row, k])}
                for k in range(n + REFERENCE_MONTHS - 1, n - 1, -1)
            ]
        found.append(context.signal(SignalType.INCOME_RISE, row, evidence))
    return found


def _new_source_signals(context: _Context) -> list[FoundSignal]:
    """NEW_INCOME_SOURCE: a source paying in M that paid nothing in the L months before."""
    import pandas as pd

    in_earlier = context.data.debtors.set_index("debtor_id")["in_earlier_file"].reindex(context.ids)
    eligible = context.enabled(SignalType.NEW_INCOME_SOURCE) & in_earlier.fillna(False).to_numpy(dtype=bool)
    frame = context.income_rows
    frame = frame[eligible[frame["row"].to_numpy()]]
    if frame.empty:
        return []
    look_back = context.parameter("look_back")
    frame = frame[frame["offset"].to_numpy() <= look_back[frame["row"].to_numpy()]]
    source_codes, sources = pd.factorize(frame["source_id"], sort=False)
    key = frame["row"].to_numpy(dtype=np.int64) * max(len(sources), 1) + source_codes
    offsets = frame["offset"].to_numpy()
    amounts = frame["amount"].to_numpy(dtype=np.int64)
    # Amounts are never negative (intake refuses them), so a month of a source paid when any of its
    # rows is positive; no sum per month is needed.
    paying = pd.DataFrame({"key": key[amounts > 0], "offset": offsets[amounts > 0]})
    latest_paying = paying.groupby("key", sort=False)["offset"].max()
    new_keys = latest_paying.index[latest_paying.to_numpy() == 0].to_numpy()
    if len(new_keys) == 0:
        return []
    in_m = np.flatnonzero(offsets == 0)
    new_rows = frame.iloc[in_m[np.isin(key[in_m], new_keys)]]
    records = _source_records(new_rows.assign(offset=0))
    found = []
    for record in records:
        row = record["row"]
        profile = context.profiles[context.profile_index[row]]
        evidence = {**record["source"], "period": period_label(context.month)}
        evidence["thresholds"] = profile.as_evidence("look_back")
        found.append(
            context.signal(SignalType.NEW_INCOME_SOURCE, row, evidence, key=record["source"]["source_id"])
        )
    return found


def _vow_signals(context: _Context) -> list[FoundSignal]:
    """VOW_FOUND_ABOVE_NORM / _BELOW_NORM: a VOW debtor with income in M who had none as VOW in M-1."""
    import pandas as pd

    vow_norm = context.parameter("vow_norm", as_cents=True)
    previous = context.data.debtors.set_index("debtor_id")["previous_category"].reindex(context.ids)
    was_vow = (previous.astype("string") == Category.VOW).fillna(False).to_numpy(dtype=bool)
    now = context.income[:, 0]
    before = context.income[:, 1]
    is_vow = context.categories == Category.VOW
    found_now = is_vow & (now > 0) & ~(was_vow & (before > 0))

    found: list[FoundSignal] = []
    for signal_type, condition in (
        (SignalType.VOW_FOUND_ABOVE_NORM, found_now & (now >= vow_norm)),
        (SignalType.VOW_FOUND_BELOW_NORM, found_now & (now < vow_norm)),
    ):
        rows = np.flatnonzero(condition & context.enabled(signal_type))
        zeros = np.zeros(len(rows), dtype=np.int64)
        months = context.month_details(rows, zeros, zeros)
        for row in rows.tolist():
            profile = context.profiles[context.profile_index[row]]
            previous_category = previous.iloc[row]
            evidence = {
                "months": months[row],
                "previous_category": None if pd.isna(previous_category) else str(previous_category),
                "previous_income": euro(before[row]),
                "thresholds": profile.as_evidence("vow_norm"),
            }
            found.append(context.signal(signal_type, row, evidence))
    return found


def _latest_balances(frame: pd.DataFrame, first_offset: int, last_offset: int) -> pd.DataFrame:
    picked = frame[(frame["offset"] >= first_offset) & (frame["offset"] <= last_offset)]
    return picked.drop_duplicates("row", keep="last").set_index("row")


def _asset_signals(context: _Context) -> list[FoundSignal]:
    """ASSETS: the latest balance of the last 12 months reaches A, and the one of M-1 did not."""
    balances = context.data.balances
    if balances.empty:
        return []
    dates = balances["reference_date"]
    months = (dates.dt.year * 12 + dates.dt.month - 1).to_numpy(dtype=np.int64)
    rows = _rows_of(context.ids, balances["debtor_id"].to_numpy(dtype=np.int64))
    offsets = context.month - months
    keep = (rows >= 0) & (offsets >= 0) & (offsets <= BALANCE_MONTHS)
    frame = balances[keep].assign(row=rows[keep], offset=offsets[keep])
    frame = frame.sort_values(["row", "reference_date", "balance"], kind="stable")
    current = _latest_balances(frame, 0, BALANCE_MONTHS - 1)
    previous = _latest_balances(frame, 1, BALANCE_MONTHS)

    assets = context.parameter("assets", as_cents=True)
    enabled = context.enabled(SignalType.ASSETS)
    current_rows = current.index.to_numpy()
    current_balance = current["balance"].to_numpy(dtype=np.int64)
    previous_balance = previous["balance"].reindex(current.index)
    was_above = (
        previous_balance.fillna(-1).to_numpy() >= assets[current_rows]
    ) & previous_balance.notna().to_numpy()
    fires = (current_balance >= assets[current_rows]) & ~was_above & enabled[current_rows]

    found = []
    for index in np.flatnonzero(fires).tolist():
        row = int(current_rows[index])
        profile = context.profiles[context.profile_index[row]]
        evidence: dict[str, Any] = {
            "balance": euro(current_balance[index]),
            "reference_date": current["reference_date"].iloc[index].date().isoformat(),
            "previous_balance": None,
            "previous_reference_date": None,
            "thresholds": profile.as_evidence("assets"),
        }
        if row in previous.index:
            evidence["previous_balance"] = euro(previous.at[row, "balance"])
            evidence["previous_reference_date"] = previous.at[row, "reference_date"].date().isoformat()
        found.append(context.signal(SignalType.ASSETS, row, evidence))
    return found


def _vehicle_signals(context: _Context) -> list[FoundSignal]:
    """VEHICLE: a plate worth at least W in the snapshot of M that was not in the one of M-1."""
    vehicles = context.data.vehicles
    if vehicles.empty:
        return []
    rows = _rows_of(context.ids, vehicles["debtor_id"].to_numpy(dtype=np.int64))
    frame = vehicles[rows >= 0].assign(row=rows[rows >= 0])
    frame = frame.drop_duplicates(["row", "plate"], keep="first")
    value_threshold = context.parameter("vehicle_value", as_cents=True)
    enabled = context.enabled(SignalType.VEHICLE)
    row_of = frame["row"].to_numpy()
    frame = frame[(frame["value"].to_numpy(dtype=np.int64) >= value_threshold[row_of]) & enabled[row_of]]
    previous = context.data.previous_vehicles
    if previous is not None and not frame.empty:
        earlier = previous[["debtor_id", "plate"]].drop_duplicates().assign(_earlier=True)
        frame = frame.merge(earlier, on=["debtor_id", "plate"], how="left")
        frame = frame[frame["_earlier"].isna()].drop(columns="_earlier")
    has_date = "registration_date" in frame.columns
    found = []
    for record in frame.to_dict("records"):
        row = int(record["row"])
        profile = context.profiles[context.profile_index[row]]
        registered = record.get("registration_date") if has_date else None
        evidence = {
            "plate": str(record["plate"]),
            "value": euro(record["value"]),
            "registration_date": _iso_or_none(registered),
            "previous_snapshot": previous is not None,
            "thresholds": profile.as_evidence("vehicle_value"),
        }
        found.append(context.signal(SignalType.VEHICLE, row, evidence, key=str(record["plate"])))
    return found


def _iso_or_none(value: Any) -> str | None:
    if value is None or value != value:  # None, NaN or NaT
        return None
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
