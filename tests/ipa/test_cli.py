"""The `ipa` command line: submit (validated, one case per file), the transparency report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipa.cli import app
from ipa.store import Store, get_case

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "request-training-iraq.json"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IPA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ZEEBE_ADDRESS", raising=False)  # an embedded engine is started for the command
    return tmp_path


def test_submit_lists_every_problem_and_starts_nothing(env: Path) -> None:
    bad = env / "bad.json"
    bad.write_text(json.dumps({"purpose": "TRAINING", "countryCode": "XX", "durationDays": 0}))
    result = CliRunner().invoke(app, ["submit", str(bad)])
    assert result.exit_code == 1
    assert "countryCode" in result.output and "requesterOrg is required" in result.output
    assert not (env / "casework.db").exists()


def test_submit_opens_one_case_per_file(env: Path) -> None:
    first = CliRunner().invoke(app, ["submit", str(EXAMPLE)])
    assert first.exit_code == 0, first.output
    request_id = first.output.split()[-1]
    again = CliRunner().invoke(app, ["submit", str(EXAMPLE)])
    assert again.output.split()[-1] == request_id  # the same file twice is one request
    store = Store(f"sqlite:///{env / 'casework.db'}")
    with store.reader() as s:
        case = get_case(s, request_id)
        assert case.country_code == "IQ"


def test_transparency_report_on_an_empty_store(env: Path) -> None:
    result = CliRunner().invoke(app, ["report", "transparency", "--year", "2025-26", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["financialYear"] == "2025-26" and report["casesAssisted"] == 0
