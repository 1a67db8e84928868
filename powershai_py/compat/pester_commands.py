"""Pester's commands in the runner: ``Describe``, ``Context``, ``It``, the hooks,
``BeforeDiscovery`` and ``Should``; and the control-flow signals script blocks share.

:class:`PesterCommands` is a part of the runner's class (:mod:`.runner`): it fills the
:class:`~.pester.Suite` while the file runs (discovery) and checks ``Should`` with the
predicates of :mod:`.should`, so a Pester file's assertions mean the same in the runner as in
its translation.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping
from typing import Any

from . import pester, should
from . import semantics as ps
from .language import CompatSyntaxError, Node
from .objects import Hashtable, unwrap

__all__ = ["PesterCommands", "Flow", "Break", "Continue", "Return", "child_scope"]


class Flow(Exception):  # noqa: N818 - control flow, not an error
    """break, continue or return, carrying what was written to the output before it."""

    def __init__(self, values: list[Any] | None = None) -> None:
        super().__init__()
        self.values = values or []


class Break(Flow):
    pass


class Continue(Flow):
    pass


class Return(Flow):
    pass


def child_scope(parent: Hashtable, data: Mapping[str, Any]) -> Hashtable:
    """A child scope: reads its parent's variables, writes its own; holds ``data`` too."""
    scope = Hashtable(parent)
    scope.update(data)
    return scope


class PesterCommands:
    """The runner's Pester commands; the runner gives the attributes and methods named here."""

    vars: Hashtable
    suite: pester.Suite

    def block(self, node: Node) -> list[Any]:
        raise NotImplementedError

    def expr(self, node: Node) -> Any:
        raise NotImplementedError

    def child(self, scope: Hashtable) -> PesterCommands:
        raise NotImplementedError

    def discover(self, body: Node) -> None:
        """Run a Describe's body now, as Pester's discovery does; what it writes is dropped."""
        with contextlib.suppress(Return):
            self.block(body)

    def run_body(self, body: Node, scope: Hashtable) -> None:
        """Run a script block's body in ``scope``; what it writes goes nowhere (Pester's hooks and tests)."""
        with contextlib.suppress(Return):
            self.child(scope).block(body)

    def pester(self, name: str, node: Node, piped: list[Any] | None) -> list[Any]:
        """Describe, Context, It, the hooks, BeforeDiscovery (compat.pester) and Should."""
        if name == "should":
            self.should(node, piped or [])
            return []
        arguments = ps.split_arguments(node.children, lambda given: given.casefold() == "skip")
        named = {key.casefold(): value for key, value in arguments.named}
        bodies = [arg for arg in arguments.positional if arg.kind == "scriptblock"]
        bodies += [v for k, v in named.items() if k in ("fixture", "test", "scriptblock") and v is not None]
        if len(bodies) != 1 or bodies[0].kind != "scriptblock":
            raise CompatSyntaxError(f"{node.value} takes one {{ script block }}", node.line, node.column)
        body = bodies[0].children[0]
        if name == "beforediscovery":
            self.block(body)
            return []
        if name in pester.HOOKS:
            self.suite.hook(name, body)
            return []
        titles = [arg for arg in arguments.positional if arg.kind != "scriptblock"] or [named.get("name")]
        skip = "skip" in named and (named["skip"] is None or ps.truthy(self.expr(named["skip"])))
        cases = named.get("foreach", named.get("testcases"))
        for item in ps.items(self.expr(cases)) if cases is not None else [None]:
            data = Hashtable(unwrap(item)) if isinstance(unwrap(item), Mapping) else Hashtable()
            if cases is not None:
                data["_"] = item
            inner = self.child(child_scope(self.vars, data))
            title = ps.interpolate(inner.expr(titles[0])) if titles[0] is not None else ""
            if name == "it":
                self.suite.test(title, body, data, skip)
            else:
                self.suite.block(title, data, functools.partial(inner.discover, body), skip)
        return []

    def should(self, node: Node, piped: list[Any]) -> None:
        """``Should -Operator expected``: raise AssertionError, saying why, when it does not hold."""
        try:
            call = pester.read_should(node.children)
        except ValueError as problem:
            raise CompatSyntaxError(str(problem), node.line, node.column) from None
        operator = call.operator
        negate = call.negate is True or (call.negate is not False and ps.truthy(self.expr(call.negate)))
        actual = ps.items(self.expr(call.actual)) if call.actual is not None else piped
        expected = self.expr(call.expected) if call.expected is not None else None
        because = self.expr(call.because) if call.because is not None else None
        if operator == "throw":
            message = self.expr(call.message) if call.message is not None else None
            self.should_throw(actual, negate, message)
            return
        function, takes = should.OPERATORS[operator]
        test = getattr(should, function)
        holds = test(actual, expected) if takes else test(actual)
        if holds == negate:
            raise AssertionError(should.failure(operator, actual, expected, negate, because))
    def should_throw(self, actual: list[Any], negate: bool, expected: Any) -> None:
        blocks = [item for item in actual if isinstance(item, Node) and item.kind == "scriptblock"]
        if len(blocks) != 1:
            raise CompatSyntaxError("Should -Throw takes a { script block } piped into it", 0, 0)
        try:
            self.run_body(blocks[0].children[0], child_scope(self.vars, {}))
        except Flow:
            raise
        except Exception as error:  # noqa: BLE001 - what -Throw looks for
            text = str(error)
            if negate:
                raise AssertionError(f"Expected no exception to be thrown, but got: {text}") from None
            if expected is not None and not ps.compare("like", text, unwrap(expected)):
                raise AssertionError(
                    f"Expected an exception with message like {expected!r}, but got: {text}"
                ) from None
            return
        if not negate:
            raise AssertionError("Expected an exception to be thrown, but no exception was thrown.")
