"""request-s26-consent: the general-authorisation check, else one application to the Home Office."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ipa.store import Notice, Store, trail
from tests.workers.conftest import deliver, new_key


def notices(store: Store) -> list[Notice]:
    with store.reader() as s:
        return list(s.scalars(select(Notice)))


async def test_under_a_general_authorisation_nothing_is_asked(store: Store, case: dict[str, Any]) -> None:
    out = await deliver(
        "request-s26-consent",
        {**case, "generalAuthorisationApplies": True},
        headers={"recipient": "HOME_OFFICE", "generalAuthorisationRef": "HO-GA-2024-1"},
    )
    assert out == {
        "generalAuthorisationApplies": True,
        "s26Consent": "CONSENT",
        "s26ConsentRef": "HO-GA-2024-1",
    }
    assert notices(store) == []
    with store.reader() as s:
        assert "s26.general_authorisation" in [e.action for e in trail(s, "IPA-2025-0042")]


async def test_otherwise_one_application_goes_to_the_home_office(store: Store, case: dict[str, Any]) -> None:
    variables = {
        **case,
        "generalAuthorisationApplies": False,
        "residualRisk": "MEDIUM",
        "approverRole": "SENIOR_OFFICIAL",
        "pccDecisionLevel": "PCC_PERSONAL",
        "pccDecisionRecordRef": "DR-2025-3",
        "costToDeliveringBody": 16568.75,
    }
    key = new_key()
    out = await deliver("request-s26-consent", variables, key=key, headers={"recipient": "HOME_OFFICE"})
    again = await deliver("request-s26-consent", variables, key=key, headers={"recipient": "HOME_OFFICE"})
    [notice] = notices(store)
    assert (
        out
        == again
        == {"generalAuthorisationApplies": False, "s26RequestRef": f"S26-IPA-2025-0042-{notice.id}"}
    )
    assert notice.recipient == "home-office@mailbox.invalid"
    for fact in (
        "s.26 Police Act 1996",
        "SERGEANT, INSPECTOR",
        "decision record DR-2025-3",
        "GBP 16568.75",
        "SENIOR_OFFICIAL",
    ):
        assert fact in notice.body
    with store.reader() as s:
        case_row = [e for e in trail(s, "IPA-2025-0042") if e.action == "case.stage"]
        assert '"to":"S26"' in case_row[-1].detail
