"""The real process on the embedded engine with the real workers over gRPC: every end state of domain.md §10.7.

The engine runs in-process (gRPC on a free port, its own SQLite), the worker service polls it through pyzeebe
exactly as against a Camunda 8 cluster, and the casework store is a SQLite file the test reads back. People are
played by completing Camunda user tasks with what their forms submit; outside parties by publishing messages;
time by pinning the engine clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine.config import EngineSettings
from engine.runtime.engine import Engine
from engine.server import running_engine
from engine.store import schema
from ipa.reference import TravelAdvice
from ipa.store import AuditEntry, Costing, Document, Notice, Store, approvals_for, get_case
from tests.process.answers import ANSWERS, LOW_RISK
from workers.config import WorkerSettings
from workers.jobs_shared import use_publisher, use_store
from workers.jobs_travel import use_advice_source
from workers.service import build_worker

ROOT = Path(__file__).resolve().parents[2]
MAIN = "international-assistance-request"
DMN_FILES = sorted((ROOT / "dmn").glob("*.dmn"))
#: 2025-03-03T09:00:00Z, a Monday: the request arrives then and starts three months later
T0 = 1_740_992_400_000
DAY = 86_400_000

pytestmark = pytest.mark.skipif(not DMN_FILES, reason="dmn/ holds no decisions yet")

REQUEST: dict[str, Any] = {
    "requestId": "IPA-2025-0101",
    "receivedVia": "JIPH",
    "receivedOn": "2025-03-03",
    "requesterType": "FOREIGN_POLICE",
    "requesterOrg": "Jamaica Constabulary Force",
    "countryCode": "JM",
    "deliveringBody": "COLLEGE",
    "purpose": "TRAINING",
    "assistanceType": "TRAINING_COURSE",
    "title": "Investigative interviewing",
    "policingArea": "INVESTIGATION",
    "deliveryLocation": "IN_COUNTRY",
    "startDate": "2025-06-02",
    "durationDays": 5,
    "ukStaffCount": 2,
    "ukStaffRanks": ["SERGEANT", "INSPECTOR"],
    "recipientCount": 12,
    "fundingSource": "HMG_PROGRAMME",
    "funderName": "CSSF",
    "contractValue": 0,
}


def at(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso).timestamp() * 1000)


@dataclass
class System:
    engine: Engine
    store: Store
    #: current FCDO advice by country, as the travel re-check sees it
    advice: dict[str, TravelAdvice]
    answers: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {k: dict(v) for k, v in ANSWERS.items()}
    )
    pi: int = 0
    request_id: str = REQUEST["requestId"]
    tasks_done: list[str] = field(default_factory=list)

    async def start(self, **request: Any) -> System:
        variables = {k: v for k, v in {**REQUEST, **request}.items() if v is not ...}
        self.request_id = variables["requestId"]
        await self.engine.publish_message("RequestReceived", self.request_id, 0, "", variables)
        self.pi = self.engine.state.message_started[(MAIN, self.request_id)]
        return self

    async def publish(self, name: str, **variables: Any) -> None:
        await self.engine.publish_message(name, self.request_id, 0, "", variables)

    def open_tasks(self) -> dict[str, Any]:
        return {t.element_instance.element.id: t for t in self.engine.state.user_tasks.values()}

    def waiting(self) -> set[str]:
        return {ei.element.id for ei in self.engine.state.element_instances.values() if not ei.is_process}

    def incidents(self) -> list[dict[str, Any]]:
        return self.engine.store.rows(schema.incidents, schema.incidents.c.state == "ACTIVE")

    def ended(self) -> bool:
        rows = self.engine.store.rows(schema.process_instances, schema.process_instances.c.key == self.pi)
        return bool(rows) and rows[0]["state"] == "COMPLETED"

    async def until(self, *stops: str, timeout: float = 15.0) -> str:
        """Let the workers work and answer every open user task (except `stops`) until one of `stops` waits, or
        the instance has ended (''). Fails at once on an incident."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if incidents := self.incidents():
                raise AssertionError(
                    f"incident: {[(i['element_id'], i['error_message']) for i in incidents]}"
                )
            live = self.waiting()
            hit = [s for s in stops if s in live]
            if hit:
                # the state in memory runs one batch ahead of the store the assertions read: let it land
                await self.engine.execute(lambda ctx, p: None)
                return hit[0]
            if self.ended():
                return ""
            answerable = [e for e in self.open_tasks() if e in self.answers and e not in stops]
            if answerable:
                await self.complete(answerable[0])
                continue
            await asyncio.sleep(0.02)
        raise AssertionError(f"no progress towards {stops or 'the end'}; waiting at {self.waiting()}")

    async def complete(self, element_id: str, **variables: Any) -> None:
        task = self.open_tasks()[element_id]
        await self.engine.complete_user_task(task.key, {**self.answers.get(element_id, {}), **variables})
        self.tasks_done.append(element_id)

    async def finish(self, status: str) -> dict[str, Any]:
        assert await self.until() == "", self.waiting()
        v = self.variables()
        assert v["finalStatus"] == status
        with self.store.reader() as s:
            case = get_case(s, self.request_id)
            assert case is not None and case.final_status == status, "record-outcome closed the case"
        return v

    def variables(self) -> dict[str, Any]:
        rows = self.engine.store.rows(schema.variables, schema.variables.c.scope_key == self.pi)
        return {r["name"]: json.loads(r["value"]) for r in rows}

    def passed(self) -> list[str]:
        """Element ids of every completed element instance (the called OSJA process's too), in order."""
        rows = self.engine.store.rows(
            schema.element_instances, schema.element_instances.c.state == "COMPLETED"
        )
        return [r["element_id"] for r in sorted(rows, key=lambda r: r["key"])]

    def reached(self) -> set[str]:
        """Element ids of every element instance in any state (an error end event never completes: its throw
        terminates the scope)."""
        return {r["element_id"] for r in self.engine.store.rows(schema.element_instances)}

    def audit_actions(self) -> list[str]:
        with self.store.reader() as s:
            return [
                e.action
                for e in s.scalars(select(AuditEntry).where(AuditEntry.request_id == self.request_id))
            ]


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[System]:
    # by the environment names: EngineSettings has no populate_by_name, so field names would be ignored
    settings = EngineSettings.model_validate(
        {
            "IPA_ENGINE_HOST": "127.0.0.1",
            "IPA_ENGINE_GRPC_PORT": 0,
            "IPA_ENGINE_HTTP_PORT": 0,
            "IPA_DATA_DIR": tmp_path,
        }
    )
    assert settings.grpc_port == 0 and settings.data_dir == tmp_path
    store = Store(f"sqlite:///{tmp_path / 'casework.db'}")
    store.migrate()
    use_store(store)
    advice: dict[str, TravelAdvice] = {}
    use_advice_source(lambda code: advice.get(code, TravelAdvice.NO_ADVICE_AGAINST))
    async with running_engine(settings) as running:
        await running.engine.set_clock(T0)
        await running.engine.deploy(
            [
                (p.name, p.read_bytes())
                for d in ("bpmn", "dmn", "forms")
                for p in sorted((ROOT / d).glob("*.*"))
            ]
        )
        worker = build_worker(
            WorkerSettings(
                zeebe_address=running.grpc_address, insecure=True, job_timeout_ms=30_000, name="paths"
            )
        )
        work = asyncio.create_task(worker.work())
        try:
            yield System(running.engine, store, advice)
        finally:
            await worker.stop()
            work.cancel()
            with contextlib.suppress(BaseException):
                await work
            use_store(None)
            use_publisher(None)
            use_advice_source(None)
            store.dispose()


