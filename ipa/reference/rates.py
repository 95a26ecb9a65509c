"""Rate cards and policy parameters, as exact Decimals with their source and date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from types import MappingProxyType
from typing import Any

from ipa.reference._files import Provenance, read_toml, toml_provenance


class UnknownRateCard(KeyError):
    pass


def _money(value: Any, where: str) -> Decimal:
    # strings in the file keep pennies exact; a float would already have lost them
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"{where}: expected a decimal string, got {value!r}")
    return Decimal(str(value))


@dataclass(frozen=True)
class RateCard:
    name: str
    title: str
    source: str
    effective_from: date
    currency: str
    day_rates: MappingProxyType[str, Decimal]  # per person per working day, by rank or staff grade
    subsistence_per_day: Decimal
    accommodation_per_night: Decimal
    flight_per_return_trip: Decimal
    insurance_per_person_per_trip: Decimal
    overhead_pct: Decimal
    contingency_pct: Decimal
    margin_pct: Decimal

    def day_rate(self, grade: str) -> Decimal:
        try:
            return self.day_rates[grade.upper()]
        except KeyError:
            raise KeyError(f"rate card {self.name} has no day rate for {grade!r}") from None


@dataclass(frozen=True)
class Policy:
    min_lead_working_days: int
    max_duration_days: int
    fy_start_month: int
    fy_start_day: int
    token_valid_days: int


def _card(name: str, raw: dict[str, Any]) -> RateCard:
    ts = raw["travel_subsistence"]
    return RateCard(
        name=name,
        title=raw["title"],
        source=raw["source"],
        effective_from=date.fromisoformat(raw["effective_from"]),
        currency=raw["currency"],
        day_rates=MappingProxyType(
            {k: _money(v, f"{name}.day_rates.{k}") for k, v in raw["day_rates"].items()}
        ),
        subsistence_per_day=_money(ts["subsistence_per_day"], name),
        accommodation_per_night=_money(ts["accommodation_per_night"], name),
        flight_per_return_trip=_money(ts["flight_per_return_trip"], name),
        insurance_per_person_per_trip=_money(ts["insurance_per_person_per_trip"], name),
        overhead_pct=_money(raw["overhead_pct"], name),
        contingency_pct=_money(raw["contingency_pct"], name),
        margin_pct=_money(raw["margin_pct"], name),
    )


@cache
def rate_cards() -> MappingProxyType[str, RateCard]:
    cards = read_toml("rate_cards.toml")["cards"]
    return MappingProxyType({name: _card(name, raw) for name, raw in cards.items()})


def rate_card(name: str) -> RateCard:
    try:
        return rate_cards()[name]
    except KeyError:
        raise UnknownRateCard(f"no rate card {name!r}; known: {', '.join(sorted(rate_cards()))}") from None


@cache
def policy() -> Policy:
    raw = read_toml("policy.toml")
    return Policy(
        min_lead_working_days=int(raw["intake"]["min_lead_working_days"]),
        max_duration_days=int(raw["intake"]["max_duration_days"]),
        fy_start_month=int(raw["financial_year"]["start_month"]),
        fy_start_day=int(raw["financial_year"]["start_day"]),
        token_valid_days=int(raw["consultation"]["token_valid_days"]),
    )


def provenance() -> dict[str, Provenance]:
    return {
        "rate_cards.toml": toml_provenance("rate_cards.toml", "see each card's source"),
        "policy.toml": toml_provenance("policy.toml"),
    }
