"""Ad-hoc sub-processes, BPMN implementation (Zeebe 8.8's AdHocSubProcessProcessor, BpmnAdHocSubProcessBehavior,
AdHocSubProcessInnerInstanceProcessor): activeElementsCollection, inner instances, completion condition,
cancelRemainingInstances, output collection, the adHocSubProcessElements variable, incidents."""

from __future__ import annotations

from pathlib import Path

from engine.runtime.engine import Engine
from engine.store.store import Store, database_url
from tests.engine.runtime.conftest import pinned_clock
from tests.engine.runtime.helpers import Harness, bpmn, chain, end, ext, flow, service, start


def ad_hoc(
    inner: str,
    active: str | None = "=todo",
    condition: str | None = None,
    cancel: bool | None = None,
    output: tuple[str, str] | None = None,
) -> bytes:
    attrs = f' activeElementsCollection="{active}"' if active else ""
    if output is not None:
        attrs += f' outputCollection="{output[0]}" outputElement="{output[1]}"'
    extension = ext(f"<zeebe:adHoc{attrs} />") if attrs else ""
    cancel_attr = "" if cancel is None else f' cancelRemainingInstances="{str(cancel).lower()}"'
    cond = f"<bpmn:completionCondition>{condition}</bpmn:completionCondition>" if condition else ""
    element = f'<bpmn:adHocSubProcess id="ad"{cancel_attr}>{extension}{inner}{cond}</bpmn:adHocSubProcess>'
    return bpmn(start() + element + service("after", "after") + end() + chain("start", "ad", "after", "end"))


TASKS = service("A", "a") + service("B", "b") + '<bpmn:task id="C" name="Check" />'
INNER = "ad#innerInstance"


def keys(h: Harness, pi: int, element_id: str) -> list[int]:
    return [
        int(r["key"])
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", pi=pi)
        if r["value"]["elementId"] == element_id
    ]


async def test_the_listed_elements_run_each_in_an_inner_instance(h: Harness) -> None:
    await h.deploy(ad_hoc(TASKS))
    pi = await h.start(todo=["A", "B"])
    assert h.active(pi) == ["A", "B", "ad", INNER, INNER]
    trace = h.trace(pi)
    start_at = trace.index(("ad", "ELEMENT_ACTIVATING"))
    # the inner instances are events written at once; A and B follow as ACTIVATE_ELEMENT commands, each
    # processed (ACTIVATING ... ACTIVATED) before the next
    assert trace[start_at : start_at + 10] == [
        ("ad", "ELEMENT_ACTIVATING"),
        ("ad", "ELEMENT_ACTIVATED"),
        (INNER, "ELEMENT_ACTIVATING"),
        (INNER, "ELEMENT_ACTIVATED"),
        (INNER, "ELEMENT_ACTIVATING"),
        (INNER, "ELEMENT_ACTIVATED"),
        ("A", "ELEMENT_ACTIVATING"),
        ("A", "ELEMENT_ACTIVATED"),
        ("B", "ELEMENT_ACTIVATING"),
        ("B", "ELEMENT_ACTIVATED"),
    ]
    [ad_key] = keys(h, pi, "ad")
    inner = keys(h, pi, INNER)
    activated = {
        r["value"]["elementId"]: r["value"]
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        if r["value"]["elementId"] in ("A", "B")
    }
    assert activated["A"]["flowScopeKey"] == inner[0] and activated["B"]["flowScopeKey"] == inner[1]
    inner_value = next(
        r["value"]
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        if r["value"]["elementId"] == INNER
    )
    assert (inner_value["bpmnElementType"], inner_value["bpmnEventType"], inner_value["flowScopeKey"]) == (
        "AD_HOC_SUB_PROCESS_INNER_INSTANCE",
        "UNSPECIFIED",
        ad_key,
    )
    # the metadata of the activatable elements, a local variable of the ad-hoc sub-process
    assert h.variables(ad_key) == {
        "adHocSubProcessElements": [
            {"elementId": "A"},
            {"elementId": "B"},
            {"elementId": "C", "elementName": "Check"},
        ]
    }
    # without a completion condition it completes when everything activated has
    await h.complete("a")
    assert h.active(pi) == ["B", "ad", INNER]
    await h.complete("b")
    assert h.active(pi) == ["after"]