async def approved(system: System, **request: Any) -> None:
    """Through stages A to E: low risk, College, HoD approval, Home Office consent."""
    await system.start(**request)
    assert await system.until("PostStage1Received") == "PostStage1Received"
    await system.publish("PostStage1Received", stage1Date="2025-02-20")
    assert await system.until("JiphDecision") == "JiphDecision"
    await system.publish("JIPHDecision", jiphDecision="APPROVE")
    assert await system.until("HomeOfficeConsent") == "HomeOfficeConsent"
    await system.publish("HomeOfficeS26Consent", s26Consent="CONSENT", s26ConsentRef="HO-S26-9")


async def test_completed(system: System) -> None:
    await approved(system)
    assert await system.until("TimerT72") == "TimerT72"
    await system.engine.set_clock(at("2025-05-30T09:00:00+01:00"))
    assert await system.until("TimerT24") == "TimerT24"
    await system.engine.set_clock(at("2025-06-01T09:00:00+01:00"))
    assert await system.until("EvaluationTimer") == "EvaluationTimer"
    await system.engine.set_clock(at("2025-06-01T09:00:00+01:00") + 31 * DAY)
    v = await system.finish("COMPLETED")
    passed = system.passed()
    for element in (
        "ValidateRequest",
        "EnrichCountryProfile",
        "ComputeCosting",
        "RequestPostStage1",
        "GenerateIpabForm",
        "SubmitToJiph",
        "HodApproval",
        "RequestS26Consent",
        "RecheckT72",
        "RecheckT24",
        "DeliverAssistance",
        "RecordOutcomeCompleted",
        "UpdateAggregateIncome",
        "EndCompleted",
    ):
        assert element in passed, element
    # the workers' results routed the model and landed in the store
    assert v["chargingBasis"] == "FULL_COST_RECOVERY" and v["contractValue"] == v["price"] > 0
    assert v["travelAdviceWorsened"] is False and v["incomeFinancialYear"] == "2025-26"
    assert v["ipabFormRef"].startswith("DOC-") and v["s26RequestRef"].startswith("S26-IPA-2025-0101-")
    with system.store.reader() as s:
        assert len(list(s.scalars(select(Costing)))) == 1
        assert {d.media_type for d in s.scalars(select(Document))} == {"application/pdf", "application/json"}
        assert [a.role for a in approvals_for(s, system.request_id)] == [
            "HEAD_OF_DEPARTMENT",
            "CHIEF_CONSTABLE",
        ]
        outbox = [n.subject for n in s.scalars(select(Notice))]
    assert any("Stage 1" in n for n in outbox) and any("IPAB/JIPH submission" in n for n in outbox)
    assert any("s.26" in n for n in outbox)
    actions = system.audit_actions()
    assert (
        actions.count("travel_advice.checked") == 2
        and "foi.register" in actions
        and "income.recorded" in actions
    )


