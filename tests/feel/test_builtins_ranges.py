"""Range built-ins (TCK 1130 interval functions, 1156 range()) on point/range combinations."""

from decimal import Decimal as D
from typing import Any

import pytest

from engine.feel.builtins import load_all
from engine.feel.builtins.ranges import parse_range
from engine.feel.functions import call_function
from engine.feel.values import EvalState, Range

BUILTINS = load_all()

#: every interval case of TCK 1130, as `call -> expected`
CASES = """
    during( 5, [1..10] ) -> true
    during( 12, [1..10] ) -> false
    during( 1, [1..10] ) -> true
    during( 10, [1..10] ) -> true
    during( 1, (1..10] ) -> false
    during( 10, [1..10) ) -> false
    during( [4..6], [1..10] ) -> true
    during( [1..5], [1..10] ) -> true
    during( (1..5], (1..10] ) -> true
    during( (1..10), [1..10] ) -> true
    during( [5..10), [1..10) ) -> true
    during( [1..10), [1..10] ) -> true
    during( (1..10], [1..10] ) -> true
    during( [1..10], [1..10] ) -> true
    after( 10, 5 ) -> true
    after( 5, 10 ) -> false
    after( 12, [1..10] ) -> true
    after( 10, [1..10) ) -> true
    after( 10, [1..10] ) -> false
    after( [11..20], 12 ) -> false
    after( [11..20], 10 ) -> true
    after( (11..20], 11 ) -> true
    after( [11..20], 11 ) -> false
    after( [11..20], [1..10] ) -> true
    after( [1..10], [11..20] ) -> false
    after( [11..20], [1..11) ) -> true
    after( (11..20], [1..11] ) -> true
    started by( [1..10], 1 ) -> true
    started by( (1..10], 1 ) -> false
    started by( [1..10], 2 ) -> false
    started by( [1..10], [1..5] ) -> true
    started by( (1..10], (1..5] ) -> true
    started by( [1..10], (1..5] ) -> false
    started by( (1..10], [1..5] ) -> false
    started by( [1..10], [1..10] ) -> true
    started by( [1..10], [1..10) ) -> true
    started by( (1..10), (1..10) ) -> true
    includes( [1..10], 5 ) -> true
    includes( [1..10], 12 ) -> false
    includes( [1..10], 1 ) -> true
    includes( [1..10], 10 ) -> true
    includes( (1..10], 1 ) -> false
    includes( [1..10), 10 ) -> false
    includes( [1..10], [4..6] ) -> true
    includes( [1..10], [1..5] ) -> true
    includes( (1..10], (1..5] ) -> true
    includes( [1..10], (1..10) ) -> true
    includes( [1..10), [5..10) ) -> true
    includes( [1..10], [1..10) ) -> true
    includes( [1..10], (1..10] ) -> true
    includes( [1..10], [1..10] ) -> true
    met by( [5..10], [1..5] ) -> true
    met by( [5..10], [1..5) ) -> false
    met by( (5..10], [1..5] ) -> false
    met by( [6..10], [1..5] ) -> false
    before( 1, 10 ) -> true
    before( 10, 1 ) -> false
    before( 1, [1..10] ) -> false
    before( 1, (1..10] ) -> true
    before( 1, [5..10] ) -> true
    before( [1..10], 10 ) -> false
    before( [1..10), 10 ) -> true
    before( [1..10], 15 ) -> true
    before( [1..10], [15..20] ) -> true
    before( [1..10], [10..20] ) -> false
    before( [1..10), [10..20] ) -> true
    before( [1..10], (10..20] ) -> true
    overlaps( [1..5], [3..8] ) -> true
    overlaps( [3..8], [1..5] ) -> true
    overlaps( [1..8], [3..5] ) -> true
    overlaps( [3..5], [1..8] ) -> true
    overlaps( [1..5], [6..8] ) -> false
    overlaps( [6..8], [1..5] ) -> false
    overlaps( [1..5], [5..8] ) -> true
    overlaps( [1..5], (5..8] ) -> false
    overlaps( [1..5), [5..8] ) -> false
    overlaps( [1..5), (5..8] ) -> false
    overlaps( [5..8], [1..5] ) -> true
    overlaps( (5..8], [1..5] ) -> false
    overlaps( [5..8], [1..5) ) -> false
    overlaps( (5..8], [1..5) ) -> false
    overlaps before( [1..5], [3..8] ) -> true
    overlaps before( [1..5], [6..8] ) -> false
    overlaps before( [1..5], [5..8] ) -> true
    overlaps before( [1..5], (5..8] ) -> false
    overlaps before( [1..5), [5..8] ) -> false
    overlaps before( [1..5), (1..5] ) -> true
    overlaps before( [1..5], (1..5] ) -> true
    overlaps before( [1..5), [1..5] ) -> false
    overlaps before( [1..5], [1..5] ) -> false
    finishes( 10, [1..10] ) -> true
    finishes( 10, [1..10) ) -> false
    finishes( [5..10], [1..10] ) -> true
    finishes( [5..10), [1..10] ) -> false
    finishes( [5..10), [1..10) ) -> true
    finishes( [1..10], [1..10] ) -> true
    finishes( (1..10], [1..10] ) -> true
    finished by( [1..10], 10 ) -> true
    finished by( [1..10), 10 ) -> false
    finished by( [1..10], [5..10] ) -> true
    finished by( [1..10], [5..10) ) -> false
    finished by( [1..10), [5..10) ) -> true
    finished by( [1..10], (1..10] ) -> true
    finished by( [1..10], [1..10] ) -> true
    starts( 1, [1..10] ) -> true
    starts( 1, (1..10] ) -> false
    starts( 2, [1..10] ) -> false
    starts( [1..5], [1..10] ) -> true
    starts( (1..5], (1..10] ) -> true
    starts( (1..5], [1..10] ) -> false
    starts( [1..5], (1..10] ) -> false
    starts( [1..10], [1..10] ) -> true
    starts( [1..10), [1..10] ) -> true
    starts( (1..10), (1..10) ) -> true
    coincides( 5, 5 ) -> true
    coincides( 3, 4 ) -> false
    coincides( [1..5], [1..5] ) -> true
    coincides( (1..5), [1..5] ) -> false
    coincides( [1..5], [2..6] ) -> false
    overlaps after( [3..8], [1..5]) -> true
    overlaps after( [6..8], [1..5]) -> false
    overlaps after( [5..8], [1..5]) -> true
    overlaps after( (5..8], [1..5]) -> false
    overlaps after( [5..8], [1..5)) -> false
    overlaps after( (1..5], [1..5) ) -> true
    overlaps after( (1..5], [1..5] ) -> true
    overlaps after( [1..5], [1..5) ) -> false
    overlaps after( [1..5], [1..5] ) -> false
    meets( [1..5], [5..10] ) -> true
    meets( [1..5), [5..10] ) -> false
    meets( [1..5], (5..10] ) -> false
    meets( [1..5], [6..10] ) -> false
"""


