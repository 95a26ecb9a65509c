"""Small DMN documents for the tests."""

from __future__ import annotations

NS = "https://www.omg.org/spec/DMN/20230324/MODEL/"


def definitions(body: str, name: str = "test", namespace: str = "urn:test", extra: str = "") -> str:
    return (
        f'<definitions xmlns="{NS}" namespace="{namespace}" name="{name}" id="defs_{name}" {extra}>'
        f"{body}</definitions>"
    )


def table(
    hit_policy: str,
    inputs: list[tuple[str, str]],
    outputs: list[str],
    rules: list[tuple[list[str], list[str]]],
    aggregation: str | None = None,
    output_values: dict[str, str] | None = None,
    defaults: dict[str, str] | None = None,
) -> str:
    """A decision table; inputs are (label, expression), outputs are names, rules are (cells, outputs)."""
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    ins = "".join(
        f'<input id="in{i}" label="{label}"><inputExpression><text>{expr}</text></inputExpression></input>'
        for i, (label, expr) in enumerate(inputs)
    )
    outs = ""
    for i, name in enumerate(outputs):
        vals = (output_values or {}).get(name)
        default = (defaults or {}).get(name)
        outs += (
            f'<output id="out{i}" name="{name}">'
            + (f"<outputValues><text>{vals}</text></outputValues>" if vals else "")
            + (f"<defaultOutputEntry><text>{default}</text></defaultOutputEntry>" if default else "")
            + "</output>"
        )
    body = ""
    for r, (cells, outcells) in enumerate(rules, 1):
        body += (
            f'<rule id="rule{r}">'
            + "".join(f"<inputEntry><text>{c}</text></inputEntry>" for c in cells)
            + "".join(f"<outputEntry><text>{c}</text></outputEntry>" for c in outcells)
            + "</rule>"
        )
    return f'<decisionTable hitPolicy="{hit_policy}"{agg}>{ins}{outs}{body}</decisionTable>'


def decision(ident: str, logic: str, name: str | None = None, requires: str = "", type_ref: str = "") -> str:
    tr = f' typeRef="{type_ref}"' if type_ref else ""
    return (
        f'<decision id="{ident}" name="{name or ident}"><variable name="{name or ident}"{tr}/>'
        f"{requires}{logic}</decision>"
    )


def literal(text: str) -> str:
    return f"<literalExpression><text>{text}</text></literalExpression>"
