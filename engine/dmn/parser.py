"""DMN XML (1.1–1.5) → the immutable model, with every FEEL text compiled on the way."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from typing import Any

from engine.dmn.feelc import FeelCompiler
from engine.dmn.model import (
    BusinessKnowledgeModel,
    ConditionalExpr,
    ContextEntry,
    ContextExpr,
    Decision,
    DecisionService,
    DecisionTable,
    DmnModel,
    DmnParseError,
    Expr,
    FilterExpr,
    FunctionDefinitionExpr,
    Import,
    InputClause,
    InputData,
    InvocationExpr,
    ItemDefinition,
    IteratorExpr,
    ListExpr,
    LiteralExpression,
    OutputClause,
    Ref,
    RelationExpr,
    Rule,
)
from engine.feel.values import Dialect

DMN_NAMESPACES = frozenset(
    {
        "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
        "http://www.omg.org/spec/DMN/20180521/MODEL/",
        "https://www.omg.org/spec/DMN/20191111/MODEL/",
        "https://www.omg.org/spec/DMN/20211108/MODEL/",
        "https://www.omg.org/spec/DMN/20230324/MODEL/",
    }
)

HIT_POLICIES = {
    "UNIQUE": "U",
    "ANY": "A",
    "PRIORITY": "P",
    "FIRST": "F",
    "COLLECT": "C",
    "RULE ORDER": "R",
    "OUTPUT ORDER": "O",
}
AGGREGATIONS = frozenset({"SUM", "COUNT", "MIN", "MAX"})
#: boxed expressions dmn-scala (and so Zeebe) cannot deploy
CAMUNDA_UNSUPPORTED = frozenset({"conditional", "filter", "for", "some", "every"})
EXPRESSION_TAGS = frozenset(
    {
        "literalExpression",
        "decisionTable",
        "context",
        "list",
        "relation",
        "invocation",
        "functionDefinition",
        "conditional",
        "filter",
        "for",
        "some",
        "every",
    }
)


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _ns(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


class _Reader:
    """One model's parse; `where` strings build the error context (file: decision 'x': rule 2 ...)."""

    def __init__(
        self, root: ET.Element, source: str, dialect: Dialect, imported: dict[str, DmnModel], lenient: bool
    ) -> None:
        self.lenient = lenient
        self.root = root
        self.ns = _ns(root.tag)
        self.source = source
        self.dialect = dialect
        self.imported = imported
        self.names: set[str] = set()

    # -- helpers

    def children(self, el: ET.Element, name: str | None = None) -> Iterator[ET.Element]:
        for c in el:
            if _ns(c.tag) == self.ns and (name is None or _local(c.tag) == name):
                yield c

    def child(self, el: ET.Element, name: str) -> ET.Element | None:
        return next(self.children(el, name), None)

    def text_of(self, el: ET.Element | None) -> str | None:
        if el is None:
            return None
        t = self.child(el, "text")
        return None if t is None or t.text is None else t.text.strip()

    def ref(self, el: ET.Element, where: str) -> Ref:
        href = el.get("href", "")
        ns, _, ident = href.partition("#")
        if not ident:
            raise DmnParseError(f"{self.source}: {where}: invalid href '{href}'")
        return Ref(ns or None, ident)

    def type_ref(self, el: ET.Element | None) -> str | None:
        if el is None:
            return None
        tr = el.get("typeRef")
        if tr is None:
            sub = self.child(el, "typeRef")  # DMN 1.1 item definitions
            tr = sub.text.strip() if sub is not None and sub.text else None
        if tr and ":" in tr and not tr.startswith("{"):
            prefix, _, local = tr.partition(":")
            if prefix in ("feel", "FEEL") or " " not in prefix and "." not in prefix and prefix != local:
                # a QName (DMN 1.1 `feel:string`); import prefixes use '.', never ':'
                tr = local
        return tr

    # -- names (for the FEEL tokenizer)

    def collect_names(self) -> None:
        """DRG element, type, item component and import names. Parameter, context-entry and iterator names
        are added only in their own scope (a BKM parameter `Person.Gender` must not hide the path
        `Person.Gender` in the invoking decision, 0037)."""
        top = {
            "decision",
            "inputData",
            "businessKnowledgeModel",
            "decisionService",
            "itemDefinition",
            "import",
        }
        for el in self.root:
            if _ns(el.tag) != self.ns or _local(el.tag) not in top:
                continue
            if el.get("name"):
                self.names.add(el.get("name") or "")
            if _local(el.tag) == "itemDefinition":
                for c in el.iter():
                    if _local(c.tag) == "itemComponent" and c.get("name"):
                        self.names.add(c.get("name") or "")
        for m in self.imported.values():
            self.names |= m.names

    # -- item definitions

    def item_definition(self, el: ET.Element, fc: FeelCompiler) -> ItemDefinition:
        allowed = self.text_of(self.child(el, "allowedValues")) or self.text_of(
            self.child(el, "typeConstraint")
        )
        fi = self.child(el, "functionItem")
        params: tuple[tuple[str, str | None], ...] | None = None
        out: str | None = None
        if fi is not None:
            params = tuple((p.get("name", ""), self.type_ref(p)) for p in self.children(fi, "parameters"))
            out = fi.get("outputTypeRef")
        return ItemDefinition(
            name=el.get("name", ""),
            type_ref=self.type_ref(el),
            allowed_values=allowed,
            components=tuple(self.item_definition(c, fc) for c in self.children(el, "itemComponent")),
            is_collection=el.get("isCollection") == "true",
            function_params=params,
            function_output=out,
            compiled_allowed=fc.tests(allowed, f"item definition '{el.get('name')}': allowed values")
            if allowed
            else None,
        )

    # -- boxed expressions

    def logic_of(self, el: ET.Element, fc: FeelCompiler, where: str) -> Expr | None:
        for c in self.children(el):
            if _local(c.tag) in EXPRESSION_TAGS:
                return self.expression(c, fc, where)
        return None

    def expression(self, el: ET.Element, fc: FeelCompiler, where: str) -> Expr:
        tag = _local(el.tag)
        if tag == "encapsulatedLogic":  # a BKM's function definition
            tag = "functionDefinition"
        eid, tr = el.get("id"), el.get("typeRef")
        if self.dialect == "camunda" and tag in CAMUNDA_UNSUPPORTED:
            raise DmnParseError(f"{self.source}: {where}: the expression kind '{tag}' is not supported")
        if tag == "literalExpression":
            text = self.text_of(el) or ""
            return LiteralExpression(eid, tr, text, fc.expr(text, where) if text else None)
        if tag == "decisionTable":
            return self.decision_table(el, fc, where)
        if tag == "context":
            entries: list[ContextEntry] = []
            names: list[str] = []
            for i, ce in enumerate(self.children(el, "contextEntry"), 1):
                var = self.child(ce, "variable")
                name = var.get("name") if var is not None else None
                sub = self.logic_of(ce, fc.with_names(names), f"{where}: context entry {name or i}")
                if sub is None:
                    sub = LiteralExpression(ce.get("id"), None, "", None)
                entries.append(ContextEntry(name, self.type_ref(var), sub))
                if name:
                    names.append(name)
            return ContextExpr(eid, tr, tuple(entries))
        if tag == "list":
            items = [
                self.expression(c, fc, f"{where}: list item {i}")
                for i, c in enumerate(self.children(el), 1)
                if _local(c.tag) in EXPRESSION_TAGS
            ]
            return ListExpr(eid, tr, tuple(items))
        if tag == "relation":
            cols = tuple(c.get("name", "") for c in self.children(el, "column"))
            rows: list[tuple[Expr, ...]] = []
            for r, row in enumerate(self.children(el, "row"), 1):
                cells = tuple(
                    self.expression(c, fc, f"{where}: row {r} cell {i}")
                    for i, c in enumerate(self.children(row), 1)
                    if _local(c.tag) in EXPRESSION_TAGS
                )
                if len(cells) != len(cols):
                    raise DmnParseError(
                        f"{self.source}: {where}: row {r} has {len(cells)} cells for {len(cols)} columns"
                    )
                rows.append(cells)
            return RelationExpr(eid, tr, cols, tuple(rows))
        if tag == "invocation":
            callee_el = next((c for c in self.children(el) if _local(c.tag) in EXPRESSION_TAGS), None)
            if callee_el is None:
                raise DmnParseError(f"{self.source}: {where}: invocation without a function")
            callee = self.expression(callee_el, fc, f"{where}: invoked function")
            bindings: list[tuple[str, Expr | None]] = []
            for b in self.children(el, "binding"):
                p = self.child(b, "parameter")
                pname = p.get("name", "") if p is not None else ""
                bindings.append((pname, self.logic_of(b, fc, f"{where}: binding '{pname}'")))
            return InvocationExpr(eid, tr, callee, tuple(bindings))
        if tag == "functionDefinition":
            params = tuple(
                (p.get("name", ""), self.type_ref(p)) for p in self.children(el, "formalParameter")
            )
            kind = el.get("kind", "FEEL")
            inner = fc.with_names(p for p, _ in params)
            # a Java function's body is its {class, method signature} context; other kinds are not read
            body = self.logic_of(el, inner, where) if kind in ("FEEL", "Java") else None
            return FunctionDefinitionExpr(eid, tr, params, body, kind)
        if tag == "conditional":
            parts = [self._part(el, n, fc, where) for n in ("if", "then", "else")]
            return ConditionalExpr(eid, tr, parts[0], parts[1], parts[2])
        if tag == "filter":
            inner = fc.with_names(["item"])
            return FilterExpr(eid, tr, self._part(el, "in", fc, where), self._part(el, "match", inner, where))
        if tag in ("for", "some", "every"):
            it = el.get("iteratorVariable") or ""
            source = self._part(el, "in", fc, where)
            body_tag = "return" if tag == "for" else "satisfies"
            body = self._part(el, body_tag, fc.with_names([it, "partial"]), where)
            return IteratorExpr(eid, tr, tag, it, source, body)
        raise DmnParseError(f"{self.source}: {where}: unsupported expression '{tag}'")

    def _part(self, el: ET.Element, name: str, fc: FeelCompiler, where: str) -> Expr:
        part = self.child(el, name)
        sub = self.logic_of(part, fc, f"{where}: {name}") if part is not None else None
        if sub is None:
            raise DmnParseError(f"{self.source}: {where}: <{name}> is missing its expression")
        return sub

    def decision_table(self, el: ET.Element, fc: FeelCompiler, where: str) -> DecisionTable:
        raw = (el.get("hitPolicy") or "UNIQUE").strip().upper()
        hp = HIT_POLICIES.get(raw)
        if hp is None:
            raise DmnParseError(f"{self.source}: {where}: unknown hit policy '{raw}'")
        agg = el.get("aggregation")
        if agg is not None:
            agg = agg.strip().upper()
            if agg not in AGGREGATIONS:
                raise DmnParseError(f"{self.source}: {where}: unknown aggregation '{agg}'")
            if hp != "C":
                agg = None  # the attribute only means something for COLLECT
        inputs: list[InputClause] = []
        for i, inp in enumerate(self.children(el, "input"), 1):
            ie = self.child(inp, "inputExpression")
            text = self.text_of(ie) or ""
            vals = self.text_of(self.child(inp, "inputValues"))
            w = f"{where}: input {i} ({inp.get('label') or text})"
            inputs.append(
                InputClause(
                    id=inp.get("id"),
                    label=inp.get("label"),
                    text=text,
                    type_ref=self.type_ref(ie),
                    input_values=vals,
                    compiled=fc.expr(text, w) if text else None,
                    compiled_values=fc.tests(vals, f"{w}: input values") if vals else None,
                )
            )
        outputs: list[OutputClause] = []
        for i, out in enumerate(self.children(el, "output"), 1):
            vals = self.text_of(self.child(out, "outputValues"))
            default = self.text_of(self.child(out, "defaultOutputEntry"))
            w = f"{where}: output {i} ({out.get('name') or out.get('label') or ''})"
            outputs.append(
                OutputClause(
                    id=out.get("id"),
                    label=out.get("label"),
                    name=out.get("name"),
                    type_ref=self.type_ref(out),
                    output_values=vals,
                    default_text=default,
                    compiled_values=fc.tests(vals, f"{w}: output values") if vals else None,
                    compiled_default=fc.expr(default, f"{w}: default output") if default else None,
                    priorities=self._priorities(vals, fc) if vals else None,
                )
            )
        if not outputs:
            raise DmnParseError(f"{self.source}: {where}: decision table without outputs")
        if agg is not None and len(outputs) > 1:
            raise DmnParseError(f"{self.source}: {where}: aggregation {agg} needs a single output")
        rules: list[Rule] = []
        for r, rule in enumerate(self.children(el, "rule"), 1):
            rw = f"{where}: rule {r} ({rule.get('id') or ''})"
            ins = [self.text_of(c) or "-" for c in self.children(rule, "inputEntry")]
            outs = [self.text_of(c) or "" for c in self.children(rule, "outputEntry")]
            if len(ins) != len(inputs) or len(outs) != len(outputs):
                raise DmnParseError(
                    f"{self.source}: {rw}: has {len(ins)} input and {len(outs)} output entries, "
                    f"the table has {len(inputs)} inputs and {len(outputs)} outputs"
                )
            tests = tuple(
                None if t.strip() == "-" else fc.tests(t, f"{rw}: input entry {i}")
                for i, t in enumerate(ins, 1)
            )
            compiled_outs = tuple(
                fc.expr(t, f"{rw}: output entry {i}") if t else None for i, t in enumerate(outs, 1)
            )
            rules.append(Rule(rule.get("id"), r, tuple(ins), tuple(outs), tests, compiled_outs))
        return DecisionTable(
            el.get("id"),
            el.get("typeRef"),
            hp,
            agg,
            tuple(inputs),
            tuple(outputs),
            tuple(rules),
            el.get("outputLabel"),
        )

    def _priorities(self, text: str, fc: FeelCompiler) -> tuple[Any, ...] | None:
        """outputValues as a list of values, when they are plain literals (for P and O ordering)."""
        from engine.feel.values import EvalState

        try:
            value = fc.expr(f"[{text}]", "output values").evaluate({}, EvalState())
        except Exception:  # not a literal list: no priority order (ranges, names...)
            return None
        return tuple(value) if isinstance(value, list) and None not in value else None

    # -- DRG elements

    def read(self) -> DmnModel:
        self.collect_names()
        fc = FeelCompiler(self.source, self.names, self.dialect, self.lenient)
        root = self.root
        imports = tuple(
            Import(i.get("namespace", ""), i.get("name", ""), i.get("importType"))
            for i in self.children(root, "import")
        )
        items = {
            i.get("name", ""): self.item_definition(i, fc) for i in self.children(root, "itemDefinition")
        }
        decisions: dict[str, Decision] = {}
        inputs: dict[str, InputData] = {}
        bkms: dict[str, BusinessKnowledgeModel] = {}
        services: dict[str, DecisionService] = {}
        seen_ids: set[str] = set()
        for el in self.children(root):
            tag = _local(el.tag)
            if tag not in ("decision", "inputData", "businessKnowledgeModel", "decisionService"):
                continue
            ident, name = el.get("id") or el.get("name") or "", el.get("name") or ""
            if ident in seen_ids:
                raise DmnParseError(f"{self.source}: duplicate element id '{ident}'")
            seen_ids.add(ident)
            var_type = self.type_ref(self.child(el, "variable"))
            if tag == "inputData":
                inputs[ident] = InputData(ident, name, var_type)
            elif tag == "decision":
                where = f"decision '{name}' ({ident})"
                dr: list[Ref] = []
                ir: list[Ref] = []
                for req in self.children(el, "informationRequirement"):
                    for c in self.children(req):
                        (dr if _local(c.tag) == "requiredDecision" else ir).append(self.ref(c, where))
                kr = [
                    self.ref(c, where)
                    for req in self.children(el, "knowledgeRequirement")
                    for c in self.children(req, "requiredKnowledge")
                ]
                logic = self.logic_of(el, fc, where)
                decisions[ident] = Decision(
                    ident, name, var_type, tuple(dr), tuple(ir), tuple(kr), logic, el.get("versionTag")
                )
            elif tag == "businessKnowledgeModel":
                where = f"business knowledge model '{name}' ({ident})"
                kr = [
                    self.ref(c, where)
                    for req in self.children(el, "knowledgeRequirement")
                    for c in self.children(req, "requiredKnowledge")
                ]
                enc = self.child(el, "encapsulatedLogic")
                logic = self.expression(enc, fc, where) if enc is not None else None
                if logic is not None and not isinstance(logic, FunctionDefinitionExpr):
                    raise DmnParseError(f"{self.source}: {where}: encapsulated logic is not a function")
                bkms[ident] = BusinessKnowledgeModel(ident, name, var_type, tuple(kr), logic)
            else:
                if self.dialect == "camunda":
                    continue  # dmn-scala does not read decision services
                where = f"decision service '{name}' ({ident})"

                def refs(kind: str, el: ET.Element = el, where: str = where) -> tuple[Ref, ...]:
                    return tuple(self.ref(c, where) for c in self.children(el, kind))

                services[ident] = DecisionService(
                    ident,
                    name,
                    var_type,
                    refs("outputDecision"),
                    refs("encapsulatedDecision"),
                    refs("inputDecision"),
                    refs("inputData"),
                )
        return DmnModel(
            name=root.get("name", ""),
            namespace=root.get("namespace", ""),
            id=root.get("id"),
            source=self.source,
            imports=imports,
            item_definitions=items,
            decisions=decisions,
            inputs=inputs,
            bkms=bkms,
            services=services,
            imported=dict(self.imported),
            names=frozenset(self.names),
        )