def _arg(text: str) -> Any:
    text = text.strip()
    return parse_range(text) if text[0] in "[(]" else D(text)


def _parse_case(line: str) -> tuple[str, list[Any], bool]:
    call, expected = line.rsplit("->", 1)
    name, args = call.strip()[:-1].split("(", 1)
    # split at the comma between the two arguments (ranges contain no commas)
    return name.strip(), [_arg(a) for a in args.split(",")], expected.strip() == "true"


@pytest.mark.parametrize("line", [x for x in CASES.strip().splitlines()])
def test_tck_1130(line: str) -> None:
    name, args, expected = _parse_case(line)
    assert call_function(BUILTINS[name], EvalState(), args) is expected


def call(name: str, *args: Any) -> Any:
    return call_function(BUILTINS[name], EvalState(), list(args))


def test_named_parameters_select_the_signature() -> None:
    r = Range(D(1), D(10), True, True)
    state = EvalState()
    assert call_function(BUILTINS["before"], state, None, {"point": D(0), "range": r}) is True
    # {point, range} names fit both before(point, range) and before(range, point): the spec order comes first
    assert call_function(BUILTINS["before"], state, None, {"range": r, "point": D(11)}) is False
    assert call_function(BUILTINS["includes"], state, None, {"range1": r, "range2": r}) is True
    assert call_function(BUILTINS["includes"], state, None, {"point1": D(1), "range": r}) is None


def test_open_ended_ranges_and_errors() -> None:
    below_ten = Range(None, D(10), False, False)
    assert call("includes", below_ten, D(-1000)) is True
    assert call("includes", below_ten, D(10)) is False
    assert call("before", below_ten, Range(D(10), D(20), True, True)) is True
    assert call("before", D(1), "a") is None
    assert call("meets", D(1), D(2)) is None
    assert call("during", None, below_ten) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1..3]", Range(D(1), D(3), True, True)),
        (" ( 1 .. 3 [ ", Range(D(1), D(3), False, False)),
        ("]18..21]", Range(D(18), D(21), False, True)),
        ('["a".."c"]', Range("a", "c", True, True)),
        ("[-1.5...5]", Range(D("-1.5"), D(".5"), True, True)),
    ],
)
def test_range_parses_literals(text: str, expected: Range) -> None:
    assert call("range", text) == expected


@pytest.mark.parametrize(
    "text",
    ["[..2]", "[1..]", "", " ", ">=10", '[1.."b"]', "[3..1]", '["z".."a"]', "[null..null]", "[1..3] x", "[1,3]"],
)
def test_range_rejects(text: str) -> None:
    assert call("range", text) is None


def test_range_temporal_endpoints() -> None:
    temporal = pytest.importorskip("engine.feel.temporal")
    if not hasattr(temporal, "parse_at_literal") or "date" not in BUILTINS:
        pytest.skip("temporal built-ins not available yet")
    r = call("range", '[@"1970-01-01"..date("1970-01-02")]')
    assert isinstance(r, Range) and str(r.start) == "1970-01-01" and str(r.end) == "1970-01-02"
    assert call("range", '[@"P1D"..@"P2D"]') is not None
    assert call("range", '[@"1970-01-01"..@"1970-01-02T00:00:00"]') is None
    assert call("range", '[date(string("1970-01-01"))..@"1970-01-02"]') is None
    assert call("range", '[@"P2D"..@"P1D"]') is None
