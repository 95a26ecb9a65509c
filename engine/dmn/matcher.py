"""A decision table's rule matching, generated as one Python function.

Looping over rules and cells in Python costs more than the cells themselves. The table's cells are known at
parse time, so we generate the matcher's source once: each rule becomes one `if` whose conditions are the
cells' inline Python expressions (constant ranges, comparisons, equality, string lists; see
engine.feel.compile.inline) or, for any other cell, a call of its compiled test. The generated code only
refers to values bound in its own namespace, never to text from the model, so nothing a model says is
executed as Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from engine.feel.compile import Env, Test

#: (input index, compiled test) for each cell of a rule that is not `-`
RuleCells = Sequence[tuple[int, Test]]
Matcher = Callable[[list[Any], Env], list[int]]


def build_matcher(rules: Sequence[RuleCells], n_inputs: int, first_only: bool) -> Matcher:
    """`match(values, env)` -> the positions of the matching rules (only the first when `first_only`)."""
    namespace: dict[str, Any] = {}
    lines = ["def match(values, env):"]
    if n_inputs:
        lines.append(f"    {', '.join(f'v{i}' for i in range(n_inputs))}, = values")
    lines.append("    hits = []")
    for r, cells in enumerate(rules):
        conditions = []
        for k, (i, test) in enumerate(cells):
            spec = getattr(test, "inline", None)
            if spec is None:
                name = f"t{r}_{k}"
                namespace[name] = test
                conditions.append(f"{name}(v{i}, env) is True")
                continue
            template, consts = spec
            names = {}
            for key, value in consts.items():
                name = f"c{r}_{k}_{key}"
                namespace[name] = value
                names[key] = name
            conditions.append(template.format(v=f"v{i}", **names))
        condition = " and ".join(conditions) or "True"
        action = f"return [{r}]" if first_only else f"hits.append({r})"
        lines.append(f"    if {condition}:\n        {action}")
    lines.append("    return hits")
    exec(compile("\n".join(lines), "<decision table matcher>", "exec"), namespace)  # noqa: S102
    matcher: Matcher = namespace["match"]
    return matcher