async def test_without_elements_to_activate_it_stays_active(h: Harness) -> None:
    await h.deploy(ad_hoc(TASKS, active=None))
    pi = await h.start()
    assert h.active(pi) == ["ad"]
    await h.deploy(ad_hoc(TASKS), "again.bpmn")
    pi2 = await h.start(todo=[])
    assert h.active(pi2) == ["ad"]


async def test_a_fulfilled_completion_condition_cancels_the_remaining_instances(h: Harness) -> None:
    await h.deploy(ad_hoc(TASKS, condition="=done"))
    pi = await h.start(todo=["A", "B"], done=False)
    await h.complete("a", done=True)
    assert h.active(pi) == ["after"]
    trace = h.trace(pi)
    inner_done = trace.index((INNER, "ELEMENT_COMPLETED"))
    assert trace[inner_done + 1 : inner_done + 9] == [
        (INNER, "ELEMENT_TERMINATING"),
        ("B", "ELEMENT_TERMINATING"),
        ("B", "ELEMENT_TERMINATED"),
        (INNER, "ELEMENT_TERMINATED"),
        ("ad", "ELEMENT_COMPLETING"),
        ("ad", "ELEMENT_COMPLETED"),
        ("ad_to_after", "SEQUENCE_FLOW_TAKEN"),
        ("after", "ELEMENT_ACTIVATING"),
    ]
    assert [r["intent"] for r in h.records("JOB", pi=pi) if r["value"]["elementId"] == "B"] == [
        "CREATED",
        "CANCELED",
    ]


async def test_without_cancel_remaining_instances_it_waits_for_them(h: Harness) -> None:
    await h.deploy(ad_hoc(TASKS, condition="=done", cancel=False))
    pi = await h.start(todo=["A", "B"], done=False)
    await h.complete("a", done=True)
    assert h.active(pi) == ["B", "ad", INNER]
    await h.complete("b")
    assert h.active(pi) == ["after"]


async def test_a_false_completion_condition_keeps_it_active(h: Harness) -> None:
    await h.deploy(ad_hoc(TASKS, condition="=done"))
    pi = await h.start(todo=["A"], done=False)
    await h.complete("a")
    assert h.active(pi) == ["ad"]


async def test_an_element_can_be_listed_twice_and_flows_run_inside_the_inner_instance(h: Harness) -> None:
    inner = service("A1", "a1") + service("A2", "a2") + flow("A1", "A2") + service("B", "b")
    await h.deploy(ad_hoc(inner))
    pi = await h.start(todo=["A1", "A1"])
    first, second = keys(h, pi, INNER)
    jobs = await h.jobs("a1")
    assert [j["elementId"] for j in jobs] == ["A1", "A1"]
    await h.engine.complete_job(jobs[0]["key"], {})
    a2 = next(
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        if r["value"]["elementId"] == "A2"
    )
    assert a2["value"]["flowScopeKey"] == first  # the sequence flow stays in the inner instance
    assert h.active(pi) == ["A1", "A2", "ad", INNER, INNER]
    await h.complete("a2")
    assert h.active(pi) == ["A1", "ad", INNER]
    assert h.live(pi, INNER).key == second


async def test_the_output_collection_gathers_each_inner_result_and_reaches_the_parent(h: Harness) -> None:
    await h.deploy(ad_hoc(TASKS, output=("results", "=result")))
    pi = await h.start(todo=["A", "B"])
    [ad_key] = keys(h, pi, "ad")
    assert h.variables(ad_key)["results"] == [] and h.variables(ad_key)["result"] is None
    await h.complete("b", result="from b")
    await h.complete("a", result="from a")
    assert h.variables(pi)["results"] == ["from b", "from a"]
    assert "result" not in h.variables(pi)  # it lived in the ad-hoc sub-process's scope
    variable_records = [
        (r["intent"], r["value"]["name"])
        for r in h.records("VARIABLE", pi=pi)
        if r["value"]["scopeKey"] == ad_key
    ]
    assert variable_records[:3] == [
        ("CREATED", "adHocSubProcessElements"),
        ("CREATED", "results"),
        ("CREATED", "result"),
    ]


