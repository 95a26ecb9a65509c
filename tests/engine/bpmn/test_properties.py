"""Garbled or mutated resources are rejected with BpmnParseError, never with any other exception."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.bpmn import BpmnParseError, parse_bpmn
from tests.engine.bpmn.helpers import DIAGRAMS

SAMPLE = (DIAGRAMS / "approval.bpmn").read_bytes()
_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse(data: bytes | str) -> None:
    with contextlib.suppress(BpmnParseError):
        parse_bpmn(data, "mutated.bpmn")


@_SETTINGS
@given(st.integers(0, len(SAMPLE)), st.integers(0, 200), st.binary(max_size=40))
def test_byte_splices(at: int, cut: int, insert: bytes) -> None:
    _parse(SAMPLE[:at] + insert + SAMPLE[at + cut :])


@_SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    _parse(text)


def _elements() -> list[ET.Element]:
    return list(ET.fromstring(SAMPLE).iter())


_COUNT = len(_elements())
_VALUES = st.sampled_from(
    ["", " ", "=", "= ", "=a +", "=x", "nope", "Flow_low", "Task_record", "true", "R/PT1M"]
)


@_SETTINGS
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["drop_attr", "set_attr", "remove", "duplicate", "text"]), st.integers(0, _COUNT)
        ),
        min_size=1,
        max_size=6,
    ),
    _VALUES,
)
def test_structural_mutations(ops: list[tuple[str, int]], value: str) -> None:
    root = ET.fromstring(SAMPLE)
    for op, index in ops:
        nodes = list(root.iter())
        node = nodes[index % len(nodes)]
        parents = {c: p for p in root.iter() for c in p}
        if op == "drop_attr" and node.attrib:
            del node.attrib[sorted(node.attrib)[index % len(node.attrib)]]
        elif op == "set_attr" and node.attrib:
            node.set(sorted(node.attrib)[index % len(node.attrib)], value)
        elif op == "remove" and node in parents:
            parents[node].remove(node)
        elif op == "duplicate" and node in parents:
            parents[node].append(node)
        elif op == "text":
            node.text = value
    _parse(ET.tostring(root))


def test_sample_itself_parses() -> None:
    assert [m.bpmn_process_id for m in parse_bpmn(SAMPLE, "approval.bpmn")] == ["assistance-approval"]
