"""The fields a debtor file sets: on the snapshot of its period, and on the debtor itself."""

SNAPSHOT_FIELDS = (
    "category",
    "claim_amount",
    "instalment",
    "paid_last_month",
    "known_income",
    "household_type",
    "known_seizure",
    "district",
    "street",
    "house_number",
    "house_number_suffix",
    "postcode",
    "city",
)
MONEY_FIELDS = ("claim_amount", "instalment", "paid_last_month", "known_income")
DEBTOR_FIELDS = ("bsn", "initials", "prefix", "last_name", "birth_date")
