"""Context, boolean and conversion built-ins (TCK 0058, 0080, 0081, 1145-1147; Camunda extensions)."""

import json
from decimal import Decimal as D
from typing import Any

import pytest

from engine.feel.builtins import load_all
from engine.feel.format import to_python, to_string
from engine.feel.functions import call_function
from engine.feel.values import MISSING, EvalState, FeelFatalError, FeelFunction, Range

BUILTINS = load_all()


def call(name: str, *args: Any, dialect: str = "spec") -> Any:
    return call_function(BUILTINS[name], EvalState(dialect=dialect), list(args))  # type: ignore[arg-type]


def named(name: str, **kwargs: Any) -> Any:
    return call_function(BUILTINS[name], EvalState(), None, {k.replace("_", " "): v for k, v in kwargs.items()})


def test_get_value_and_entries() -> None:
    assert call("get value", {"a": "foo"}, "a") == "foo"
    assert named("get value", key="a", m={"a": "foo"}) == "foo"
    assert named("get value", k="a", m={"a": "foo"}) is None
    assert call("get value", {"a": "foo"}, D(123)) is None
    assert call("get value", {"a": {"b": D(1)}}, ["a", "b"]) == D(1)
    assert call("get value", {"a": D(1)}, ["a", "b"]) is None
    assert call("get entries", {"a": "foo", "b": "bar"}) == [
        {"key": "a", "value": "foo"},
        {"key": "b", "value": "bar"},
    ]
    assert call("get entries", [D(1)]) is None
    assert named("get entries", map={}) is None


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ([{"key": "a", "value": D(1)}, {"key": "b", "value": D(2)}], {"a": D(1), "b": D(2)}),
        ([{"key": "a", "value": D(1)}, {"key": "a", "value": D(2)}], None),
        ({"key": "a", "value": None}, {"a": None}),
        ({"key": "a"}, None),
        ({"key": None, "value": D(1)}, None),
        ([{"key": "a", "value": D(1), "ignored": "foo"}], {"a": D(1)}),
        ([], {}),
        ("foo", None),
    ],
)
def test_context(arg: Any, expected: Any) -> None:
    assert call("context", arg) == expected


def test_context_put_and_merge() -> None:
    assert call("context put", {"a": D(1)}, "b", D(2)) == {"a": D(1), "b": D(2)}
    assert call("context put", {"a": {"x": D(1)}}, ["a", "y"], D(2)) == {"a": {"x": D(1), "y": D(2)}}
    assert call("context put", {}, ["a", "b"], D(1)) == {"a": {"b": D(1)}}
    assert call("context put", {"a": D(1)}, ["a", "b"], D(2)) is None
    assert call("context put", {"a": D(1)}, ["a", "b"], D(2), dialect="camunda") == {"a": {"b": D(2)}}
    assert call("context put", {"a": D(1)}, [], D(2)) is None
    assert call("put", {}, "a", D(1)) == {"a": D(1)}
    assert call("context merge", [{"a": D(1)}, {"a": D(2), "b": D(3)}]) == {"a": D(2), "b": D(3)}
    assert call("context merge", {"a": D(1)}) == {"a": D(1)}
    assert call("context merge", [{"a": D(1)}, D(2)]) is None
    assert call("context merge", [], "foo") is None
    assert call("put all", {"a": D(1)}, {"b": D(2)}) == {"a": D(1), "b": D(2)}


def test_boolean_functions() -> None:
    assert call("not", True) is False
    assert call("not", D(1)) is None
    assert call("is defined", None) is False
    assert call("is defined", MISSING) is False
    assert call("is defined", D(0)) is True
    assert call("get or else", None, "x") == "x"
    assert call("get or else", False, "x") is False
    assert call("assert", D(1), True) == D(1)
    with pytest.raises(FeelFatalError, match="too big"):
        call("assert", D(1), False, "too big")
    with pytest.raises(FeelFatalError):
        call("assert", D(1), None)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("1.000.000,01", ".", ","), "1000000.01"),
        (("1 000 000.01", " ", "."), "1000000.01"),
        (("1,000,000", ",", None), "1000000"),
        (("1000000.01", None, "."), "1000000.01"),
        (("-12.5",), "-12.5"),
        (("1,000,000.01", " ", "."), None),
        (("1,000,000.01", ":", "."), None),
        (("1,000,000.00", ",", ","), None),
        (("1.000.000,01", "."), None),
        (("foo,bar.001", ".", ","), None),
        ((D(123), ".", "."), None),
    ],
)
def test_number(args: tuple[Any, ...], expected: str | None) -> None:
    result = call("number", *args)
    assert result == (None if expected is None else D(expected))


def test_number_named() -> None:
    kwargs = {"from": "1.000.000,01", "decimal separator": ",", "grouping separator": "."}
    assert call_function(BUILTINS["number"], EvalState(), None, kwargs) == D("1000000.01")


def test_string_formats_values() -> None:
    assert call("string", None) is None
    assert call("string", "abc") == "abc"
    assert call("string", D("1.50")) == "1.50"
    assert call("string", D("1.23E+4")) == "12300"
    assert call("string", True) == "true"
    assert call("string", [D(1), "a", None]) == '[1, "a", null]'
    assert call("string", {"a": D(1), "b c": ["x"]}) == '{a: 1, b c: ["x"]}'
    assert call("string", {"a": D(1)}, dialect="camunda") == "{a:1}"
    assert call("string", Range(D(1), D(2), True, False)) == "[1..2)"
    assert to_string(Range(None, D(10), False, True)) == "<= 10"
    fn = FeelFunction("f", ("a", "b"), lambda s, a: None)
    assert to_string(fn) == "function(a, b)"


def test_to_python_like_zeebe() -> None:
    value = {"n": D("3.0"), "f": D("0.5"), "l": [True, None], "r": Range(D(1), D(2), True, True)}
    assert to_python(value) == {"n": 3, "f": 0.5, "l": [True, None], "r": None}
    assert type(to_python(D("3.0"))) is int


def test_json_and_base64() -> None:
    text = call("to json", {"a": D("1.10"), "b": [True, None, "x"]})
    assert text == '{"a":1.10,"b":[true,null,"x"]}'
    assert json.loads(text) == {"a": 1.1, "b": [True, None, "x"]}
    assert call("from json", '{"a": 1.5, "b": [1, "x", null]}') == {"a": D("1.5"), "b": [D(1), "x", None]}
    assert type(call("from json", "2")) is D
    assert call("from json", "{bad") is None
    assert call("from json", "NaN") is None
    assert call("to base64", "FEEL") == "RkVFTA=="
    assert call("from base64", "RkVFTA==") == "FEEL"
    assert call("from base64", "not base64!") is None


def test_uuid_is_version_7() -> None:
    a, b = call("uuid"), call("uuid")
    assert a != b and len(a) == 36 and a[14] == "7" and a[19] in "89ab"
