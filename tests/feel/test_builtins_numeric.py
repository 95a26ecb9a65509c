"""Numeric built-ins (TCK 0051-0055, 1101-1102, 1141-1144 and Camunda's decimal modes)."""

from decimal import Decimal as D
from typing import Any

import pytest

from engine.feel.builtins import load_all
from engine.feel.functions import call_function
from engine.feel.values import EvalState

BUILTINS = load_all()


def call(name: str, *args: Any, dialect: str = "spec") -> Any:
    return call_function(BUILTINS[name], EvalState(dialect=dialect), list(args))  # type: ignore[arg-type]


def named(name: str, dialect: str = "spec", **kwargs: Any) -> Any:
    return call_function(BUILTINS[name], EvalState(dialect=dialect), None, kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("floor", (D("1.5"),), "1"),
        ("floor", (D("-1.5"),), "-2"),
        ("floor", (D("-1.56"), D(1)), "-1.6"),
        ("ceiling", (D("-0.3333"),), "0"),
        ("ceiling", (D("1.56"), D(1)), "1.6"),
        ("round up", (D("5.5"), D(0)), "6"),
        ("round up", (D("-5.5"), D(0)), "-6"),
        ("round down", (D("-1.126"), D(2)), "-1.12"),
        ("round half up", (D("-1.126"), D(2)), "-1.13"),
        ("round half down", (D("5.5"), D(0)), "5"),
        ("round half down", (D("5.5"), D(6176)), "5.5"),
        ("decimal", (D("2.5"), D(0)), "2"),
        ("decimal", (D("1234"), D(-2)), "1200"),
        ("decimal", (D("1.5"), D(0), "half_up"), "2"),
        ("modulo", (D(-12), D(5)), "3"),
        ("modulo", (D(12), D(-5)), "-3"),
        ("modulo", (D("10.1"), D("4.5")), "1.1"),
        ("modulo", (D(10), D(5)), "0"),
        ("abs", (D(-1),), "1"),
        ("sqrt", (D(4),), "2"),
        ("sqrt", (D(2),), "1.414213562373095048801688724209698"),
        ("log", (D(4),), "1.386294361119890618834464242916353"),
        ("exp", (D(4),), "54.59815003314423907811026120286088"),
        ("exp", (D(0),), "1"),
    ],
)
def test_number_results(name: str, args: tuple[Any, ...], expected: str) -> None:
    result = call(name, *args)
    assert type(result) is D and result == D(expected)
    assert format(result, "f") == expected


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("floor", (D("1.56"), None)),
        ("floor", ("1.5",)),
        ("floor", (D("1.5"), D(1), D(2))),
        ("round down", (D("5.5"), D(-6112))),
        ("round up", (D("5.5"), D(6177))),
        ("round half up", (D("5.5"), "0")),
        ("decimal", (D("1.5"), D(0), "SIDEWAYS")),
        ("decimal", (D("1.5"), D(0), "UNNECESSARY")),
        ("modulo", (D(1), D(0))),
        ("sqrt", (D(-1),)),
        ("sqrt", (True,)),
        ("log", (D(0),)),
        ("exp", ("4",)),
        ("abs", ("1",)),
        ("odd", (None,)),
    ],
)
def test_invalid_arguments_give_null(name: str, args: tuple[Any, ...]) -> None:
    assert call(name, *args) is None


def test_odd_even() -> None:
    assert [call("odd", D(n)) for n in (-1, 0, 1, 2)] == [True, False, True, False]
    assert [call("even", D(n)) for n in (-2, -1, 0)] == [True, False, True]
    assert call("even", D("2.5")) is False


def test_named_parameters_follow_the_spec_and_camunda_quirks() -> None:
    assert named("floor", n=D("1.56"), scale=D(1)) == D("1.5")
    assert named("floor", n=D("1.56"), scala=D(1)) is None
    assert named("floor", "camunda", n=D("1.56"), scala=D(1)) == D("1.5")
    assert named("round half down", "camunda", n=D("5.5"), scala=D(0)) == D(5)
    assert named("abs", n=D(-1)) == D(1)
    assert named("abs", number=D(-1)) is None
    assert named("abs", "camunda", number=D(-1)) == D(1)
    assert named("sqrt", number=D(4)) == D(2)


def test_abs_of_durations() -> None:
    temporal = pytest.importorskip("engine.feel.temporal")
    assert call("abs", temporal.DayTimeDuration(-5)) == temporal.DayTimeDuration(5)
    assert call("abs", temporal.YearMonthDuration(-14)) == temporal.YearMonthDuration(14)
    assert call("abs", temporal.YearMonthDuration(3)) == temporal.YearMonthDuration(3)


def test_random_number_is_a_number_in_unit_interval() -> None:
    values = [call("random number") for _ in range(50)]
    assert all(type(v) is D and D(0) <= v < D(1) for v in values)
    assert len(set(values)) > 1
