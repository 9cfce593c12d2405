"""Keys that group arrears reports by person and by household (domain.md section 5, matching).

The law asks matching on BSN; without one a person is birth date + address + normalised last name.
A household is an address: postcode + house number + suffix.
"""

import datetime as dt
import functools
import hashlib
import hmac
import re
import unicodedata

# Name prefixes (tussenvoegsels) a supplier may have glued to the last name: "van der Berg" ~ "Berg".
_PREFIXES = (
    "van der ",
    "van den ",
    "van de ",
    "van 't ",
    "in 't ",
    "op de ",
    "uit de ",
    "de ",
    "den ",
    "der ",
    "het ",
    "ten ",
    "ter ",
    "van ",
    "'t ",
)


def normalise_last_name(last_name: str) -> str:
    """Lower case, no accents, no leading tussenvoegsel, letters only."""
    text = unicodedata.normalize("NFKD", last_name).encode("ascii", "ignore").decode().lower().strip()
    text = re.sub(r"\s+", " ", text)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return re.sub(r"[^a-z]", "", text)


_SPACE = re.compile(r"\s")
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def normalise_postcode(postcode: str) -> str:
    return _SPACE.sub("", postcode).upper()


def normalise_house_number(house_number: str | int) -> str:
    return str(house_number).strip().lstrip("0")


def normalise_suffix(suffix: str) -> str:
    return _NOT_ALPHANUMERIC.sub("", suffix).upper() if suffix else ""


def household_key(*, postcode: str, house_number: str | int, house_number_suffix: str = "") -> str:
    """Return the address key shared by everyone living at one address, or '' without an address."""
    postcode = normalise_postcode(postcode)
    number = normalise_house_number(house_number)
    if not postcode or not number:
        return ""
    return f"{postcode}|{number}|{normalise_suffix(house_number_suffix)}"


def person_key(
    *,
    bsn: str = "",
    birth_date: dt.date | None = None,
    postcode: str = "",
    house_number: str | int = "",
    house_number_suffix: str = "",
    last_name: str = "",
) -> str:
    """Return the key that identifies one person: the BSN, else birth date + address + last name."""
    bsn = bsn.strip()
    if bsn:
        return f"bsn:{bsn.zfill(9)}"
    household = household_key(
        postcode=postcode, house_number=house_number, house_number_suffix=house_number_suffix
    )
    name = normalise_last_name(last_name)
    if birth_date is None or not household or not name:
        return ""
    return f"adr:{birth_date.isoformat()}|{household}|{name}"


def hashed(key: str, *, secret: str) -> str:
    """Return a keyed hash of a matching key, so no BSN is stored in a key column; '' stays ''."""
    if not key:
        return ""
    keyed = _keyed_hash(secret).copy()  # the key schedule is done once per secret, not per report
    keyed.update(key.encode())
    return keyed.hexdigest()


@functools.lru_cache(maxsize=4)
def _keyed_hash(secret: str) -> hmac.HMAC:
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)