@pytest.mark.parametrize(
    ("request_", "review", "status", "thrown"),
    [
        ({"purpose": "UK_INVESTIGATION"}, {}, "OUT_OF_SCOPE_UK_ENQUIRY", "ThrowOutOfScopeUk"),
        ({"deliveringBody": "PSNI"}, {}, "OUT_OF_SCOPE_JURISDICTION", "ThrowOutOfScopeJurisdiction"),
        ({}, {"capabilityAvailable": False}, "DECLINED_CAPABILITY", "ThrowDeclinedCapability"),
        ({}, {"codeOfEthicsConcern": True}, "DECLINED_ETHICS", "ThrowDeclinedEthics"),
        # Afghanistan: the FCDO advises against all travel (reference snapshot) and no UK-based delivery
        (
            {"countryCode": "AF", "requesterOrg": "MoI"},
            {"ukDeliveryPossible": False},
            "DECLINED_STAFF_RISK",
            "ThrowDeclinedStaffRisk",
        ),
        ({"sanctionsOrEmbargo": True}, {}, "DECLINED_SANCTIONS", "ThrowDeclinedSanctions"),
    ],
)
async def test_intake_ends(
    system: System, request_: dict[str, Any], review: dict[str, Any], status: str, thrown: str
) -> None:
    system.answers["ScopeCapabilityReview"].update(review)
    await system.start(**request_)
    await system.finish(status)
    passed = system.passed()
    assert "ValidateRequest" in passed and thrown in system.reached()
    assert "ComputeCosting" not in passed


