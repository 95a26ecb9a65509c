"""Countries (ISO 3166-1) joined with their risk profile: HRPC status, death penalty, FCDO advice and Post."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from ipa.reference._files import Provenance, read_csv


class UnknownCountry(KeyError):
    """The code is not an ISO 3166-1 alpha-2 or alpha-3 code."""


class DeathPenalty(StrEnum):
    RETENTIONIST = "RETENTIONIST"
    ABOLITIONIST_IN_PRACTICE = "ABOLITIONIST_IN_PRACTICE"
    ABOLITIONIST_ORDINARY_CRIMES = "ABOLITIONIST_ORDINARY_CRIMES"
    ABOLITIONIST_ALL_CRIMES = "ABOLITIONIST_ALL_CRIMES"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class TravelAdvice(StrEnum):
    # the three map states of FCDO advice (domain.md §6), plus the UK itself
    NO_ADVICE_AGAINST = "NO_ADVICE_AGAINST"
    AGAINST_ALL_BUT_ESSENTIAL = "AGAINST_ALL_BUT_ESSENTIAL"
    AGAINST_ALL = "AGAINST_ALL"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class PostType(StrEnum):
    EMBASSY = "EMBASSY"
    HIGH_COMMISSION = "HIGH_COMMISSION"
    CONSULATE_GENERAL = "CONSULATE_GENERAL"
    OFFICE = "OFFICE"
    NONE = (
        "NONE"  # the explicit "no Post" marker: the UK, Overseas Territories, Crown Dependencies, Antarctica
    )


@dataclass(frozen=True)
class Post:
    type: PostType
    name: str | None
    city: str | None
    note: str

    @property
    def exists(self) -> bool:
        return self.type is not PostType.NONE

    @property
    def resident(self) -> bool:
        return self.exists and self.note.startswith("resident")


@dataclass(frozen=True)
class Country:
    alpha2: str
    alpha3: str
    numeric: str
    name: str
    is_hrpc: bool
    hrpc_listed_as: str | None
    death_penalty: DeathPenalty
    fcdo_advice: TravelAdvice
    fcdo_advice_scope: str  # WHOLE, PARTS or NONE
    post: Post

    @property
    def retains_death_penalty(self) -> bool:
        # OSJA asks whether the death penalty could follow: retained in law for ordinary crimes counts,
        # even under a moratorium (abolitionist in practice).
        return self.death_penalty in (DeathPenalty.RETENTIONIST, DeathPenalty.ABOLITIONIST_IN_PRACTICE)

    def profile(self) -> dict[str, object]:
        """The process variables `enrich-country-profile` sets (domain.md §10.8), with provenance."""
        return {
            "countryCode": self.alpha2,
            "countryName": self.name,
            "isHRPC": self.is_hrpc,
            "hrpcYear": hrpc_year(),
            "retainsDeathPenalty": self.retains_death_penalty,
            "deathPenaltyStatus": self.death_penalty.value,
            "fcdoAdvice": self.fcdo_advice.value,
            "fcdoAdviceScope": self.fcdo_advice_scope,
            "fcdoAdviceAsOf": provenance()["fcdo_travel_advice.csv"].as_of,
            "fcdoAdviceLive": False,
            "post": self.post.name,
            "postType": self.post.type.value,
        }


@cache
def _countries() -> dict[str, Country]:
    _, iso = read_csv("countries.csv")
    _, hrpc_rows = read_csv("hrpc.csv")
    _, dp_rows = read_csv("death_penalty.csv")
    _, adv_rows = read_csv("fcdo_travel_advice.csv")
    _, post_rows = read_csv("posts.csv")
    hrpc = {r["alpha2"]: r["listed_as"] for r in hrpc_rows}
    dp = {r["alpha2"]: r for r in dp_rows}
    adv = {r["alpha2"]: r for r in adv_rows}
    posts = {r["alpha2"]: r for r in post_rows}
    out: dict[str, Country] = {}
    for r in iso:
        a2 = r["alpha2"]
        p = posts[a2]  # KeyError here means a data file lost a row: fail loudly at first use
        out[a2] = Country(
            alpha2=a2,
            alpha3=r["alpha3"],
            numeric=r["numeric"],
            name=r["name"],
            is_hrpc=a2 in hrpc,
            hrpc_listed_as=hrpc.get(a2),
            death_penalty=DeathPenalty(dp[a2]["status"]),
            fcdo_advice=TravelAdvice(adv[a2]["advice"]),
            fcdo_advice_scope=adv[a2]["scope"],
            post=Post(PostType(p["post_type"]), p["post_name"] or None, p["city"] or None, p["note"]),
        )
    return out


@cache
def _by_alpha3() -> dict[str, str]:
    return {c.alpha3: c.alpha2 for c in _countries().values()}


def country(code: str) -> Country:
    """A country by ISO alpha-2 or alpha-3 code, any case. Raises UnknownCountry."""
    key = code.strip().upper()
    found = _countries().get(key) or _countries().get(_by_alpha3().get(key, ""))
    if found is None:
        raise UnknownCountry(code)
    return found


def is_country(code: str) -> bool:
    try:
        country(code)
    except UnknownCountry:
        return False
    return True


def countries() -> list[Country]:
    return sorted(_countries().values(), key=lambda c: c.alpha2)


def hrpc_codes() -> frozenset[str]:
    return frozenset(c.alpha2 for c in _countries().values() if c.is_hrpc)


def hrpc_year() -> str:
    return read_csv("hrpc.csv")[0].version


def provenance() -> dict[str, Provenance]:
    names = ("countries.csv", "hrpc.csv", "death_penalty.csv", "fcdo_travel_advice.csv", "posts.csv")
    return {n: read_csv(n)[0] for n in names}
