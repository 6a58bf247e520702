"""Evaluating a criteria tree against one enterprise, exactly (Decimal), with per-leaf reasons.

A tree is compiled once into closures: `matches` short-circuits (the fan-out over every scored
enterprise calls it), `explain` evaluates every leaf in document order and gives the reasons an
enterprise-facing platform shows (contract 13: a leaf's `ok` is its own result, before any enclosing
`not`; `actual` is null when the value is missing). A leaf on a missing value is false, except
`exists: false`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain.policies.criteria import ROOT, All, AnyOf, Leaf, Not, json_scalar

Actual = Decimal | bool | str | None
Subject = Mapping[str, Actual]
Tree = All | AnyOf | Not | Leaf
Test = Callable[[Subject], bool]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass(frozen=True, slots=True)
class Reason:
    path: str
    field: str
    op: str
    value: Any  # JSON-ready, as the policy states it
    actual: Any  # JSON-ready; None when the enterprise has no value
    ok: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "field": self.field,
            "op": self.op,
            "value": self.value,
            "actual": self.actual,
            "ok": self.ok,
        }


def leaf_test(leaf: Leaf) -> Test:
    """The predicate of one leaf over a subject."""
    field, op, value = leaf.field, leaf.op, leaf.value
    if op == "exists":
        wanted = bool(value)
        return lambda s: (s.get(field) is not None) is wanted
    if op in _COMPARE:
        compare = _COMPARE[op]

        def test(s: Subject) -> bool:
            actual = s.get(field)
            return actual is not None and compare(actual, value)

        return test
    if op == "in":
        members = frozenset(value)
        return lambda s: (a := s.get(field)) is not None and a in members
    if op == "not_in":
        members = frozenset(value)
        return lambda s: (a := s.get(field)) is not None and a not in members
    prefixes: tuple[str, ...] = tuple(value)  # prefix
    return lambda s: isinstance(a := s.get(field), str) and a.startswith(prefixes)


def _compile(node: Tree) -> Test:
    if isinstance(node, Leaf):
        return leaf_test(node)
    if isinstance(node, Not):
        inner = _compile(node.not_)
        return lambda s: not inner(s)
    tests = tuple(_compile(c) for c in (node.all if isinstance(node, All) else node.any))
    if len(tests) == 1:
        return tests[0]
    if isinstance(node, All):
        return lambda s: all(t(s) for t in tests)
    return lambda s: any(t(s) for t in tests)


def _leaves(node: Tree, path: str, out: list[tuple[str, Leaf, Test]]) -> None:
    if isinstance(node, Leaf):
        out.append((path, node, leaf_test(node)))
    elif isinstance(node, Not):
        _leaves(node.not_, f"{path}.not", out)
    elif isinstance(node, All):
        for n, child in enumerate(node.all):
            _leaves(child, f"{path}.all[{n}]", out)
    else:
        for n, child in enumerate(node.any):
            _leaves(child, f"{path}.any[{n}]", out)


def _combine(node: Tree, results: list[bool], position: list[int]) -> bool:
    """The tree's result from its leaves' results (taken in document order)."""
    if isinstance(node, Leaf):
        ok = results[position[0]]
        position[0] += 1
        return ok
    if isinstance(node, Not):
        return not _combine(node.not_, results, position)
    children = [_combine(c, results, position) for c in (node.all if isinstance(node, All) else node.any)]
    return all(children) if isinstance(node, All) else any(children)


def _stated_value(leaf: Leaf) -> Any:
    """The leaf's value as the policy states it, JSON-ready."""
    if isinstance(leaf.value, tuple):
        return [json_scalar(v) for v in leaf.value]
    return json_scalar(leaf.value)


class Criteria:
    """A compiled tree."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self._test = _compile(tree)
        self._leaves: list[tuple[str, Leaf, Test]] = []
        _leaves(tree, ROOT, self._leaves)
        self._tests = tuple(test for _, _, test in self._leaves)
        # what each reason repeats for every enterprise, JSON-ready once
        self._stated = tuple(
            (
                path,
                leaf.field,
                leaf.op,
                [json_scalar(v) for v in leaf.value]
                if isinstance(leaf.value, tuple)
                else json_scalar(leaf.value),
            )
            for path, leaf, _ in self._leaves
        )

    @property
    def leaf_count(self) -> int:
        return len(self._leaves)

    def fields(self) -> frozenset[str]:
        return frozenset(leaf.field for _, leaf, _ in self._leaves)

    def matches(self, subject: Subject) -> bool:
        return self._test(subject)

    def leaf_results(self, subject: Subject) -> list[bool]:
        """Every leaf's own result, in document order."""
        return [test(subject) for test in self._tests]

    def explain(self, subject: Subject) -> tuple[bool, list[Reason]]:
        results = self.leaf_results(subject)
        reasons = [
            Reason(path, field, op, value, json_scalar(subject.get(field)), ok)
            for (path, field, op, value), ok in zip(self._stated, results, strict=True)
        ]
        return _combine(self.tree, results, [0]), reasons
