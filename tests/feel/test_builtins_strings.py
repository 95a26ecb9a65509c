"""String and regex built-ins (TCK 0002, 0067, 1103-1111, 1140 and Camunda extensions)."""

from decimal import Decimal as D
from typing import Any

import pytest

from engine.feel.builtins import load_all
from engine.feel.functions import call_function
from engine.feel.values import EvalState

BUILTINS = load_all()


def call(name: str, *args: Any, dialect: str = "spec") -> Any:
    return call_function(BUILTINS[name], EvalState(dialect=dialect), list(args))  # type: ignore[arg-type]


def named(name: str, **kwargs: Any) -> Any:
    return call_function(BUILTINS[name], EvalState(), None, {k.replace("_", " "): v for k, v in kwargs.items()})


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("f", D(1)), "f"),
        (("foobar", D(6)), "r"),
        (("foobar", D(1), D(6)), "foobar"),
        (("foobar", D(3), D(3)), "oba"),
        (("foobar", D(-2), D(1)), "a"),
        (("foobar", D(-6), D(6)), "foobar"),
        (("foobar", D(3), D("3.8")), "oba"),
        (("foobar", D(0)), None),
        (("foobar", D(1), D(-1)), None),
        (("\U0001F40Eab", D(2)), "ab"),
        ((None, D(1)), None),
    ],
)
def test_substring(args: tuple[Any, ...], expected: Any) -> None:
    assert call("substring", *args) == expected


def test_substring_named_and_camunda_utf16() -> None:
    assert named("substring", string="foobar", start_position=D(3)) == "obar"
    assert call("substring", "\U0001F40Eab", D(3), dialect="camunda") == "ab"
    assert call("string length", "\U0001F40E") == D(1)
    assert call("string length", "\U0001F40E", dialect="camunda") == D(2)


def test_case_and_containment() -> None:
    assert call("upper case", "aBc4") == "ABC4"
    assert call("lower case", "aBc4") == "abc4"
    assert call("lower case", D(1)) is None
    assert call("contains", "foobar", "ob") is True
    assert call("contains", "", "") is True
    assert call("contains", "bar", None) is None
    assert call("starts with", "foobar", "foo") is True
    assert call("ends with", "foobar", "foo") is False


@pytest.mark.parametrize(
    ("fn", "s", "m", "expected"),
    [
        ("substring before", "foobar", "bar", "foo"),
        ("substring before", "foobar", "foo", ""),
        ("substring before", "foobar", "x", ""),
        ("substring after", "foobar", "ob", "ar"),
        ("substring after", "abc", "", "abc"),
        ("substring after", "", "a", ""),
    ],
)
def test_substring_before_after(fn: str, s: str, m: str, expected: str) -> None:
    assert call(fn, s, m) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("abracadabra", "bra", None), True),
        (("\nabcd\ndefg\n", "^$", "m"), True),
        (("Mary\rJones", "Mary.Jones"), False),
        (("abc", "ABC", "i"), True),
        (("\u212a", "k", "i"), True),
        (("x", "[A-Z-[OI]]", "i"), True),
        (("O", "[A-Z-[OI]]", "i"), False),
        (("q", "[^Q]", "i"), False),
        (("aA", "(a)\\1", "i"), True),
        (("hello world", "hello[ ]world ", "x"), True),
        (("hello world", "hello\\ sworld", "x"), True),
        (("hello world", "\\p{ I s B a s i c L a t i n }+", "x"), True),
        (("hello world", "\\p{ IsBasicLatin}+"), None),
        (("abracadabra", "bra", "p"), None),
        (("h", "(.)\\3"), None),
        (("abcd", "(asd)[\\1]"), None),
        (("input", None), None),
        ((None, "pattern"), None),
        (("a.b", "a.b", "q"), True),
        (("axb", "a.b", "q"), False),
    ],
)
def test_matches(args: tuple[Any, ...], expected: Any) -> None:
    assert call("matches", *args) is expected


def test_matches_camunda_uses_java_regex() -> None:
    # Java ignores unknown flag letters and has no XPath class subtraction
    assert call("matches", "abc", "B", "ip", dialect="camunda") is True
    assert call("matches", "abc", "(?i)B", dialect="camunda") is True
    assert call("matches", "abc", "(?i)B") is None  # inline flags are not XPath syntax


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("abcd", "(ab)|(a)", "[1=$1][2=$2]"), "[1=ab][2=]cd"),
        (("abracadabra", "a(.)", "a$1$1"), "abbraccaddabbra"),
        (("abracadabra", "a.*?a", "*"), "*c*bra"),
        (("darted", "^(.*?)d(.*)$", "$1c$2"), "carted"),
        (("0123456789", "(\\d{3})(\\d{3})(\\d{4})", "($1) $2-$3"), "(012) 345-6789"),
        (("facetiously", "[iouy]", "[$0]"), "facet[i][o][u]sl[y]"),
        (("abc", "[A-Z]", "#", "i"), "###"),
        (("a b c d ", "[a-z]", "#", "x"), "# # # # "),
        (("abc", ".^[d-z]*", "smix"), "abc"),
        (("a$b", "\\$", "\\$\\\\"), "a$\\b"),
        (("abc", "b", "$"), None),
        (("abc", "x*", "-"), None),
        (("a.c", ".", "$1", "q"), "a$1c"),
    ],
)
def test_replace(args: tuple[Any, ...], expected: Any) -> None:
    assert call("replace", *args) == expected


def test_replace_named() -> None:
    assert named("replace", input="abc", pattern="[A-Z]", replacement="#", flags="i") == "###"


def test_split() -> None:
    assert call("split", "John Doe", "\\s") == ["John", "Doe"]
    assert call("split", "a;b;c;;", ";") == ["a", "b", "c", "", ""]
    assert call("split", "a1b2c", "(\\d)") == ["a", "b", "c"]
    assert named("split", delimiter=",", string="foo,bar") == ["foo", "bar"]
    assert call("split", "foo", None) is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((["a", "b", "c"],), "abc"),
        ((["a", "b", "c"], " and "), "a and b and c"),
        ((["a", "b", "c"], None), "abc"),
        ((["a", None, "c"], "X"), "aXc"),
        (([], "X"), ""),
        (("a", "X"), "a"),
        (([D(1), D(2)], "X"), None),
        ((None,), None),
        ((["a", "c"], "X", "foo"), None),
        ((["a", "b"], ", ", "[", "]"), "[a, b]"),
    ],
)
def test_string_join(args: tuple[Any, ...], expected: Any) -> None:
    assert call("string join", *args) == expected


def test_camunda_string_extensions() -> None:
    assert call("extract", "a1b22c333", "\\d+") == ["1", "22", "333"]
    assert call("trim", "  \tx y \n") == "x y"
    assert call("is blank", " \t") is True
    assert call("is blank", " a ") is False
