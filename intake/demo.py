"""Synthetic, deterministic intake data: debtors, income histories, bank balances and vehicles.

Everything is fictional: BSNs come from a test range (nine digits starting with 9 that pass the
11-proof), names are drawn from a short list of common surnames. Generation is vectorised, so a
million debtors with their income history take seconds. Scenario debtors are built so each of the
eight debtor signals of domain.md section 4 fires for some of them under the default thresholds
(T 1500, R 100 / 10%, N 2, L 12, V 1400, A 7500, W 5000) in their event month.

``demo_intake`` is the intake step of ``manage.py demo_data``; the rest is pure (numpy and
pyarrow, no Django) so benchmarks and tests can write big files with it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from intake.parsers import BALANCES, DEBTORS, INCOME, LAYOUTS, VEHICLES

if TYPE_CHECKING:
    import pyarrow as pa

    from tenancy.demo import DemoContext

# Scenario codes: which signal a debtor's history is built to raise in its event month.
QUIET = 0
INCOME_ABOVE_THRESHOLD = 1
INCOME_RISE = 2
NEW_INCOME_SOURCE = 3
INCOME_ABOVE_AFTER_DROP = 4
VOW_FOUND_ABOVE_NORM = 5
VOW_FOUND_BELOW_NORM = 6
ASSETS = 7
VEHICLE = 8
SCENARIO_SHARE = 0.03  # of all debtors, per scenario

PAYER, NON_PAYER, VOW = 0, 1, 2
CATEGORY_NAMES = np.array(["payer", "non_payer", "vow"])
ABSENT = -1

LAST_NAMES = [
    "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
    "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit",
    "Dijkstra", "Smits", "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan",
    "Vermeulen", "van den Heuvel", "van der Veen", "van den Broek", "de Bruijn", "de Jong", "van Dijk",
    "Willems", "Schouten", "van Beek", "Hoekstra", "Prins", "Huisman", "Postma",
]  # fmt: skip
STREETS = [
    "Kerkstraat", "Schoolstraat", "Molenweg", "Dorpsstraat", "Stationsweg", "Julianastraat",
    "Wilhelminastraat", "Beatrixlaan", "Lindelaan", "Eikenlaan", "Parallelweg", "Marktplein",
]  # fmt: skip
DISTRICTS = ["Centrum", "Noord", "Oost", "Zuid", "West", "Haven", "Buitenwijk"]
HOUSEHOLDS = np.array(["alleenstaand", "alleenstaande_ouder", "gehuwd", "gehuwd_met_kinderen", ""])
BENEFIT_SOURCE = ("800000001L01", "UWV (uitkering)", "benefit")
PENSION_SOURCE = ("800000002L01", "SVB (pensioen)", "pension")
EMPLOYERS = 5000


@dataclass(frozen=True)
class SyntheticData:
    periods: list[date]  # ascending; the last one is the current month
    scenario: np.ndarray  # (n,) scenario code per debtor
    event: np.ndarray  # (n,) index of the period in which the scenario's signal fires
    bsn: np.ndarray  # (n,) int64, nine digits
    category: np.ndarray  # (n, months) category code per period, ABSENT when not in that file
    claim_cents: np.ndarray  # (n, months)
    instalment_cents: np.ndarray  # (n,), 0 = none agreed
    known_income_cents: np.ndarray  # (n,), -1 = empty
    household: np.ndarray  # (n,) index into HOUSEHOLDS
    seizure: np.ndarray  # (n,) bool
    last_name: np.ndarray  # (n,) index into LAST_NAMES
    street: np.ndarray  # (n,) index into STREETS
    house_number: np.ndarray  # (n,)
    postcode_digits: np.ndarray  # (n,)
    postcode_letters: np.ndarray  # (n, 2) uint8 letters
    district: np.ndarray  # (n,) index into DISTRICTS
    birth_date: np.ndarray  # (n,) datetime64[D]
    # income: one row per (debtor, month, source) with a positive amount
    income_debtor: np.ndarray
    income_month: np.ndarray
    income_source: np.ndarray  # -1 benefit, -2 pension, else employer number
    income_cents: np.ndarray
    # balances: one row per (debtor, reference date)
    balance_debtor: np.ndarray
    balance_date: np.ndarray  # datetime64[D]
    balance_cents: np.ndarray
    # vehicles: one row per (debtor, plate, first month, value); present from first month on
    vehicle_debtor: np.ndarray
    vehicle_plate: np.ndarray  # int64, formatted as a plate
    vehicle_from: np.ndarray  # first month index in the snapshot
    vehicle_cents: np.ndarray

    @property
    def size(self) -> int:
        return len(self.bsn)

    def debtors_in(self, month: int) -> np.ndarray:
        return np.flatnonzero(self.category[:, month] != ABSENT)


def test_bsns(count: int, rng: np.random.Generator) -> np.ndarray:
    """Return unique valid BSNs from the test range 9xxxxxxxx (11-proof holds)."""
    bases = 90_000_000 + rng.permutation(10_000_000)[: int(count * 1.15) + 100]
    digits = (bases[:, None] // 10 ** np.arange(7, -1, -1)) % 10
    check = (digits @ np.arange(9, 1, -1)) % 11
    valid = check < 10
    numbers = bases[valid] * 10 + check[valid]
    if len(numbers) < count:
        raise ValueError("too many debtors for the test BSN range")
    return numbers[:count].astype(np.int64)


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def generate(*, seed: int, debtors: int, months: int, last_period: date) -> SyntheticData:
    """Build a population with monthly debtor files, income, balances and vehicles."""
    rng = np.random.default_rng(seed)
    n = debtors
    periods = [add_months(last_period.replace(day=1), offset) for offset in range(-(months - 1), 1)]
    last = months - 1

    scenario = np.zeros(n, dtype=np.int8)
    per_scenario = max(1, int(n * SCENARIO_SHARE)) if n >= 16 else 0
    order = rng.permutation(n)
    for code in range(1, 9):
        scenario[order[(code - 1) * per_scenario : code * per_scenario]] = code
    # The event month: mostly the current one, some earlier, never before the history they need.
    earliest = min(3, last)
    event = np.where(rng.random(n) < 0.6, last, rng.integers(earliest, last + 1, size=n)).astype(np.int64)

    base_category = rng.choice([PAYER, NON_PAYER, VOW], size=n, p=[0.55, 0.35, 0.10])
    base_category[np.isin(scenario, [INCOME_ABOVE_THRESHOLD, INCOME_ABOVE_AFTER_DROP])] = NON_PAYER
    base_category[scenario == INCOME_RISE] = PAYER
    base_category[np.isin(scenario, [VOW_FOUND_ABOVE_NORM, VOW_FOUND_BELOW_NORM])] = VOW
    base_category[np.isin(scenario, [NEW_INCOME_SOURCE])] = rng.choice(
        [PAYER, NON_PAYER], size=int((scenario == NEW_INCOME_SOURCE).sum())
    )
    category = np.repeat(base_category[:, None], months, axis=1).astype(np.int8)
    # A few quiet debtors join later or leave early: the monthly diff has new and ended debtors.
    quiet = scenario == QUIET
    starts = np.where(quiet & (rng.random(n) < 0.03), rng.integers(0, months, size=n), 0)
    ends = np.where(quiet & (rng.random(n) < 0.03), rng.integers(0, months, size=n), last)
    month_index = np.arange(months)[None, :]
    category[(month_index < starts[:, None]) | (month_index > ends[:, None])] = ABSENT

    claim_start = rng.integers(50_000, 2_500_000, size=n)  # 500 to 25,000 euro
    instalment = np.where(base_category == PAYER, rng.integers(20, 200, size=n) * 100, 0)
    claim = np.maximum(claim_start[:, None] - instalment[:, None] * month_index, 0)

    # Income per (debtor, month) in euro cents, for up to three sources.
    benefit = np.zeros((n, months), dtype=np.int64)
    employment = np.zeros((n, months), dtype=np.int64)
    extra = np.zeros((n, months), dtype=np.int64)
    base_benefit = rng.integers(95_000, 135_000, size=n)
    has_benefit = quiet & (base_category != VOW) & (rng.random(n) < 0.85)
    benefit[has_benefit] = base_benefit[has_benefit, None]
    known_income = np.where(has_benefit & (base_category == PAYER), base_benefit, -1)
    employer = rng.integers(0, EMPLOYERS, size=n)
    extra_employer = (employer + 1 + rng.integers(0, EMPLOYERS - 1, size=n)) % EMPLOYERS
    relative = month_index - event[:, None]  # 0 in the event month

    def rows(code: int) -> np.ndarray:
        return scenario == code

    selected = rows(INCOME_ABOVE_THRESHOLD)
    benefit[selected] = 120_000
    employment[selected] = np.where(relative[selected] >= -1, 180_000, 0)
    benefit[selected] = np.where(relative[selected] >= -1, 0, 120_000)

    selected = rows(INCOME_RISE)
    known_income[selected] = 160_000
    employment[selected] = np.where(relative[selected] >= -1, 180_000, 160_000)

    selected = rows(NEW_INCOME_SOURCE)
    benefit[selected] = 100_000
    extra[selected] = np.where(relative[selected] >= 0, 30_000, 0)

    selected = rows(INCOME_ABOVE_AFTER_DROP)
    above_before = (relative[selected] >= -5) & (relative[selected] <= -3)
    above_now = relative[selected] >= -1
    employment[selected] = np.where(above_before | above_now, 170_000, 0)
    benefit[selected] = np.where(above_before | above_now, 0, 100_000)

    for code, amount in ((VOW_FOUND_ABOVE_NORM, 160_000), (VOW_FOUND_BELOW_NORM, 90_000)):
        selected = rows(code)
        employment[selected] = np.where(relative[selected] >= 0, amount, 0)

    selected = rows(ASSETS) | rows(VEHICLE)
    benefit[selected] = base_benefit[selected, None]

    income_parts = []
    for amounts, source in ((benefit, np.full(n, -1)), (employment, employer), (extra, extra_employer)):
        debtor_index, month = np.nonzero(amounts > 0)
        income_parts.append((debtor_index, month, source[debtor_index], amounts[debtor_index, month]))
    # A pensioner or two among the quiet vow debtors keeps the kinds varied.
    income_debtor, income_month, income_source, income_cents = (
        np.concatenate([part[i] for part in income_parts]) for i in range(4)
    )
    pensioners = np.isin(income_debtor, np.flatnonzero(quiet & (rng.random(n) < 0.05))) & (
        income_source == -1
    )
    income_source = np.where(pensioners, -2, income_source)
    order = np.lexsort((income_source, income_month, income_debtor))

    # Balances: a yearly reference date for some quiet debtors; scenario 7 rises above A.
    period_days = np.array(periods, dtype="datetime64[D]")
    with_balance = np.flatnonzero(quiet & (rng.random(n) < 0.3))
    assets = np.flatnonzero(rows(ASSETS))
    balance_debtor = np.concatenate([with_balance, assets, assets])
    balance_date = np.concatenate(
        [
            np.full(len(with_balance), period_days[0] + np.timedelta64(27, "D")),
            period_days[np.maximum(event[assets] - 1, 0)] + np.timedelta64(27, "D"),
            period_days[event[assets]] + np.timedelta64(27, "D"),
        ]
    )
    balance_cents = np.concatenate(
        [
            rng.integers(-50_000, 300_000, size=len(with_balance)),
            np.full(len(assets), 200_000),
            np.full(len(assets), 900_000),
        ]
    )
    # An event in month 0 has no earlier month: only the high balance is kept there.
    keep = np.concatenate([np.ones(len(with_balance), bool), event[assets] > 0, np.ones(len(assets), bool)])

    # Vehicles: cheap cars for some quiet debtors in every snapshot; scenario 8 buys a dear one.
    with_car = np.flatnonzero(quiet & (rng.random(n) < 0.1))
    buyers = np.flatnonzero(rows(VEHICLE))
    vehicle_debtor = np.concatenate([with_car, buyers])
    vehicle_plate = np.arange(len(vehicle_debtor), dtype=np.int64) + 1
    vehicle_from = np.concatenate([np.zeros(len(with_car), dtype=np.int64), event[buyers]])
    vehicle_cents = np.concatenate(
        [rng.integers(50_000, 450_000, size=len(with_car)), np.full(len(buyers), 1_200_000)]
    )

    birth = np.datetime64("1950-01-01") + rng.integers(0, 365 * 55, size=n).astype("timedelta64[D]")
    return SyntheticData(
        periods=periods,
        scenario=scenario,
        event=event,
        bsn=test_bsns(n, rng),
        category=category,
        claim_cents=claim,
        instalment_cents=instalment,
        known_income_cents=known_income,
        household=rng.integers(0, len(HOUSEHOLDS), size=n),
        seizure=rng.random(n) < 0.05,
        last_name=rng.integers(0, len(LAST_NAMES), size=n),
        street=rng.integers(0, len(STREETS), size=n),
        house_number=rng.integers(1, 250, size=n),
        postcode_digits=rng.integers(1000, 10000, size=n),
        postcode_letters=rng.integers(ord("A"), ord("Z") + 1, size=(n, 2)).astype(np.uint8),
        district=rng.integers(0, len(DISTRICTS), size=n),
        birth_date=birth,
        income_debtor=income_debtor[order],
        income_month=income_month[order],
        income_source=income_source[order],
        income_cents=income_cents[order],
        balance_debtor=balance_debtor[keep],
        balance_date=balance_date[keep],
        balance_cents=balance_cents[keep],
        vehicle_debtor=vehicle_debtor,
        vehicle_plate=vehicle_plate,
        vehicle_from=vehicle_from,
        vehicle_cents=vehicle_cents,
    )


# ---------------------------------------------------------------------------------------------
# Tables in the file layouts of intake.parsers (canonical English column names)
# ---------------------------------------------------------------------------------------------


def _pick(names: list[str] | np.ndarray, indices: np.ndarray) -> pa.Array:
    import pyarrow as pa

    return pa.array(list(names), type=pa.string()).take(pa.array(indices))


def debtor_table(data: SyntheticData, month: int) -> pa.Table:
    """The debtor file of one period: every debtor in it, with amounts in cents and real dates."""
    import pyarrow as pa
    import pyarrow.compute as pc

    index = data.debtors_in(month)
    refs = pc.binary_join_element_wise(
        "D", pc.utf8_lpad(pa.array(index + 1).cast(pa.string()), width=8, padding="0"), ""
    )
    letters = data.postcode_letters[index]
    postcode = pc.binary_join_element_wise(
        pa.array(data.postcode_digits[index]).cast(pa.string()),
        pa.array(letters.view("S2").ravel().astype(str)),
        "",
    )
    prefixes = np.array([name.rsplit(" ", 1)[0] if " " in name else "" for name in LAST_NAMES])
    surnames = np.array([name.rsplit(" ", 1)[-1] for name in LAST_NAMES])
    known = data.known_income_cents[index]
    instalment = data.instalment_cents[index]
    return pa.table(
        {
            "debtor_ref": refs,
            "bsn": pa.array(data.bsn[index]).cast(pa.string()),
            "initials": _pick(
                ["A.", "B.", "C.J.", "E.", "H.", "J.", "K.", "M.", "P.", "S.", "W."], index % 11
            ),
            "prefix": _pick(prefixes, data.last_name[index]),
            "last_name": _pick(surnames, data.last_name[index]),
            "birth_date": pa.array(data.birth_date[index], type=pa.date32()),
            "street": _pick(STREETS, data.street[index]),
            "house_number": pa.array(data.house_number[index]),
            "house_number_suffix": _pick(["", "", "", "", "a", "b", "bis", "2"], index % 8),
            "postcode": postcode,
            "city": pa.array(np.full(len(index), "Voorbeeldstad")),
            "district": _pick(DISTRICTS, data.district[index]),
            "category": _pick(CATEGORY_NAMES, data.category[index, month]),
            "claim_amount": pa.array(data.claim_cents[index, month]),
            "instalment": pa.array(instalment, mask=instalment == 0),
            "paid_last_month": pa.array(instalment, mask=instalment == 0),
            "known_income": pa.array(known, mask=known < 0),
            "household_type": _pick(HOUSEHOLDS, data.household[index]),
            "known_seizure": _pick(["nee", "ja"], data.seizure[index].astype(np.int64)),
        }
    )


def income_table(data: SyntheticData, *, months: range | None = None) -> pa.Table:
    """Income rows (UWV) for the given month indexes, all months by default."""
    import pyarrow as pa
    import pyarrow.compute as pc

    selected = np.ones(len(data.income_debtor), dtype=bool)
    if months is not None:
        selected = (data.income_month >= months.start) & (data.income_month < months.stop)
    source = data.income_source[selected]
    employer_ids = pc.binary_join_element_wise(
        pc.utf8_lpad(
            pa.array(100_000_000 + np.maximum(source, 0) * 7919 % 899_999_999).cast(pa.string()), 9, "0"
        ),
        "L01",
        "",
    )
    fixed_ids = {-1: BENEFIT_SOURCE, -2: PENSION_SOURCE}
    source_id = pc.if_else(
        pa.array(source == -1),
        BENEFIT_SOURCE[0],
        pc.if_else(pa.array(source == -2), PENSION_SOURCE[0], employer_ids),
    )
    employer_names = pc.binary_join_element_wise(
        "Werkgever ", pc.utf8_lpad(pa.array(np.maximum(source, 0)).cast(pa.string()), 4, "0"), " B.V.", ""
    )
    source_name = pc.if_else(
        pa.array(source == -1),
        fixed_ids[-1][1],
        pc.if_else(pa.array(source == -2), fixed_ids[-2][1], employer_names),
    )
    kind = pc.if_else(
        pa.array(source == -1), "benefit", pc.if_else(pa.array(source == -2), "pension", "employment")
    )
    period_days = np.array(data.periods, dtype="datetime64[D]")
    return pa.table(
        {
            "bsn": pa.array(data.bsn[data.income_debtor[selected]]).cast(pa.string()),
            "period": pa.array(period_days[data.income_month[selected]], type=pa.date32()),
            "source_id": source_id,
            "source_name": source_name,
            "income_kind": kind,
            "amount": pa.array(data.income_cents[selected]),
        }
    )


def balance_table(data: SyntheticData, *, until: int | None = None) -> pa.Table:
    """Bank balances (Belastingdienst) with a reference date up to the end of month `until`."""
    import pyarrow as pa

    selected = np.ones(len(data.balance_debtor), dtype=bool)
    if until is not None:
        end = np.datetime64(add_months(data.periods[until], 1), "D")
        selected = data.balance_date < end
    return pa.table(
        {
            "bsn": pa.array(data.bsn[data.balance_debtor[selected]]).cast(pa.string()),
            "reference_date": pa.array(data.balance_date[selected], type=pa.date32()),
            "balance": pa.array(data.balance_cents[selected]),
        }
    )


def vehicle_table(data: SyntheticData, month: int) -> pa.Table:
    """The vehicle snapshot (RDW) of one period."""
    import pyarrow as pa
    import pyarrow.compute as pc

    selected = data.vehicle_from <= month
    plates = pc.binary_join_element_wise(
        "X", pc.utf8_lpad(pa.array(data.vehicle_plate[selected]).cast(pa.string()), 6, "0"), ""
    )
    registered = np.datetime64(data.periods[0], "D") + (data.vehicle_from[selected] * 31 - 400).astype(
        "timedelta64[D]"
    )
    return pa.table(
        {
            "bsn": pa.array(data.bsn[data.vehicle_debtor[selected]]).cast(pa.string()),
            "plate": plates,
            "registration_date": pa.array(registered, type=pa.date32()),
            "value": pa.array(data.vehicle_cents[selected]),
        }
    )


@dataclass(frozen=True)
class FileStyle:
    """How a municipality's system happens to write its files (every variant of section 3)."""

    delimiter: str = ","
    decimal_comma: bool = False
    dutch_dates: bool = False
    dutch_headers: bool = False
    encoding: str = "utf-8"  # or "utf-8-sig" (with BOM) or "cp1252"


