import datetime as dt

from intake.arrears import matching

BIRTH = dt.date(1985, 6, 15)


def test_bsn_wins_over_everything_else():
    assert matching.person_key(bsn="12345678", birth_date=BIRTH, postcode="1234AB", house_number="1") == (
        "bsn:012345678"
    )


def test_without_bsn_the_person_is_birth_date_address_and_last_name():
    key = matching.person_key(
        birth_date=BIRTH, postcode="1234 ab", house_number="010", house_number_suffix="-a", last_name="Dijk"
    )

    assert key == "adr:1985-06-15|1234AB|10|A|dijk"


def test_last_name_ignores_case_accents_and_glued_prefix():
    assert matching.normalise_last_name("van Dijk") == "dijk"
    assert matching.normalise_last_name("Van der  Berg") == "berg"
    assert matching.normalise_last_name("Çelik-Öztürk") == "celikozturk"
    assert matching.normalise_last_name("De Vries") == matching.normalise_last_name("vries")


def test_same_person_written_differently_matches():
    first = matching.person_key(birth_date=BIRTH, postcode="1234AB", house_number="10", last_name="van Dijk")
    second = matching.person_key(birth_date=BIRTH, postcode="1234 ab", house_number=10, last_name="DIJK")

    assert first == second


def test_other_birth_date_is_another_person_in_the_same_household():
    first = matching.person_key(birth_date=BIRTH, postcode="1234AB", house_number="10", last_name="Dijk")
    second = matching.person_key(
        birth_date=dt.date(1990, 1, 1), postcode="1234AB", house_number="10", last_name="Dijk"
    )

    assert first != second
    assert matching.household_key(postcode="1234ab", house_number="10") == "1234AB|10|"


def test_no_key_without_enough_data():
    assert matching.person_key(birth_date=BIRTH, last_name="Dijk") == ""
    assert matching.household_key(postcode="", house_number="10") == ""