def read_root(xml: bytes | str, source: str) -> ET.Element:
    """Parse the XML and check it is a DMN `definitions` element."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        raise DmnParseError(f"{source}: not well-formed XML: {e}") from None
    if _local(root.tag) != "definitions" or _ns(root.tag) not in DMN_NAMESPACES:
        raise DmnParseError(f"{source}: not a DMN model (root element {root.tag})")
    return root


def imported_namespaces(root: ET.Element) -> list[str]:
    ns = _ns(root.tag)
    return [i.get("namespace", "") for i in root if _ns(i.tag) == ns and _local(i.tag) == "import"]


def parse_model(
    xml: bytes | str,
    source: str,
    dialect: Dialect = "camunda",
    imports: Iterable[DmnModel] = (),
    lenient: bool = False,
) -> DmnModel:
    root = read_root(xml, source)
    available = {m.namespace: m for m in imports}
    # transitive imports are reachable through the imported models themselves
    wanted = {ns: available[ns] for ns in imported_namespaces(root) if ns in available}
    if dialect == "spec":
        missing = [ns for ns in imported_namespaces(root) if ns not in available]
        if missing:
            raise DmnParseError(f"{source}: imported model not found: {', '.join(missing)}")
    return _Reader(root, source, dialect, wanted, lenient).read()
