"""List built-ins (TCK 0012, 0059-0063, 0094, 1155 and Camunda extensions)."""

from decimal import Decimal as D
from typing import Any

import pytest

from engine.feel.builtins import load_all
from engine.feel.functions import call_function
from engine.feel.values import EvalState, FeelFunction

BUILTINS = load_all()


def call(name: str, *args: Any) -> Any:
    return call_function(BUILTINS[name], EvalState(), list(args))


def named(name: str, **kwargs: Any) -> Any:
    return call_function(BUILTINS[name], EvalState(), None, {k.replace("_", " "): v for k, v in kwargs.items()})


def nums(*xs: Any) -> list[D]:
    return [D(str(x)) for x in xs]


def lam(params: tuple[str, ...], body: Any) -> FeelFunction:
    return FeelFunction("lambda", params, lambda state, args: body(*args))


def test_list_contains_keeps_booleans_apart_from_numbers() -> None:
    assert call("list contains", nums(1, 2), D(2)) is True
    assert call("list contains", [D(1)], True) is False
    assert call("list contains", [D(1), None], None) is True
    assert call("count", ["a", "b"]) == D(2)


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("min", (nums(6, 14, -3),), D(-3)),
        ("min", tuple(nums(6, 14, -3)), D(-3)),
        ("max", (["a", "c", "b"],), "c"),
        ("min", ([],), None),
        ("max", ([D(1), "a"],), None),
        ("max", ([True],), None),
        ("sum", (nums(6, 14, -3),), D(17)),
        ("sum", ([],), None),
        ("sum", ([D(1), None],), None),
        ("product", (nums(2.5, 1, 2.5, 3),), D("18.75")),
        ("product", (D(6),), D(6)),
        ("product", ([],), None),
        ("median", (nums(8, 2, 5, 3, 4),), D(4)),
        ("median", (nums(6, 1, 2, 3),), D("2.5")),
        ("median", ([],), None),
        ("median", (None,), None),
        ("median", (D(1), D(2), "foo"), None),
        ("mode", (nums(3, 6, 1, 9, 6, 1, 3),), nums(1, 3, 6)),
        ("mode", ([],), []),
        ("mode", (D(6),), nums(6)),
        ("stddev", ([D(47)],), None),
        ("all", ([True, None, True],), None),
        ("all", ([True, D(123)],), None),
        ("all", ([],), True),
        ("all", (True, False), False),
        ("and", (True, True), True),
        ("any", ([None, False],), None),
        ("any", ([],), False),
        ("any", (False, True), True),
        ("or", ([False],), False),
    ],
)
def test_aggregates(name: str, args: tuple[Any, ...], expected: Any) -> None:
    result = call(name, *args)
    assert result == expected and type(result) is type(expected)


def test_mean_and_stddev_have_34_digits() -> None:
    assert call("mean", nums(6, 14, -3)) == D("5.666666666666666666666666666666667")
    assert str(call("stddev", nums(2, 4, 7, 5)))[:15] == "2.0816659994661"


def test_varargs_named_and_missing() -> None:
    assert named("max", list=nums(1, 3, 2)) == D(3)
    assert named("all", list=None) is None
    assert call("all") is None
    assert named("median", l=nums(1)) is None


def test_positions() -> None:
    assert call("sublist", ["a", "b", "c"], D(1), D(2)) == ["a", "b"]
    assert call("sublist", ["a", "b", "c"], D(-1), D(1)) == ["c"]
    assert call("sublist", ["a", "b", "c"], D(0)) is None
    assert call("insert before", ["x", "y", "z"], D(2), "OK") == ["x", "OK", "y", "z"]
    assert call("remove", ["x", "y", "z"], D(2)) == ["x", "z"]
    assert call("remove", ["x"], D(2)) is None


def test_building_lists() -> None:
    assert call("append", nums(6), D(11), D(2)) == nums(6, 11, 2)
    assert call("append", [["w"]], ["t"]) == [["w"], ["t"]]
    assert call("concatenate", ["a"], ["x", "y"]) == ["a", "x", "y"]
    assert call("reverse", ["a", "b"]) == ["b", "a"]
    assert call("index of", nums(1, 2, 1), D(1)) == nums(1, 3)
    assert call("union", nums(1, 2), nums(2, 3)) == nums(1, 2, 3)
    assert call("distinct values", [D(1), True, D("1.0"), "1"]) == [D(1), True, "1"]
    assert call("duplicate values", nums(1, 2, 3, 2, 1)) == nums(1, 2)
    assert call("flatten", [["a", ["b"]], "c"]) == ["a", "b", "c"]
    assert call("is empty", []) is True
    assert call("partition", nums(1, 2, 3, 4, 5), D(2)) == [nums(1, 2), nums(3, 4), nums(5)]
    assert call("partition", nums(1), D(0)) is None


def test_sort() -> None:
    desc = lam(("x", "y"), lambda x, y: x > y)
    assert call("sort", nums(3, 1, 2), desc) == nums(3, 2, 1)
    assert call("sort", ["b", "a"]) == ["a", "b"]
    assert call("sort", [D(1), "a"]) is None
    assert call("sort", nums(2, 1), lam(("x",), lambda x: True)) is None
    assert named("sort", list=nums(2, 1), precedes=lam(("a", "b"), lambda a, b: a < b)) == nums(1, 2)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((nums(1, 2, 3), D(2), D(4)), nums(1, 4, 3)),
        ((nums(1, 2, 3), D(-1), D(4)), nums(1, 2, 4)),
        ((nums(1, 2, 3), D("2.5"), D(4)), nums(1, 4, 3)),
        ((nums(1, 2, 3), D(0), D(4)), None),
        ((nums(1, 2, 3), D(4), D(4)), None),
        ((nums(1, 2, 3), "2", D(4)), None),
        ((nums(1, 2, 3), D(3), None), [D(1), D(2), None]),
        ((D(1), D(1), D(5)), nums(5)),
        ((nums(2, 4, 7, 8), lam(("item", "newItem"), lambda i, n: i < n), D(5)), nums(5, 5, 7, 8)),
        ((nums(2, 4), lam(("item",), lambda i: True), D(5)), None),
        ((nums(2, 4), lam(("item", "newItem"), lambda i, n: i), D(5)), None),
    ],
)
def test_list_replace(args: tuple[Any, ...], expected: Any) -> None:
    assert call("list replace", *args) == expected


def test_list_replace_named() -> None:
    match = lam(("item", "newItem"), lambda i, n: i == D(2))
    assert named("list replace", match=match, newItem=D(4), list=nums(1, 2, 3)) == nums(1, 4, 3)
    assert named("list replace", position=D(2), newItem=D(4), list=nums(1, 2, 3)) == nums(1, 4, 3)