async def test_a_commercial_price_below_cost_is_a_bpmn_error_the_model_catches(system: System) -> None:
    # the College funded by the requesting state: commercial rate, which may not be subsidised (MPM §6.6)
    await system.start(
        fundingSource="REQUESTING_STATE", funderName="Government of Jamaica", contractValue=1000
    )
    v = await system.finish("DECLINED_COST")
    passed = system.passed()
    assert "CaughtCost" in passed and "RecordCost" in passed
    assert "ConfirmFunding" not in passed, "the error left the costing branch at the worker"
    assert v["chargingBasis"] == "COMMERCIAL_RATE"
    jobs = system.engine.store.rows(schema.records, schema.records.c.value_type == "JOB")
    assert any(json.loads(r["value"]).get("errorCode") == "DECLINED_COST" for r in jobs), (
        "thrown by compute-costing"
    )


async def test_declined_cost_when_the_subsidy_is_refused(system: System) -> None:
    system.answers["ApproveSubsidy"] = {
        "subsidyDecision": "REFUSE",
        "subsidyJustification": "Not affordable",
        "decidedBy": "Finance Director",
    }
    await system.start(fundingSource="NONE", funderName=..., contractValue=0)
    await system.finish("DECLINED_COST")
    assert {"ApproveSubsidy", "CaughtCost", "RecordCost"} <= set(
        system.passed()
    ) and "ThrowDeclinedCost" in system.reached()


async def test_declined_human_rights_by_the_minister(system: System) -> None:
    high = {
        **LOW_RISK,
        "likelihood": "HIGH",
        "seriousness": "GRAVE",
        "contribution": "DIRECT_OR_SIGNIFICANT",
        "mitigationEffective": False,
    }
    system.answers["ProjectOsjaAssessment"]["risks"] = [high]
    await system.start()
    assert await system.until("PostStage1Received") == "PostStage1Received"
    await system.publish("PostStage1Received", stage1Date="2025-02-20")
    assert await system.until("JiphDecision") == "JiphDecision"
    await system.publish("JIPHDecision", jiphDecision="APPROVE")
    assert await system.until("MinisterialDecisionTask") == "MinisterialDecisionTask"
    v = system.variables()
    assert v["approverRole"] == "MINISTER" and v["ministerialSubmissionRef"].startswith("DOC-")
    await system.complete("MinisterialDecisionTask")
    await system.finish("DECLINED_HUMAN_RIGHTS")
    assert {"PrepareMinisterialSubmission", "CaughtHumanRights", "RecordHumanRights"} <= set(system.passed())
    with system.store.reader() as s:
        names = [d.name for d in s.scalars(select(Document))]
    assert "ministerial-submission-IPA-2025-0101-v1.pdf" in names


async def test_an_invalid_request_goes_to_a_caseworker_and_on_once_corrected(system: System) -> None:
    """`validate-request` throws REQUEST_INVALID with every problem; the model catches it: no incident, a task."""
    await system.start(countryCode="XQ", durationDays=0)
    assert await system.until("CorrectRequest") == "CorrectRequest"
    problems = {p["field"]: p["message"] for p in system.variables()["requestProblems"]}
    assert set(problems) == {"countryCode", "durationDays"}, problems
    assert "XQ" in problems["countryCode"]
    task = system.open_tasks()["CorrectRequest"]
    assert set(task.candidate_groups) == {"college-ipa", "force-international-liaison"}
    with system.store.reader() as s:
        assert get_case(s, system.request_id) is None, "no case is opened for an invalid request"
    await system.complete("CorrectRequest", countryCode="JM", durationDays=5)
    assert await system.until("ScopeCapabilityReview") == "ScopeCapabilityReview"
    with system.store.reader() as s:
        case = get_case(s, system.request_id)
        assert case is not None and case.country_code == "JM"
    assert system.passed().count("ValidateRequest") == 1, "the first attempt ended in the error, not completed"


async def test_declined_by_jiph(system: System) -> None:
    await system.start()
    await system.until("PostStage1Received")
    await system.publish("PostStage1Received", stage1Date="2025-02-20")
    assert await system.until("JiphDecision") == "JiphDecision"
    await system.publish("JIPHDecision", jiphDecision="REJECT")
    await system.finish("DECLINED_JIPH")
    assert {"CaughtJiph", "RecordJiph"} <= set(system.passed()) and "ThrowDeclinedJiph" in system.reached()