# -- incidents ------------------------------------------------------------------------------------------------


async def test_active_elements_that_are_not_a_list_of_known_ids_are_incidents(h: Harness) -> None:
    inner = service("A1", "a1") + '<bpmn:task id="A2" />' + flow("A1", "A2") + service("B", "b")
    await h.deploy(ad_hoc(inner))
    expected = {
        None: "Failed to activate ad-hoc elements. Expected result of the expression 'todo' to be 'ARRAY', but was 'NULL'.",
        1: "Failed to activate ad-hoc elements. Expected result of the expression 'todo' to be 'ARRAY', but was 'NUMBER'.",
        (1,): (
            "Failed to activate ad-hoc elements. Expected result of the expression 'todo' to be 'ARRAY' containing "
            "'STRING' items, but was 'ARRAY' containing at least one non-'STRING' item."
        ),
    }
    for todo, message in expected.items():
        pi = await h.start(todo=list(todo) if isinstance(todo, tuple) else todo)
        inc = h.incident(pi)
        assert (inc["element_id"], inc["error_type"], inc["error_message"]) == (
            "ad",
            "EXTRACT_VALUE_ERROR",
            message,
        )
    # an unknown id, and one with an incoming flow (not an ad-hoc activity)
    pi = await h.start(todo=["A1", "A2", "X"])
    [ad_key] = keys(h, pi, "ad")
    assert h.incident(pi)["error_message"] == (
        f"Expected to activate activities for ad-hoc sub-process with key '{ad_key}', but the given elements "
        "[A2, X] do not exist."
    )
    assert h.trace(pi, "ad") == [("ad", "ELEMENT_ACTIVATING")]
    # fixing the variable and resolving the incident activates the elements
    await h.engine.set_variables(pi, {"todo": ["A1", "B"]}, local=False)
    await h.engine.resolve_incident(h.incident(pi)["key"])
    assert h.active(pi) == ["A1", "B", "ad", INNER, INNER]


async def test_a_completion_condition_that_is_not_boolean_is_an_incident_on_the_inner_instance(
    h: Harness,
) -> None:
    await h.deploy(ad_hoc(TASKS, condition="=check"))
    pi = await h.start(todo=["A", "C"], check="not a boolean")
    inc = h.incident(pi)
    assert (inc["element_id"], inc["error_type"]) == (INNER, "EXTRACT_VALUE_ERROR")
    assert inc["error_message"] == (
        "Failed to evaluate completion condition. Expected result of the expression 'check' to be 'BOOLEAN', but "
        "was 'STRING'."
    )
    await h.engine.set_variables(pi, {"check": True}, local=False)
    await h.engine.resolve_incident(inc["key"])
    assert h.active(pi) == ["after"]


# -- recovery -------------------------------------------------------------------------------------------------


async def test_an_ad_hoc_sub_process_survives_a_restart(tmp_path: Path) -> None:
    engine = Engine(Store(database_url(tmp_path)), pinned_clock())
    await engine.start()
    h = Harness(engine)
    await h.deploy(ad_hoc(TASKS, condition="=count(results) = 2", output=("results", "=result")))
    pi = await h.start(todo=["A", "B", "B"])
    await h.complete("a", result=1)
    await engine.stop()

    engine = Engine(Store(database_url(tmp_path)), pinned_clock())
    await engine.start()
    h = Harness(engine)
    try:
        assert h.active(pi) == ["B", "B", "ad", INNER, INNER]
        jobs = await h.jobs("b")
        await engine.complete_job(jobs[0]["key"], {"result": 2})
        # the condition holds: the other B is cancelled, the collection reaches the process
        assert h.active(pi) == ["after"]
        assert h.variables(pi)["results"] == [1, 2]
    finally:
        await engine.stop()
