"""FEEL temporal values and built-ins; expectations from the TCK (1115, 1116, 1117, 1120, 0007, 0093, 0096, 0103)
and feel-dmn.md §2 / §4."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import engine.feel.builtins.temporal  # noqa: F401  (registers the functions)
from engine.feel import temporal as T
from engine.feel.builtins import BUILTINS
from engine.feel.functions import call_function
from engine.feel.temporal import (
    DayTimeDuration,
    FeelDate,
    FeelDateTime,
    FeelTime,
    YearMonthDuration,
    add,
    divide,
    multiply,
    negate,
    parse_at_literal,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
    subtract,
)
from engine.feel.values import DIALECT, MISSING, EvalState, TemporalValue

D = Decimal


def call(name: str, *args: Any, state: EvalState | None = None, **named: Any) -> Any:
    st = state or EvalState()
    if named:
        return call_function(BUILTINS[name], st, None, {k.rstrip("_").replace("_", " "): v for k, v in named.items()})
    return call_function(BUILTINS[name], st, list(args))


def at(s: str) -> Any:
    v = parse_at_literal(s)
    assert v is not None, s
    return v


@contextmanager
def camunda() -> Iterator[None]:
    token = DIALECT.set("camunda")
    try:
        yield
    finally:
        DIALECT.reset(token)


# --- parsing and string() ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2017-12-31", "2017-12-31"),
        ("-2017-12-31", "-2017-12-31"),
        ("999999999-12-31", "999999999-12-31"),
        ("-999999999-12-31", "-999999999-12-31"),
        ("0000-01-01", "0000-01-01"),
        ("2024-02-29", "2024-02-29"),
    ],
)
def test_parse_date(text: str, expected: str) -> None:
    d = parse_date(text)
    assert isinstance(d, FeelDate)
    assert str(d) == expected


@pytest.mark.parametrize(
    "text",
    ["", "2012-12-25T", "2012/12/25", "0000-12-25T", "9999999999-12-25", "2017-13-10", "2017-12-32", "998-12-31",
     "01211-12-31", "2012T-12-2511:00:00Z", "+2012-12-02", "2023-02-29", "2017-00-10"],
)
def test_parse_date_invalid(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("01:02:03", "01:02:03"),
        ("11:22:33.444", "11:22:33.444"),
        ("11:22:33.123456789", "11:22:33.123456789"),
        ("11:22:33.120", "11:22:33.12"),
        ("23:59:00Z", "23:59:00Z"),
        ("23:00:50z", "23:00:50Z"),
        ("13:20:00+02:00", "13:20:00+02:00"),
        ("13:20:00-05:00", "13:20:00-05:00"),
        ("11:22:33-00:00", "11:22:33Z"),
        ("11:22:33+00:00", "11:22:33Z"),
        ("00:01:00@Etc/UTC", "00:01:00@Etc/UTC"),
        ("00:01:00@Europe/Paris", "00:01:00@Europe/Paris"),
    ],
)
def test_parse_time(text: str, expected: str) -> None:
    t = parse_time(text)
    assert isinstance(t, FeelTime)
    assert str(t) == expected


@pytest.mark.parametrize(
    "text",
    ["", "23:59:60", "24:00:01", "24:01:00", "25:00:00", "00:60:00", "00:00:61", "7:00:00", "07:1:00", "07:01:2",
     "13:20:00@xyz/abc", "13:20:00+19:00", "13:20:00-19:00", "13:20:00+5:00", "13:20:00+5",
     "13:20:00+02:00@Europe/Paris", "7:20", "07:2", "11:30:00T", "2012T-12-2511:00:00Z"],
)
def test_parse_time_invalid(text: str) -> None:
    assert parse_time(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2012-12-24", "2012-12-24T00:00:00"),
        ("2017-12-31T11:22:33", "2017-12-31T11:22:33"),
        ("-2017-12-31T11:22:33", "-2017-12-31T11:22:33"),
        ("99999-12-31T11:22:33", "99999-12-31T11:22:33"),
        ("-99999-12-31T11:22:33", "-99999-12-31T11:22:33"),
        ("2017-12-31T11:22:33.567Z", "2017-12-31T11:22:33.567Z"),
        ("2017-12-31T11:22:33+01:35", "2017-12-31T11:22:33+01:35"),
        ("-2017-12-31T11:22:33.456+01:35", "-2017-12-31T11:22:33.456+01:35"),
        ("2011-12-31T10:15:30.987@Europe/Paris", "2011-12-31T10:15:30.987@Europe/Paris"),
        ("999999999-12-31T23:59:59.999999999@Europe/Paris", "999999999-12-31T23:59:59.999999999@Europe/Paris"),
        ("-999999999-12-31T23:59:59.999999999+02:00", "-999999999-12-31T23:59:59.999999999+02:00"),
        # a wall time in the spring-forward gap moves on, as Java's ZonedDateTime.of
        ("2021-03-28T02:30:00@Europe/Paris", "2021-03-28T03:30:00@Europe/Paris"),
    ],
)
def test_parse_date_time(text: str, expected: str) -> None:
    v = parse_date_time(text)
    assert isinstance(v, FeelDateTime)
    assert str(v) == expected


@pytest.mark.parametrize(
    "text",
    ["", "11:00:00", "2011-12-0310:15:30", "2011-12-03T10:15:30+01:00@Europe/Paris", "9999999999-12-27T11:22:33",
     "2017-13-10T11:22:33", "2017-00-10T11:22:33", "2017-13-0T11:22:33", "998-12-31T11:22:33",
     "01211-12-31T11:22:33", "+99999-12-01T11:22:33", "2017-12-31T24:00:01", "2017-12-31T00:00:61",
     "2017-12-31T13:20:00+05:0", "2017-12-31T13:20:00@xyz/abc", "2017-12-31T07:2"],
)
def test_parse_date_time_invalid(text: str) -> None:
    assert parse_date_time(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("P1D", "P1D"), ("PT2H", "PT2H"), ("PT0.999S", "PT0.999S"), ("P1DT2H3M4.123456789S", "P1DT2H3M4.123456789S"),
        ("PT0S", "PT0S"), ("PT0.000S", "PT0S"), ("PT0.S", "PT0S"), ("PT0M", "PT0S"), ("P0D", "PT0S"),
        ("-PT1H2M", "-PT1H2M"), ("PT1000M", "PT16H40M"), ("PT1000M0.999999999S", "PT16H40M0.999999999S"),
        ("PT24H", "P1D"), ("PT240H", "P10D"), ("P2DT274M", "P2DT4H34M"), ("PT3600S", "PT1H"), ("P0DT25H", "P1DT1H"),
        ("P1Y2M", "P1Y2M"), ("P0Y", "P0M"), ("P0M", "P0M"), ("-P1Y", "-P1Y"), ("P26M", "P2Y2M"),
        ("P1Y27M", "P3Y3M"), ("-P100M", "-P8Y4M"), ("P999999999M", "P83333333Y3M"), ("-P99999999Y", "-P99999999Y"),
    ],
)
def test_parse_duration(text: str, expected: str) -> None:
    v = parse_duration(text)
    assert v is not None
    assert str(v) == expected
    ym = "D" not in text and "T" not in text
    assert type(v) is (YearMonthDuration if ym else DayTimeDuration)


@pytest.mark.parametrize("text", ["", "P", "P0", "1Y", "1D", "P1H", "P1S", "PT", "P1DT", "2012T-12-2511:00:00Z",
                                  "P1Y2D", "P-1Y"])
def test_parse_duration_invalid(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    "text, kind",
    [
        ("2019-03-31", FeelDate), ("2018-12-08T10:30:11", FeelDateTime),
        ("2018-12-08T10:30:11@Australia/Melbourne", FeelDateTime), ("10:30:11", FeelTime),
        ("10:30:11@America/Toronto", FeelTime), ("P10D", DayTimeDuration), ("P10Y", YearMonthDuration),
        ("-P1M", YearMonthDuration),
    ],
)
def test_at_literal_shape(text: str, kind: type) -> None:
    v = parse_at_literal(text)
    assert type(v) is kind
    assert str(v) == text


@pytest.mark.parametrize("text", ["foo", "", "2019-02-30", "P"])
def test_at_literal_invalid(text: str) -> None:
    assert parse_at_literal(text) is None


def test_values_are_immutable_and_hashable() -> None:
    d = at("2021-01-01")
    with pytest.raises(AttributeError):
        d.year = 2022
    assert isinstance(d, TemporalValue)
    assert len({at("P1D"), at("PT24H"), at("P1Y"), at("P12M")}) == 2
    assert hash(at("2021-01-01T10:00:00@Europe/Paris")) == hash(parse_date_time("2021-01-01T10:00:00@Europe/Paris"))


# --- calendar arithmetic -----------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [-1_000_000_000, -719_468, -1, 0, 1, 59, 10_957, 2_932_896, 365_000_000_000])
def test_days_round_trip(days: int) -> None:
    assert T.days_from_civil(*T.civil_from_days(days)) == days


def test_days_agree_with_python() -> None:
    for d in (dt.date(1, 1, 1), dt.date(1970, 1, 1), dt.date(2000, 2, 29), dt.date(9999, 12, 31)):
        assert T.days_from_civil(d.year, d.month, d.day) == (d - dt.date(1970, 1, 1)).days


# --- equality and ordering ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, eq",
    [
        ("2002-04-02T12:00:00-01:00", "2002-04-02T17:00:00+04:00", True),
        ("2018-10-01T00:00:00+02:00", "2018-10-01T00:00:00@Europe/Paris", True),
        ("2018-10-01T00:00:00@Asia/Dhaka", "2018-10-01T00:00:00@Europe/Paris", False),
        ("2018-12-08T00:00:00", "2018-12-08T00:00:00+01:00", True),  # local takes the other's offset
        ("10:30:00.0001", "10:30:00.0002", True),  # one-second resolution
        ("10:00:00+02:00", "08:00:00Z", True),
        ("P1Y", "P12M", True),
        ("P1D", "PT24H", True),
        ("P1D", "PT25H", False),
        ("2021-01-01", "2021-01-01", True),
    ],
)
def test_spec_equality(a: str, b: str, eq: bool) -> None:
    assert at(a).feel_eq(at(b)) is eq


@pytest.mark.parametrize(
    "a, b",
    [("P1Y", "P365D"), ("2012-12-25", "2012-12-25T00:00:00Z"), ("10:00:00", "2012-12-25T10:00:00"), ("P0Y", "P0D")],
)
def test_incomparable(a: str, b: str) -> None:
    assert at(a).feel_eq(at(b)) is None
    assert at(a).feel_cmp(at(b)) is None


@pytest.mark.parametrize(
    "a, b, c",
    [
        ("2018-12-08T00:00:00", "2018-12-08T00:00:00+01:00", 0),
        ("2018-12-08T00:00:01", "2018-12-08T00:00:00+01:00", 1),
        ("2002-04-02T12:00:00-01:00", "2002-04-02T17:00:01+04:00", -1),
        ("2021-01-01", "2020-12-31", 1),
        ("-0001-01-01", "0001-01-01", -1),
        ("P1Y", "P11M", 1),
        ("-PT1S", "PT0S", -1),
        ("10:00:00+02:00", "08:30:00Z", -1),
    ],
)
def test_ordering(a: str, b: str, c: int) -> None:
    assert at(a).feel_cmp(at(b)) == c
    assert at(b).feel_cmp(at(a)) == -c


def test_camunda_zoned_equality() -> None:
    with camunda():
        assert at("2002-04-02T12:00:00-01:00").feel_eq(at("2002-04-02T17:00:00+04:00")) is False
        assert at("2018-10-01T00:00:00+02:00").feel_eq(at("2018-10-01T00:00:00@Europe/Paris")) is False
        assert at("2018-10-01T00:00:00Z").feel_eq(at("2018-10-01T00:00:00+00:00")) is True
        assert at("2018-10-01T00:00:00").feel_eq(at("2018-10-01T00:00:00Z")) is None
        assert at("10:30:00.0001").feel_eq(at("10:30:00.0002")) is False
        assert at("2002-04-02T12:00:00-01:00").feel_cmp(at("2002-04-02T17:00:01+04:00")) == -1


# --- arithmetic --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, op, b, expected",
    [
        ("2021-01-02", "-", "1995-01-01", "P9498D"),
        ("2021-01-02", "-", "2021-01-01T10:10:10+11:00", "P1DT49M50S"),
        ("10:15:00", "+", "P1D", "10:15:00"),
        ("23:00:00+01:00", "+", "PT2H", "01:00:00+01:00"),
        ("01:00:00", "-", "PT2H", "23:00:00"),
        ("2021-01-01", "+", "PT36H", "2021-01-02"),
        ("2021-01-01", "-", "PT1S", "2020-12-31"),
        ("2024-01-31", "+", "P1M", "2024-02-29"),
        ("2024-03-31", "-", "P1M", "2024-02-29"),
        ("2023-01-31", "+", "P1Y1M", "2024-02-29"),
        ("P1M", "+", "2024-01-31", "2024-02-29"),
        ("2016-12-24T23:59:00-08:00", "-", "2015-12-24T00:00:01-01:00", "P367DT6H58M59S"),
        ("P13DT2H14S", "+", "P367DT6H58M59S", "P380DT8H59M13S"),
        ("P1Y", "-", "P13M", "-P1M"),
        ("2021-01-31T10:00:00@Europe/Paris", "+", "P1M", "2021-02-28T10:00:00@Europe/Paris"),
        ("2021-03-27T02:30:00@Europe/Paris", "+", "PT24H", "2021-03-28T03:30:00@Europe/Paris"),
        ("2021-12-31T23:00:00", "+", "PT1H", "2022-01-01T00:00:00"),
        ("2021-12-31T23:00:00-05:00", "+", "PT2H", "2022-01-01T01:00:00-05:00"),
        ("10:00:00", "-", "09:00:00.5", "PT59M59.5S"),
    ],
)
def test_arithmetic(a: str, op: str, b: str, expected: str) -> None:
    r = (add if op == "+" else subtract)(at(a), at(b))
    assert r is not None
    assert str(r) == expected


@pytest.mark.parametrize(
    "a, op, b",
    [
        ("2021-01-02", "-", "2021-01-01T10:10:10"),  # a date against a local date-time
        ("2021-01-01T10:00:00", "-", "2021-01-01T10:00:00Z"),  # only one side zoned
        ("10:00:00", "+", "P1Y"),  # no ym arithmetic for times
        ("P1Y", "+", "P1D"),
        ("2021-01-01", "+", "2021-01-01"),
        ("P1D", "-", "2021-01-01"),
        ("999999999-12-31", "+", "P1D"),  # beyond the year range
    ],
)
def test_arithmetic_undefined(a: str, op: str, b: str) -> None:
    assert (add if op == "+" else subtract)(at(a), at(b)) is None


def test_duration_scaling_spec() -> None:
    assert str(multiply(at("P4DT1H"), D("1.5"))) == "P6DT1H30M"
    assert str(multiply(D("1.5"), at("P4DT1H"))) == "P6DT1H30M"
    assert str(divide(at("P10Y11M"), D("2.5"))) == "P4Y4M"
    assert str(multiply(at("P1Y"), D("1.5"))) == "P1Y6M"
    assert str(multiply(at("P1M"), D("-1.5"))) == "-P1M"
    assert divide(at("P10Y"), at("P5Y")) == D(2)
    assert divide(at("P1D"), at("PT8H")) == D(3)
    assert divide(at("P10D"), at("P0D")) is None
    assert divide(at("P10D"), D(0)) is None
    assert divide(at("P1Y"), at("P1D")) is None
    assert divide(D(1), at("P1D")) is None
    assert multiply(at("P1D"), at("P1D")) is None


def test_duration_scaling_camunda() -> None:
    with camunda():
        assert str(multiply(at("P4DT1H"), D("1.5"))) == "P4DT1H"
        assert str(divide(at("P10Y11M"), D("2.5"))) == "P5Y5M"


def test_negate() -> None:
    assert str(negate(at("P1Y2M"))) == "-P1Y2M"
    assert str(negate(at("-PT1H"))) == "PT1H"
    assert negate(at("2021-01-01")) is None


# --- properties --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, name, expected",
    [
        ("2015-12-24", "year", D(2015)), ("2015-12-24", "month", D(12)), ("2015-12-24", "day", D(24)),
        ("2018-12-10", "weekday", D(1)), ("2021-01-17", "weekday", D(7)), ("-2017-01-01", "year", D(-2017)),
        ("2015-12-24T00:00:01-01:00", "hour", D(0)), ("2015-12-24T00:00:01-01:00", "second", D(1)),
        ("2015-12-24T00:00:01-01:00", "time offset", DayTimeDuration(-3600 * T.NANOS)),
        ("2015-12-24T00:00:01", "time offset", None), ("2015-12-24T00:00:01", "timezone", None),
        ("2021-07-01T10:00:00@Europe/Paris", "timezone", "Europe/Paris"),
        ("2021-07-01T10:00:00@Europe/Paris", "time offset", DayTimeDuration(7200 * T.NANOS)),
        ("2021-07-01T10:00:00@Europe/Paris", "weekday", D(4)),
        ("10:20:30+05:30", "minute", D(20)), ("10:20:30@Asia/Dhaka", "timezone", "Asia/Dhaka"),
        ("P1Y", "years", D(1)), ("-P4Y9M", "months", D(-9)), ("-P4Y9M", "years", D(-4)),
        ("P13DT2H14S", "seconds", D(14)), ("P13DT2H14S", "days", D(13)), ("-P1DT2H3M", "hours", D(-2)),
        ("P1DT2H3M", "minutes", D(3)),
    ],
)
def test_properties(value: str, name: str, expected: Any) -> None:
    assert T.property(at(value), name) == expected


@pytest.mark.parametrize("value, name", [("2015-12-24", "hour"), ("10:00:00", "year"), ("P1Y", "days"),
                                         ("P1D", "years"), ("2015-12-24", "foo")])
def test_unknown_property(value: str, name: str) -> None:
    assert T.property(at(value), name) is MISSING


# --- output and conversions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2024-02-29", "2024-02-29"),
        ("2021-01-01T10:10:10", "2021-01-01T10:10:10"),
        ("2021-01-01T10:10:10@Europe/Paris", "2021-01-01T10:10:10+01:00[Europe/Paris]"),
        ("2021-01-01T10:10:10+01:00", "2021-01-01T10:10:10+01:00"),
        ("2021-01-01T10:10:10Z", "2021-01-01T10:10:10Z"),
        ("P1Y2M", "P1Y2M"), ("-P1Y2M", "P-1Y-2M"), ("P0M", "P0D"),
        ("P1DT12H", "PT36H"), ("PT0S", "PT0S"), ("-PT1H30M", "PT-1H-30M"), ("-PT0.5S", "PT-0.5S"),
        ("PT1.25S", "PT1.25S"),
    ],
)
def test_to_python_iso(value: str, expected: str) -> None:
    assert T.to_python_iso(at(value)) == expected


def test_from_python() -> None:
    assert str(T.from_datetime(dt.datetime(2021, 1, 1, 10, 0, 0, 500))) == "2021-01-01T10:00:00.0005"
    paris = dt.datetime(2021, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert str(T.from_datetime(paris)) == "2021-07-01T10:00:00@Europe/Paris"
    fixed = dt.datetime(2021, 7, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    assert str(T.from_datetime(fixed)) == "2021-07-01T10:00:00-03:00"
    assert str(T.from_date(dt.date(2020, 2, 29))) == "2020-02-29"


# --- built-ins ---------------------------------------------------------------------------------------------


def test_date_builtin() -> None:
    assert str(call("date", "2017-12-31")) == "2017-12-31"
    assert str(call("date", at("2017-09-03T09:45:30@Europe/Paris"))) == "2017-09-03"
    assert str(call("date", D(-2017), D(1), D(1))) == "-2017-01-01"
    assert str(call("date", D(999999999), D(12), D(31))) == "999999999-12-31"
    assert str(call("date", from_="2012-12-25")) == "2012-12-25"
    assert str(call("date", year=D(2017), month=D(8), day=D(30))) == "2017-08-30"
    for bad in [(None,), (None, None), (D(2017), None, D(1)), (), (D(2017), D(13), D(31)), (D(2017), D(8), D(-2)),
                (D(-1000999999), D(12), D(1)), (D(1),), ([],), (D("2017.5"), D(1), D(1)), (True, D(1), D(1))]:
        assert call("date", *bad) is None, bad


def test_time_builtin() -> None:
    assert str(call("time", D(12), D(0), D(0), None)) == "12:00:00"
    assert str(call("time", D(12), D(59), D("01.3"), at("-PT1H"))) == "12:59:01.3-01:00"
    assert str(call("time", D(11), D(59), D(45), at("PT0H"))) == "11:59:45Z"
    assert str(call("time", D(11), D(59), D(45), at("PT2H45M55S"))) == "11:59:45+02:45:55"
    assert str(call("time", D(11), D(59), D(0), at("-PT2H1M"))) == "11:59:00-02:01"
    assert str(call("time", D(11), D(59), D(45))) == "11:59:45"
    assert str(call("time", at("2017-08-10T10:20:00@Europe/Paris"))) == "10:20:00@Europe/Paris"
    assert str(call("time", at("2017-08-10T10:20:00-00:00"))) == "10:20:00Z"
    assert str(call("time", at("2017-08-10"))) == "00:00:00Z"
    assert str(call("time", hour=D(11), minute=D(59), second=D(0), offset=at("-PT2H"))) == "11:59:00-02:00"
    for bad in [(None,), (D(2017),), ([],), ("",), (D(24), D(59), D(45), None), (D(-24), D(59), D(45), None),
                (D(23), D(60), D(45), None), (D(23), D(59), D(60), None), (D(12), None, D(45), at("P0D")),
                (D(12), D(0), D(0), at("P1Y")), ()]:
        assert call("time", *bad) is None, bad


def test_date_and_time_builtin() -> None:
    assert str(call("date and time", "2012-12-24")) == "2012-12-24T00:00:00"
    assert str(call("date and time", at("2017-01-01"), at("23:59:01+02:00"))) == "2017-01-01T23:59:01+02:00"
    assert str(call("date and time", at("2017-01-01"), at("23:59:01.123456789@Europe/Paris"))) == \
        "2017-01-01T23:59:01.123456789@Europe/Paris"
    assert str(call("date and time", at("2017-08-10T10:20:00+02:00"), at("23:59:01"))) == "2017-08-10T23:59:01"
    assert str(call("date and time", date=at("2017-01-01"), time=at("23:59:01"))) == "2017-01-01T23:59:01"
    for bad in [(None,), (None, None), (at("2017-08-10"), None), (None, at("23:59:01")), (D(2017),), ([],), ()]:
        assert call("date and time", *bad) is None, bad


def test_date_and_time_in_zone_camunda() -> None:
    v = call("date and time", at("2021-01-01T10:00:00Z"), "Europe/Paris")
    assert str(v) == "2021-01-01T11:00:00@Europe/Paris"
    v = call("date and time", dateTime=at("2021-07-01T10:00:00@Europe/Paris"), timezone="America/New_York")
    assert str(v) == "2021-07-01T04:00:00@America/New_York"
    assert call("date and time", at("2021-01-01T10:00:00Z"), "Mars/Olympus") is None


def test_duration_builtins() -> None:
    assert str(call("duration", "PT1000M")) == "PT16H40M"
    assert str(call("duration", from_="P26M")) == "P2Y2M"
    assert call("duration", D(2017)) is None
    assert call("duration", None) is None
    ymd = call("years and months duration", at("2015-12-24T00:00:01-01:00"), at("2016-12-24T23:59:00-08:00"))
    assert ymd == YearMonthDuration(12)
    assert str(call("years and months duration", at("2011-12-31"), at("2013-02-28"))) == "P1Y1M"
    assert str(call("years and months duration", at("2013-02-28"), at("2011-12-31"))) == "-P1Y1M"
    assert str(call("years and months duration", from_=at("2011-12-31"), to=at("2011-12-31"))) == "P0M"
    assert call("years and months duration", at("2011-12-31"), "2012-01-01") is None


def test_calendar_builtins() -> None:
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert [call("day of week", add(at("2021-01-11"), DayTimeDuration(i * T.DAY_NANOS))) for i in range(7)] == days
    assert call("day of week", at("2021-01-11T10:10:10")) == "Monday"
    assert call("day of week", date=at("2019-09-17")) == "Tuesday"
    assert call("day of week", "foo") is None
    assert call("day of week", value=at("1970-01-01")) is None
    assert call("day of week", at("1970-01-01"), at("1970-01-01")) is None
    assert call("day of year", at("2020-12-31")) == D(366)
    assert call("day of year", at("2021-01-01")) == D(1)
    assert call("month of year", at("2021-02-01")) == "February"
    assert call("week of year", at("2021-01-03")) == D(53)
    assert call("week of year", at("2021-01-04")) == D(1)
    assert call("week of year", at("2019-12-30")) == D(1)
    assert call("week of year", at("2020-06-15")) == D(25)
    assert call("last day of month", at("2024-02-03")) == at("2024-02-29")
    assert call("last day of month", at("2023-02-03T10:00:00")) == at("2023-02-28")


def test_now_and_today() -> None:
    clock = dt.datetime(2024, 2, 29, 23, 30, tzinfo=dt.UTC)
    state = EvalState(clock=lambda: clock)
    assert str(call("now", state=state)) == "2024-02-29T23:30:00Z"
    assert call("today", state=state) == at("2024-02-29")
    zoned = EvalState(clock=lambda: clock, zone="Europe/Berlin")
    assert str(call("now", state=zoned)) == "2024-03-01T00:30:00@Europe/Berlin"
    assert call("today", state=zoned) == at("2024-03-01")
    assert call("now", D(123)) is None


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (D(1), D(1), True), (D(1), D("1.0"), True), (D(1), D(2), False), (True, True, True), (True, D(1), False),
        ("foo", "foo", True), (None, None, True), (None, D(1), False), ([D(1)], [D(1)], True),
        ("@2012-12-25", "@2012-12-25", True), ("@2012-12-25", "@2012-12-25T00:00:00Z", False),
        ("@23:00:50Z", "@23:00:50+00:00", True), ("@23:00:50", "@23:00:50Z", False),
        ("@23:00:50@Australia/Melbourne", "@23:00:50+10:00", False), ("@23:00:50@Etc/GMT", "@23:00:50Z", False),
        ("@23:00:50@Australia/Melbourne", "@23:00:50@Australia/Melbourne", True),
        ("@20:00:50+00:00", "@21:00:50+01:00", False),
        ("@2002-04-02T12:00:00-01:00", "@2002-04-02T17:00:00+04:00", False),
        ("@2021-04-02T23:00:00@Australia/Melbourne", "@2021-04-02T23:00:00+11:00", False),
        ("@P1D", "@PT24H", True), ("@P1Y", "@P12M", True), ("@P0Y", "@P0D", False),
    ],
)
def test_is(a: Any, b: Any, expected: bool) -> None:
    def v(x: Any) -> Any:
        return at(x[1:]) if isinstance(x, str) and x.startswith("@") else x

    assert call("is", v(a), v(b)) is expected


def test_is_named() -> None:
    assert call("is", value1=at("2021-02-13"), value2=at("2021-02-13")) is True
    assert call("is", value1=at("2021-02-13")) is False
    assert call("is", value2=at("2021-02-13")) is False
    assert call("is", value1=D(1), value2=D(1), value3=D(1)) is None


def test_time_of_zoned_date_time_keeps_zone() -> None:
    t = call("time", at("2017-09-04T11:20:00@Asia/Dhaka"))
    assert str(t) == "11:20:00@Asia/Dhaka"
    assert call("is", t, at("11:20:00@Asia/Dhaka")) is True