async def test_declined_by_the_pcc(system: System) -> None:
    system.answers["PccDecision"]["pccDecision"] = "REFUSE"
    await system.start(deliveringBody="FORCE")
    await system.until("PostStage1Received")
    await system.publish("PostStage1Received", stage1Date="2025-02-20")
    await system.until("JiphDecision")
    await system.publish("JIPHDecision", jiphDecision="APPROVE")
    v = await system.finish("DECLINED_PCC")
    assert {"PccReferral", "PccDecision", "CaughtPcc", "RecordPcc"} <= set(system.passed())
    # a force costs on the NPCC card; well over £4,000, so the PCC decides personally (pcc_referral)
    assert v["pccDecisionLevel"] == "PCC_PERSONAL" and v["costToDeliveringBody"] > 4000


async def test_home_office_refuses_s26_consent(system: System) -> None:
    await system.start()
    await system.until("PostStage1Received")
    await system.publish("PostStage1Received", stage1Date="2025-02-20")
    await system.until("JiphDecision")
    await system.publish("JIPHDecision", jiphDecision="APPROVE")
    assert await system.until("HomeOfficeConsent") == "HomeOfficeConsent"
    await system.publish("HomeOfficeS26Consent", s26Consent="REFUSE")
    await system.finish("DECLINED_S26_REFUSED")
    assert {"RequestS26Consent", "CaughtS26Refused", "RecordS26Refused"} <= set(system.passed())


async def test_withdrawn_mid_flight(system: System) -> None:
    await system.start()
    assert await system.until("PostStage1Received") == "PostStage1Received"
    await system.publish("RequestWithdrawn", reason="no longer needed")
    await system.finish("WITHDRAWN")
    passed = system.passed()
    assert {"RequestWithdrawnStart", "RecordWithdrawn", "EndWithdrawn"} <= set(passed)
    assert "GenerateIpabForm" not in passed


async def test_expired_when_the_start_date_passes_without_approval(system: System) -> None:
    await system.start()
    assert await system.until("PostStage1Received") == "PostStage1Received"
    # Post stays silent: after 7 and 10 days it is reminded and the OSJA Lead is told
    await system.engine.set_clock(T0 + 11 * DAY)
    assert await system.until("Stage1Escalated", "Stage1Escalation") in (
        "Stage1Escalated",
        "Stage1Escalation",
    )
    await system.engine.set_clock(at("2025-06-02T00:00:00+01:00"))
    await system.finish("EXPIRED")
    passed = system.passed()
    assert {"StartDatePassed", "RecordExpired", "EndExpired"} <= set(passed)
    assert {"Stage1Reminder", "Stage1Escalation"} <= system.reached()


async def test_cancelled_after_approval_when_travel_advice_worsens(system: System) -> None:
    await approved(system)
    assert await system.until("TimerT72") == "TimerT72"
    system.advice["JM"] = TravelAdvice.AGAINST_ALL_BUT_ESSENTIAL
    await system.engine.set_clock(at("2025-05-30T09:00:00+01:00"))
    # recheck-travel-advice publishes TravelAdviceChanged: the delivery is suspended for reassessment
    assert await system.until("ReassessTravelAdviceChanged") == "ReassessTravelAdviceChanged"
    v = system.variables()
    assert (
        v["fcdoAdvice"] == "AGAINST_ALL_BUT_ESSENTIAL"
        and "now AGAINST_ALL_BUT_ESSENTIAL" in v["travelAdviceSummary"]
    )
    await system.complete(
        "ReassessTravelAdviceChanged",
        deliveryOutcome="TERMINATE",
        reassessmentNotes="x",
        decidedBy="OSJA Lead",
    )
    await system.finish("CANCELLED_POST_APPROVAL")
    passed = system.passed()
    assert {"TravelAdviceChangedStart", "RecordCancelledDelivery"} <= set(passed)
    # the message the re-check published interrupted the sub-process, the re-check itself included
    assert "RecheckT72" in system.reached() and "RecheckT72" not in passed
    assert "DeliverAssistance" not in system.reached()