def format_table(table: pa.Table, *, kind: str, style: FileStyle) -> pa.Table:
    """Turn a typed table into the text columns of a file in the given style."""
    import pyarrow as pa
    import pyarrow.compute as pc

    layout = LAYOUTS[kind]
    columns = {}
    for name in table.column_names:
        column = layout.column(name)
        values = table[name].combine_chunks()
        if column.type in ("amount", "signed_amount"):
            cents = values.cast(pa.int64())
            whole = pc.divide(pc.abs(cents), 100).cast(pa.string())
            fraction = pc.utf8_lpad(pc.remainder(pc.abs(cents), 100).cast(pa.string()), 2, "0")
            sign = pc.if_else(pc.less(cents, 0), "-", "")
            point = "," if style.decimal_comma else "."
            text = pc.binary_join_element_wise(sign, whole, point, fraction, "")
        elif column.type in ("date", "period"):
            text = pc.strftime(
                values.cast(pa.timestamp("s")),
                format=(
                    "%Y-%m" if column.type == "period" else ("%d-%m-%Y" if style.dutch_dates else "%Y-%m-%d")
                ),
            )
        else:
            text = values.cast(pa.string())
        header = column.dutch if style.dutch_headers else column.name
        columns[header] = pc.fill_null(text, "")
    return pa.table(columns)


