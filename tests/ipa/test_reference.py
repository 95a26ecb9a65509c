"""Reference data is complete, consistent and says where it came from."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from ipa import reference
from ipa.reference import DeathPenalty, PostType, TravelAdvice


def test_every_iso_country_is_present_once() -> None:
    all_ = reference.countries()
    assert len(all_) == 249
    assert len({c.alpha2 for c in all_}) == len({c.alpha3 for c in all_}) == 249
    assert all(re.fullmatch(r"[A-Z]{2}", c.alpha2) and re.fullmatch(r"[A-Z]{3}", c.alpha3) for c in all_)
    assert reference.country("gb").name == "United Kingdom"
    assert reference.country("IRQ").alpha2 == "IQ"
    with pytest.raises(reference.UnknownCountry):
        reference.country("XK")  # Kosovo has no ISO 3166-1 code


def test_every_country_has_a_post_or_an_explicit_no_post() -> None:
    for c in reference.countries():
        if c.post.type is PostType.NONE:
            assert c.post.name is None and c.post.note, c.alpha2
        else:
            assert c.post.name and c.post.name.startswith("British "), c.alpha2
    assert reference.country("IQ").post.name == "British Embassy Baghdad"
    assert reference.country("KE").post.type is PostType.HIGH_COMMISSION
    assert reference.country("GI").post.type is PostType.NONE  # Overseas Territory
    assert not reference.country("GB").post.exists


def test_hrpc_list_and_year() -> None:
    codes = reference.hrpc_codes()
    listed = {reference.country(c).hrpc_listed_as for c in codes}
    assert len(listed) == 30  # "Israel and the OPTs" is one entry covering IL and PS
    assert {"SA", "BH", "CN", "IL", "PS", "ZW"} <= codes and "QA" not in codes
    assert reference.hrpc_year() == "2019"


def test_profiles_cover_every_country() -> None:
    for c in reference.countries():
        assert isinstance(c.death_penalty, DeathPenalty) and isinstance(c.fcdo_advice, TravelAdvice)
        assert c.fcdo_advice_scope in {"WHOLE", "PARTS", "NONE"}
    profile = reference.country("SA").profile()
    assert profile["isHRPC"] is True and profile["retainsDeathPenalty"] is True
    assert profile["fcdoAdviceLive"] is False
    assert reference.country("FR").retains_death_penalty is False


def test_every_file_states_source_and_date() -> None:
    prov = reference.provenance()
    assert set(prov) == {
        "countries.csv",
        "hrpc.csv",
        "death_penalty.csv",
        "fcdo_travel_advice.csv",
        "posts.csv",
        "rate_cards.toml",
        "policy.toml",
    }
    for p in prov.values():
        assert p.source and re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.as_of) and p.version, p
    assert any("NOT LIVE" in n for n in prov["fcdo_travel_advice.csv"].notes)


@pytest.mark.parametrize("name", ["MPM_6_6_COMMERCIAL", "NPCC_S26", "NPCC_FULL_COST"])
def test_rate_cards_parse_to_decimal(name: str) -> None:
    card = reference.rate_card(name)
    money = [
        *card.day_rates.values(),
        card.subsistence_per_day,
        card.accommodation_per_night,
        card.flight_per_return_trip,
        card.insurance_per_person_per_trip,
    ]
    assert all(type(v) is Decimal and v > 0 and v == v.quantize(Decimal("0.01")) for v in money)
    assert all(type(v) is Decimal for v in (card.overhead_pct, card.contingency_pct, card.margin_pct))
    assert {"CONSTABLE", "SERGEANT", "INSPECTOR", "SUPERINTENDENT"} <= set(card.day_rates)
    assert card.source and card.effective_from.month == 4
    assert card.day_rate("sergeant") == card.day_rates["SERGEANT"]


def test_unknown_rate_card() -> None:
    with pytest.raises(reference.UnknownRateCard, match="NPCC_S26"):
        reference.rate_card("CHEAP")
