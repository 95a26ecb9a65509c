"""Deployment errors, formatted as Zeebe's `ValidationErrorFormatter` writes them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation result: `path` names the element (`task1 > extensionElements > taskDefinition`)."""

    path: str
    message: str
    severity: str = "ERROR"


def format_problems(problems: list[Problem] | tuple[Problem, ...]) -> str:
    """Group by element (first-seen order) like `ModelValidationResultsImpl.write`."""
    grouped: dict[str, list[Problem]] = {}
    for p in problems:
        grouped.setdefault(p.path, []).append(p)
    out: list[str] = []
    for path, items in grouped.items():
        out.append(f"- Element: {path}\n")
        out.extend(f"    - {p.severity}: {p.message}\n" for p in items)
    return "".join(out)


class BpmnParseError(ValueError):
    """A resource Zeebe would reject at deployment.

    `str()` is `'<resource>': <details>`, the line Zeebe appends to
    `Expected to deploy new resources, but encountered the following errors:`; `details` is the validator
    output (or the XML parser's message), `problems` the structured results (empty for unreadable XML).
    """

    def __init__(self, resource_name: str, details: str, problems: tuple[Problem, ...] = ()) -> None:
        self.resource_name = resource_name
        self.details = details
        self.problems = problems
        super().__init__(f"'{resource_name}': {details}")

    @classmethod
    def from_problems(cls, resource_name: str, problems: list[Problem]) -> BpmnParseError:
        return cls(resource_name, format_problems(problems), tuple(problems))
