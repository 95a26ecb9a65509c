"""The TCK runner over the shared cases: the pass count must not fall below the recorded floor."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.dmn import tck

TCK = Path(__file__).resolve().parents[2].parent / "shared" / "dmn-tck"
#: raise this as the score rises (1492/1492 on 2026-11-27)
FLOOR = 1492


@pytest.mark.skipif(not TCK.is_dir(), reason=f"the shared DMN TCK is not at {TCK}")
def test_tck_score_does_not_regress(capsys: pytest.CaptureFixture[str]) -> None:
    tck.main([str(TCK), "--quiet"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    passed, failed = (int(part.split()[0]) for part in last.split(", "))
    assert passed >= FLOOR, f"TCK score fell to {passed} (floor {FLOOR}); {failed} failed"


def test_runner_compares_like_the_reference_runners() -> None:
    assert tck.same(Decimal("1.000000001"), Decimal("1"))
    assert not tck.same(Decimal("1.0001"), Decimal("1"))
    assert not tck.same([Decimal(1)], [Decimal(1), Decimal(2)])
    assert not tck.same({"a": Decimal(1)}, {"a": Decimal(1), "b": None})
    assert not tck.same("1", Decimal(1))
    assert tck.same(None, None) and not tck.same(None, False)


def test_runner_on_a_small_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "0001-mini"
    case.mkdir()
    (case / "mini.dmn").write_text(
        '<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" namespace="urn:m" name="mini">'
        '<inputData id="i" name="Full Name"><variable name="Full Name" typeRef="string"/></inputData>'
        '<decision id="d" name="Greeting"><variable name="Greeting" typeRef="string"/>'
        '<informationRequirement><requiredInput href="#i"/></informationRequirement>'
        '<literalExpression><text>"Hello " + Full Name</text></literalExpression></decision></definitions>'
    )
    (case / "0001-mini-test-01.xml").write_text(
        '<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        "<modelName>mini.dmn</modelName>"
        '<testCase id="001"><inputNode name="Full Name"><value xsi:type="xsd:string">Ann</value></inputNode>'
        '<resultNode name="Greeting"><expected><value xsi:type="xsd:string">Hello Ann</value></expected></resultNode>'
        "</testCase>"
        '<testCase id="002"><inputNode name="Full Name"><value xsi:type="xsd:string">Bob</value></inputNode>'
        '<resultNode name="Greeting"><expected><value xsi:type="xsd:string">Hi Bob</value></expected></resultNode>'
        "</testCase>"
        '<testCase id="003"><inputNode name="Full Name"><value xsi:type="xsd:decimal">1</value></inputNode>'
        '<resultNode name="Greeting" errorResult="true"><expected><value xsi:nil="true"/></expected></resultNode>'
        "</testCase></testCases>"
    )
    out_csv = tmp_path / "tck_results.csv"
    code = tck.main([str(tmp_path), "--csv", str(out_csv)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 1
    assert lines[-1] == "2 passed, 1 failed"
    assert any("0001-mini" in line and "002" in line and '"Hi Bob"' in line for line in lines)
    rows = out_csv.read_text().splitlines()
    assert rows[0] == '"0001-mini","0001-mini-test-01","001","SUCCESS",""'
    assert rows[1].startswith('"0001-mini","0001-mini-test-01","002","ERROR",')
