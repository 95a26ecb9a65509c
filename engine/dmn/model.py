"""The DMN model: immutable dataclasses produced by the parser.

Expressions keep their source text (for messages and explanations) and the compiled form, filled in by the
parser so that evaluation never parses again. Compiled forms are typed `Any` here to keep this module free of
the evaluator's imports; `boxed.py` and `tables.py` define what they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class DmnParseError(Exception):
    """A model that cannot be deployed: bad XML, not DMN, or an invalid element/expression."""


class DmnEvalError(Exception):
    """A failure that aborts a decision (camunda dialect) or nulls it (spec dialect)."""


# ---------------------------------------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class ItemDefinition:
    name: str
    type_ref: str | None
    #: unary-test text of allowedValues / typeConstraint (compiled by typing.py)
    allowed_values: str | None = None
    components: tuple[ItemDefinition, ...] = ()
    is_collection: bool = False
    #: a functionItem: parameter types and output type
    function_params: tuple[tuple[str, str | None], ...] | None = None
    function_output: str | None = None
    compiled_allowed: Any = field(default=None, compare=False, repr=False)


# ---------------------------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Expr:
    """Base of boxed expressions. `kind` is the Zeebe decision type name when used as decision logic."""

    id: str | None
    type_ref: str | None


@dataclass(frozen=True, slots=True)
class LiteralExpression(Expr):
    text: str
    compiled: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ContextEntry:
    name: str | None  # None: the result entry
    type_ref: str | None
    expr: Expr


@dataclass(frozen=True, slots=True)
class ContextExpr(Expr):
    entries: tuple[ContextEntry, ...]


@dataclass(frozen=True, slots=True)
class ListExpr(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class RelationExpr(Expr):
    columns: tuple[str, ...]
    rows: tuple[tuple[Expr, ...], ...]


@dataclass(frozen=True, slots=True)
class InvocationExpr(Expr):
    callee: Expr
    bindings: tuple[tuple[str, Expr | None], ...]


@dataclass(frozen=True, slots=True)
class FunctionDefinitionExpr(Expr):
    params: tuple[tuple[str, str | None], ...]
    body: Expr | None
    kind: str = "FEEL"


@dataclass(frozen=True, slots=True)
class ConditionalExpr(Expr):
    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class FilterExpr(Expr):
    source: Expr
    match: Expr


@dataclass(frozen=True, slots=True)
class IteratorExpr(Expr):
    kind: str  # "for" | "some" | "every"
    variable: str
    source: Expr
    body: Expr


@dataclass(frozen=True, slots=True)
class InputClause:
    id: str | None
    label: str | None
    text: str
    type_ref: str | None
    input_values: str | None
    compiled: Any = field(default=None, compare=False, repr=False)
    compiled_values: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class OutputClause:
    id: str | None
    label: str | None
    name: str | None
    type_ref: str | None
    output_values: str | None
    default_text: str | None
    compiled_values: Any = field(default=None, compare=False, repr=False)
    compiled_default: Any = field(default=None, compare=False, repr=False)
    #: outputValues evaluated as a list, for P/O priority (None when not literal)
    priorities: tuple[Any, ...] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str | None
    index: int  # 1-based
    input_texts: tuple[str, ...]
    output_texts: tuple[str, ...]
    #: compiled unary tests per input; None for "-" (always matches)
    tests: tuple[Any, ...] = field(default=(), compare=False, repr=False)
    outputs: tuple[Any, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class DecisionTable(Expr):
    hit_policy: str  # U A P F C R O
    aggregation: str | None  # SUM COUNT MIN MAX
    inputs: tuple[InputClause, ...]
    outputs: tuple[OutputClause, ...]
    rules: tuple[Rule, ...]
    output_label: str | None = None


# ---------------------------------------------------------------------------------------------- DRG elements


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a DRG element: `namespace` None means the referring model."""

    namespace: str | None
    id: str


@dataclass(frozen=True, slots=True)
class InputData:
    id: str
    name: str
    type_ref: str | None


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    name: str
    type_ref: str | None
    required_decisions: tuple[Ref, ...]
    required_inputs: tuple[Ref, ...]
    required_knowledge: tuple[Ref, ...]
    logic: Expr | None
    #: names visible to the decision's expressions (passed to the FEEL tokenizer)
    version_tag: str | None = None


@dataclass(frozen=True, slots=True)
class BusinessKnowledgeModel:
    id: str
    name: str
    type_ref: str | None
    required_knowledge: tuple[Ref, ...]
    logic: FunctionDefinitionExpr | None


@dataclass(frozen=True, slots=True)
class DecisionService:
    id: str
    name: str
    type_ref: str | None
    output_decisions: tuple[Ref, ...]
    encapsulated_decisions: tuple[Ref, ...]
    input_decisions: tuple[Ref, ...]
    input_data: tuple[Ref, ...]


@dataclass(frozen=True, slots=True)
class Import:
    namespace: str
    name: str
    import_type: str | None


@dataclass(frozen=True, slots=True)
class DmnModel:
    name: str
    namespace: str
    id: str | None
    source: str
    imports: tuple[Import, ...]
    item_definitions: dict[str, ItemDefinition]
    decisions: dict[str, Decision]  # by id
    inputs: dict[str, InputData]
    bkms: dict[str, BusinessKnowledgeModel]
    services: dict[str, DecisionService]
    #: imported models by namespace (resolved at parse time from the models handed to the parser)
    imported: dict[str, DmnModel] = field(default_factory=dict, compare=False, repr=False)
    #: every name the model's expressions may use (for the FEEL tokenizer)
    names: frozenset[str] = frozenset()
    #: per-model runtime caches (resolved types, element lookups), filled on first use
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def element_by_name(
        self, name: str
    ) -> Decision | InputData | BusinessKnowledgeModel | DecisionService | None:
        for table in (self.decisions, self.inputs, self.bkms, self.services):
            for el in table.values():
                if el.name == name:
                    return el
        return None

    def decision(self, key: str) -> Decision | None:
        """A decision by id, or else by name."""
        d = self.decisions.get(key)
        if d is not None:
            return d
        for d in self.decisions.values():
            if d.name == key:
                return d
        return None