def write_file(table: pa.Table, path: Path, *, kind: str, style: FileStyle = FileStyle()) -> Path:
    """Write a table as a delivery file (CSV in the given style, or XLSX when path ends in .xlsx)."""
    from pyarrow import csv as pa_csv

    text = format_table(table, kind=kind, style=style)
    if path.suffix == ".xlsx":
        _write_xlsx(text, path)
        return path
    if style.encoding == "utf-8" and style.delimiter == ",":
        pa_csv.write_csv(text, path, pa_csv.WriteOptions(quoting_style="needed"))
        return path
    buffer = io.BytesIO()
    pa_csv.write_csv(text, buffer, pa_csv.WriteOptions(delimiter=style.delimiter, quoting_style="needed"))
    path.write_bytes(buffer.getvalue().decode("utf-8").encode(style.encoding))
    return path


def _write_xlsx(table: pa.Table, path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(table.column_names)
    for row in zip(*(table[name].to_pylist() for name in table.column_names), strict=True):
        sheet.append(list(row))
    workbook.save(path)


# ---------------------------------------------------------------------------------------------
# The intake step of `manage.py demo_data`: files in every style, through the real import
# ---------------------------------------------------------------------------------------------

DEMO_STYLES = [
    FileStyle(),
    FileStyle(delimiter=";", decimal_comma=True, dutch_dates=True, dutch_headers=True, encoding="cp1252"),
    FileStyle(delimiter=";", decimal_comma=True, dutch_headers=True, encoding="utf-8-sig"),
]


def create_debtors_and_sources(*, context: DemoContext) -> None:
    """Create synthetic debtors with their monthly files and source data for every demo municipality."""
    import tempfile

    from django.core.files import File

    from intake import services
    from intake.models import Delivery

    for number, municipality in enumerate(context.municipalities):
        data = generate(
            seed=context.seed + number,
            debtors=context.debtors,
            months=context.months,
            last_period=context.last_period,
        )
        style = DEMO_STYLES[number % len(DEMO_STYLES)]
        files: list[tuple[str, date, pa.Table]] = [
            (INCOME, data.periods[-1], income_table(data)),
            (BALANCES, data.periods[-1], balance_table(data)),
        ]
        for month, period in enumerate(data.periods):
            files.append((DEBTORS, period, debtor_table(data, month)))
            files.append((VEHICLES, period, vehicle_table(data, month)))
        with tempfile.TemporaryDirectory() as directory:
            for kind, period, table in sorted(files, key=lambda item: (item[1], item[0] != DEBTORS)):
                path = write_file(
                    table, Path(directory) / f"{kind}-{period:%Y-%m}.csv", kind=kind, style=style
                )
                with path.open("rb") as handle:
                    delivery = services.receive_delivery(
                        municipality=municipality, kind=kind, period=period, file=File(handle), enqueue=False
                    )
                if delivery.status == Delivery.Status.PENDING:
                    services.import_delivery(delivery=delivery)
                delivery.refresh_from_db()
                context.log(f"{municipality.name}: {kind} {period:%Y-%m} {delivery.get_status_display()}")
