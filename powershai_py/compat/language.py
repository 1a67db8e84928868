"""PowerShell source to the small syntax tree that :mod:`.runner` and :mod:`.translator` share.

The parsing is done by a real grammar, tree-sitter-powershell; this module only walks its
concrete tree and keeps what the two back ends need. The grammar wraps every expression in
single-child precedence nodes (``logical_expression`` > ... > ``unary_expression``); those
are skipped. A statement the grammar rejects, or one this port chooses not to support, becomes
an ``unsupported`` node carrying a :class:`CompatSyntaxError` (line, column, hint): the runner
refuses the script before running anything, the translator writes a ``TODO(migrate)``.

Node kinds (``Node.kind``, with ``value`` and ``children``):

statements
    ``script`` (statements) · ``assign`` (value: variable; [pipeline]) · ``setmember``
    ([member or index node, pipeline]) · ``pipeline`` (elements: commands and expressions) ·
    ``if`` ([(condition pipeline, block script)...], value: else script or None) ·
    ``foreach`` (value: variable; [collection pipeline, block]) · ``for`` ([init, condition,
    step, block], any of the first three None) · ``while`` ([condition, block]) · ``flow``
    (value: break, continue or return; [pipeline] for a returned value) · ``function``
    (value: name; [parameters, body]) with parameters ``[(name, default or None)]`` ·
    ``unsupported`` (value: the error)
commands
    ``command`` (value: name; arguments ``("pos", expr)``, ``("named", name, expr or None,
    colon)`` and ``("splat", variable)``). ``-Name value`` is given as a bare ``named`` and a
    ``pos``: whether the value belongs to the parameter depends on whether it is a switch,
    which only binding knows (:func:`compat.semantics.attach_values`).
expressions
    ``num`` ``str`` ``bool`` ``null`` ``var`` (value: name, ``env:HOME`` for the environment) ·
    ``xstr`` (value: parts, text or ``("var", name)`` or ``("sub", script)``) · ``array`` ·
    ``hash`` ([(key, pipeline)]) · ``subexpr`` (value ``$(`` or ``@(``; [script]) · ``paren``
    ([pipeline]) · ``scriptblock`` ([script]) · ``range`` · ``member`` (value: name; [object])
    · ``index`` ([object, key]) · ``invoke`` (value: method; [object, arguments...]) ·
    ``compare`` (value: operator without dash, lower case: eq, ceq, like, contains, in...) ·
    ``logic`` (and, or, xor) · ``not`` · ``arith`` (value: + - * / %) · ``neg`` · ``format``
    ([format string, arguments]) · ``cast`` (value: type name; [expression])

Longer than 500 lines on purpose: one reader per grammar node kind, all walking the same
tree-sitter tree with the same helpers; the node list above is the table of contents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from powershai_py.errors import PowershaiError

__all__ = ["CompatSyntaxError", "Node", "parse", "unsupported_in", "dot_sourced"]


class CompatSyntaxError(PowershaiError):
    """PowerShell this port does not run (or broken syntax). Facts: ``line``, ``column``, ``hint``."""

    default_code = "POWERSHAI_COMPAT_SYNTAX"

    def __init__(self, message: str, line: int, column: int, hint: str = "") -> None:
        text = f"line {line}, column {column}: {message}" + (f" ({hint})" if hint else "")
        super().__init__(text, line=line, column=column, hint=hint)


@dataclass
class Node:
    kind: str
    line: int
    column: int
    value: Any = None
    children: list[Any] = field(default_factory=list)
    end_line: int = 0  # its last line (0: its first line only), so a TODO quotes every line


# A relative Windows path: .\notes.txt, ..\data\in.csv (word characters, ending with an extension,
# so a regular expression such as '.\w+\.txt' is left alone); and the start of one before a
# variable in an expandable string: ".\results\$name.json".
_WINDOWS_PATH = re.compile(r"\.{1,2}\\(?:[\w\- ]+\\)*[\w\- ]+\.[A-Za-z0-9]{1,5}")
_WINDOWS_FOLDER = re.compile(r"\.{1,2}\\(?:[\w\- ]+\\)*[\w\- ]*")


def portable_path(text: str, before_variable: bool = False) -> str:
    """``.\notes.txt`` as ``./notes.txt``: a relative Windows path in a script's text, written so
    that it works on every system (Python on Windows takes ``/`` too); other text unchanged.
    ``before_variable``: ``text`` is followed by a variable in an expandable string."""
    shape = _WINDOWS_FOLDER if before_variable else _WINDOWS_PATH
    return text.replace("\\", "/") if text.startswith(".") and shape.fullmatch(text) else text


def dot_sourced(text: str) -> Path:
    """The file ``. text`` reads (``$PSScriptRoot`` already put in ``text``): Windows separators
    made ``/``; a relative path from the current folder, as PowerShell reads it."""
    path = Path(text.replace("\\", "/"))
    return path if path.is_absolute() else Path.cwd() / path


@lru_cache(maxsize=1)
def _parser() -> Any:
    # tree-sitter is imported here, on first use: importing powershai_py.compat stays light
    import tree_sitter
    import tree_sitter_powershell

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def parse(text: str) -> Node:
    """The syntax tree of a script (a ``script`` node); never raises for bad input.

    Every line of ``text`` is in the tree: a statement the grammar cannot read becomes an
    ``unsupported`` node spanning all its lines, and when its first lines are unreadable but
    the rest reads on its own, only those first lines are unsupported."""
    source = text.lstrip("\ufeff").encode("utf-8", "surrogatepass")
    tree = _parser().parse(source)
    return _Builder(source).script(tree.root_node)


# Wrapper nodes of the grammar that hold one expression.
_WRAPPERS = {
    "pipeline_chain", "logical_expression", "bitwise_expression", "comparison_expression",
    "additive_expression", "multiplicative_expression", "format_expression", "range_expression",
    "array_literal_expression", "unary_expression", "string_literal", "integer_literal",
    "left_assignment_expression", "script_block_body", "primary_expression", "value",
    "expression_with_unary_operator", "element_access", "member_access",
}  # fmt: skip
_SKIP = {"command_argument_sep", "comment", ";", "empty_statement", "\n"}
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "e": "\x1b",
}
_NOT_RUN = {
    "do_statement", "switch_statement", "trap_statement", "try_statement", "data_statement",
    "class_statement", "enum_statement", "filter_statement", "workflow_statement",
}  # fmt: skip
_CONDITIONS = {"while_condition", "for_condition", "for_initializer", "for_iterator", "if_condition"}
_INCREMENTS = {
    "pre_increment_expression", "post_increment_expression",
    "pre_decrement_expression", "post_decrement_expression",
}  # fmt: skip
_RANGE_COMMAND = re.compile(r"^-?\d+(?:\.\d+)?\.\..+$|^-?\d+(?:\.\d+)?$")


class _Unsupported(Exception):
    def __init__(self, node: Any, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.node, self.message, self.hint = node, message, hint


def _kids(node: Any) -> list[Any]:
    return [c for c in node.children if c.type not in _SKIP]


class _Builder:
    def __init__(self, source: bytes) -> None:
        self.source = source

    # --- helpers ---

    @staticmethod
    def at(node: Any) -> tuple[int, int]:
        return node.start_point[0] + 1, node.start_point[1] + 1

    def make(self, kind: str, node: Any, value: Any = None, children: list[Any] | None = None) -> Node:
        line, column = self.at(node)
        if kind == "str" and isinstance(value, str):
            value = portable_path(value)
        elif kind == "xstr" and value and isinstance(value[0], str):
            value = [portable_path(value[0], before_variable=len(value) > 1), *value[1:]]
        return Node(kind, line, column, value, children or [], end_line=_last_line(node))

    @staticmethod
    def text(node: Any) -> str:
        return node.text.decode("utf-8", "surrogatepass")

    def unsupported(self, node: Any, message: str, hint: str = "", span: Any = None) -> Node:
        """A node that cannot run: the error names ``node``; the lines are those of ``span``
        (the whole statement), so that none is lost."""
        line, column = self.at(node)
        hint = hint or "docs/migration.md lists what compat runs and what to write instead"
        error = CompatSyntaxError(message, line, column, hint)
        first, last = (span.start_point[0] + 1, _last_line(span)) if span is not None else (line, line)
        return Node("unsupported", min(first, line), column, error, end_line=max(last, line))

    # --- statements ---

    def script(self, node: Any) -> Node:
        out = self.make("script", node)
        if node.type == "ERROR":  # the grammar could not read the script as statements at all
            out.children.append(self.statement(node))
            return out
        for child in _kids(node):
            if child.type == "statement_list" or child.type == "script_block_body":
                out.children.extend(self.script(child).children)
            elif child.type == "param_block":
                out.children.append(
                    self.unsupported(child, "param(...) outside a function", "use variables", span=child)
                )
            else:
                out.children.extend(self.readable(child))
        return out

    def readable(self, node: Any) -> list[Node]:
        """The statement ``node``; when the grammar cannot read its first lines but can read the
        rest on its own (a line it ran into the next ones), the first lines are unsupported and
        the rest is read again as statements."""
        first = self.statement(node)
        if first.kind != "unsupported" or node.type not in ("ERROR", "pipeline"):
            return [first]
        start = node.start_point[0]
        repaired = _quote_bare_lists(self.source[node.start_byte : node.end_byte])
        if repaired is not None:  # `select Name, AppUrl`: a list of bare words, as PowerShell reads it
            padded = b"\n" * start + b" " * node.start_point[1] + repaired
            tree = _parser().parse(padded)
            if not tree.root_node.has_error:
                return _Builder(padded).script(tree.root_node).children
        line_starts = [i + 1 for i in range(node.start_byte, node.end_byte) if self.source[i] == 0x0A]
        for offset, begin in enumerate(line_starts, 1):
            rest = self.source[begin : node.end_byte]
            if not rest.strip():
                break
            tree = _parser().parse(b"\n" * (start + offset) + rest)  # the same line numbers
            if not tree.root_node.has_error:
                first.end_line = start + offset  # the lines before the rest
                return [first, *_Builder(b"\n" * (start + offset) + rest).script(tree.root_node).children]
        return [first]

    def statement(self, node: Any) -> Node:
        try:
            bad = _first_error(node, into_blocks=False) if node.has_error or node.type == "ERROR" else None
            if bad is not None:
                excerpt = self.text(bad).splitlines()[0][:40] if self.text(bad) else ""
                raise _Unsupported(bad, f"the grammar cannot read {excerpt!r}", "check the syntax")
            return self._statement(node)
        except _Unsupported as problem:
            return self.unsupported(problem.node, problem.message, problem.hint, span=node)

    def _statement(self, node: Any) -> Node:
        inner = _unwrap(node)
        kind = inner.type
        if kind == "assignment_expression":
            return self.assignment(inner)
        if kind in _INCREMENTS:
            target = self.expr(next(c for c in _kids(inner) if c.type not in ("++", "--")))
            one = self.make("num", inner, 1)
            step = self.wrap_pipeline(
                self.make("arith", inner, "+" if "increment" in kind else "-", [target, one]), inner
            )
            if target.kind == "var":
                return self.make("assign", inner, target.value, [step])
            if target.kind in ("member", "index"):
                return self.make("setmember", inner, None, [target, step])
            raise _Unsupported(inner, "++ or -- on something that is not a variable or a member")
        kind = node.type
        if kind == "pipeline":
            return self.pipeline(node)
        if kind == "if_statement":
            return self.if_statement(node)
        if kind == "foreach_statement":
            return self.foreach(node)
        if kind == "for_statement":
            return self.for_statement(node)
        if kind == "while_statement":
            parts = _kids(node)
            condition = next(c for c in parts if c.type not in ("while", "(", ")", "statement_block"))
            block = next(c for c in parts if c.type == "statement_block")
            return self.make("while", node, None, [self.as_pipeline(condition), self.block(block)])
        if kind == "flow_control_statement":
            parts = _kids(node)
            word = self.text(parts[0]).lower()
            if word not in ("break", "continue", "return", "exit", "throw"):
                raise _Unsupported(node, f"{word} is not supported", "use if/else")
            value = [self.as_pipeline(parts[1])] if len(parts) > 1 else []
            return self.make("flow", node, "return" if word == "exit" else word, value)
        if kind == "function_statement":
            return self.function(node)
        if kind in _NOT_RUN:
            name = kind.replace("_statement", "")
            raise _Unsupported(node, f"{name} is not supported by compat", "rewrite it with if/foreach")
        return self.pipeline_of([node])

    def block(self, node: Any) -> Node:
        """A ``{ ... }`` statement block as a script node."""
        body = self.make("script", node)
        for child in _kids(node):
            if child.type in ("{", "}"):
                continue
            if child.type == "statement_list":
                body.children.extend(self.script(child).children)
            else:
                body.children.extend(self.readable(child))
        return body

    def assignment(self, node: Any) -> Node:
        parts = _kids(node)
        if len(parts) < 3:  # '$x=;': the grammar reads it without a value and without an error
            raise _Unsupported(node, "an assignment without a value", "write a value after '='")
        target, operator, value = parts[0], parts[1], parts[2]
        op = self.text(operator).strip()
        target_node = self.expr(target)
        right = self.as_pipeline(value)
        if target_node.kind == "cast":  # [int]$x = ...: the cast applies to the value
            right = self.wrap_pipeline(
                self.make("cast", target, target_node.value, [self.make("paren", value, None, [right])]),
                value,
            )
            target_node = target_node.children[0]
        if op != "=":
            if op[:-1] not in ("+", "-", "*", "/", "%"):
                raise _Unsupported(operator, f"the operator {op} is not supported", "write $x = $x + ...")
            combined = self.make(
                "arith", node, op[:-1], [target_node, self.make("paren", value, None, [right])]
            )
            right = self.wrap_pipeline(combined, value)
        if target_node.kind == "var":  # $env:NAME too: the back ends set the environment
            return self.make("assign", node, target_node.value, [right])
        if target_node.kind == "null":
            return self.make("assign", node, None, [right])  # $null = ...: discard
        if target_node.kind in ("member", "index"):
            return self.make("setmember", node, None, [target_node, right])
        raise _Unsupported(target, "only variables, members and indexes can be assigned")

    def if_statement(self, node: Any) -> Node:
        clauses: list[tuple[Node, Node]] = []
        otherwise = None
        parts = _kids(node)
        condition = next(c for c in parts if c.type not in ("if", "(", ")", "statement_block"))
        clauses.append(
            (self.as_pipeline(condition), self.block(next(c for c in parts if c.type == "statement_block")))
        )
        for child in parts:
            if child.type == "elseif_clauses":
                for clause in _kids(child):
                    inner = _kids(clause)
                    cond = next(c for c in inner if c.type not in ("elseif", "(", ")", "statement_block"))
                    clauses.append(
                        (
                            self.as_pipeline(cond),
                            self.block(next(c for c in inner if c.type == "statement_block")),
                        )
                    )
            elif child.type == "else_clause":
                otherwise = self.block(next(c for c in _kids(child) if c.type == "statement_block"))
        return self.make("if", node, otherwise, list(clauses))

    def foreach(self, node: Any) -> Node:
        parts = _kids(node)
        variable = next(c for c in parts if c.type == "variable")
        collection = next(
            c for c in parts if c.type not in ("foreach", "(", ")", "in", "variable", "statement_block")
        )
        block = next(c for c in parts if c.type == "statement_block")
        return self.make(
            "foreach", node, self.variable_name(variable), [self.as_pipeline(collection), self.block(block)]
        )

    def for_statement(self, node: Any) -> Node:
        parts = {c.type: c for c in _kids(node)}

        def inner(name: str) -> Any:
            part = parts.get(name)
            return _kids(part)[0] if part is not None and _kids(part) else None

        init, condition, step = inner("for_initializer"), inner("for_condition"), inner("for_iterator")
        block = self.block(parts["statement_block"])
        return self.make(
            "for",
            node,
            None,
            [
                self._statement(init) if init is not None else None,
                self.as_pipeline(condition) if condition is not None else None,
                self._statement(step) if step is not None else None,
                block,
            ],
        )

    def function(self, node: Any) -> Node:
        parts = _kids(node)
        name = self.text(next(c for c in parts if c.type == "function_name"))
        params: list[tuple[str, Node | None]] = []
        body = self.make("script", node)
        for child in parts:
            if child.type == "function_parameter_declaration":
                params += self.parameters(child)
            elif child.type == "script_block":
                for inner in _kids(child):
                    if inner.type == "param_block":
                        params += self.parameters(inner)
                    elif inner.type == "script_block_body":
                        body.children.extend(self.script(inner).children)
                    else:
                        body.children.extend(self.readable(inner))
            elif child.type not in ("function", "filter", "function_name", "{", "}"):
                body.children.extend(self.readable(child))
        return self.make("function", node, name, [params, body])

    def parameters(self, node: Any) -> list[tuple[str, Node | None]]:
        found: list[tuple[str, Node | None]] = []
        listing = next((c for c in _kids(node) if c.type == "parameter_list"), None)
        for item in _kids(listing) if listing is not None else []:
            if item.type == "variable":
                found.append((self.variable_name(item), None))
            elif item.type == "script_parameter":
                variable = next(c for c in _kids(item) if c.type == "variable")
                default = next((c for c in _kids(item) if c.type == "script_parameter_default"), None)
                value = None
                if default is not None:
                    value = self.expr(next(c for c in _kids(default) if c.type != "="))
                found.append((self.variable_name(variable), value))
        return found

    # --- pipelines and commands ---

    def as_pipeline(self, node: Any) -> Node:
        while node.type in _CONDITIONS and len(_kids(node)) == 1:
            node = _kids(node)[0]
        if node.type == "pipeline":
            inner = _kids(node)
            if len(inner) == 1 and inner[0].type == "assignment_expression":
                raise _Unsupported(
                    node, "an assignment used as a value", "assign first, then use the variable"
                )
            return self.pipeline(node)
        return self.pipeline_of([node])

    def wrap_pipeline(self, expression: Node, at: Any) -> Node:
        return self.make("pipeline", at, None, [expression])

    def pipeline(self, node: Any) -> Node:
        elements: list[Any] = []
        for child in _kids(node):
            if child.type == "pipeline_chain":
                elements += [c for c in _kids(child) if c.type != "|"]
            elif child.type not in ("|",):
                elements.append(child)
        return self.pipeline_of(elements, node)

    def pipeline_of(self, elements: list[Any], at: Any = None) -> Node:
        out = self.make("pipeline", at or elements[0])
        for element in elements:
            if element.type == "pipeline_chain":
                for inner in _kids(element):
                    if inner.type != "|":
                        out.children.append(self.element(inner))
            else:
                out.children.append(self.element(element))
        return out

    def dot_path(self, node: Any) -> Node:
        """The path of ``. path``: a string, a bare word, or ``$PSScriptRoot\\lib.ps1``."""
        inner = _kids(node)[0] if node.type == "command_name_expr" and _kids(node) else node
        if inner.type == "path_command_name":
            parts: list[Any] = []
            for piece in _kids(inner):
                variable = piece.type == "variable"
                parts.append(("var", self.variable_name(piece)) if variable else self.text(piece))
            return self.make("xstr", inner, parts)
        if inner.type == "command_name":
            return self.make("str", inner, self.text(inner))
        return self.expr(inner)

    def element(self, node: Any) -> Node:
        if node.type == "command":
            return self.command(node)
        if node.type in ("&&", "||"):
            raise _Unsupported(node, f"{node.type} between pipelines is not supported", "use if")
        return self.expr(node)

    def command(self, node: Any) -> Node:
        parts = _kids(node)
        if parts and parts[0].type in (".", "&", "command_invokation_operator"):
            if self.text(parts[0]).strip() == "." and len(parts) == 2:
                return self.make("dotsource", node, None, [self.dot_path(parts[1])])
            dot = self.text(parts[0]).strip() == "."
            what = "dot-sourcing with arguments" if dot else "the call operator &"
            raise _Unsupported(node, f"{what} is not supported", "bring the other script's code in by hand")
        name_node = next((c for c in parts if c.type in ("command_name", "command_name_expr")), None)
        if name_node is None:
            raise _Unsupported(node, "a command without a name")
        name = self.text(name_node)
        elements = next((c for c in parts if c.type == "command_elements"), None)
        arguments = _kids(elements) if elements is not None else []
        if not arguments and _RANGE_COMMAND.match(name):
            return self.reparse_expression(name, node)  # `1..$n` where a command could start
        out = self.make("command", node, name)
        pending_colon = False
        for argument in arguments:
            kind = argument.type
            if kind == "command_parameter":
                text = self.text(argument)
                colon = text.endswith(":")
                out.children.append(("named", text.lstrip("-").rstrip(":"), None, colon))
                pending_colon = colon or self._glued_colon(argument)
                continue
            if _parameter_digits(argument) and out.children and out.children[-1][0] == "named":
                _, param, _, _ = out.children[-1]  # -Param1: the grammar reads the 1 apart
                out.children[-1] = ("named", param + self.text(argument), None, False)
                continue
            inner = _unwrap(argument)
            if inner.type == "variable" and self.text(inner).startswith("@"):
                out.children.append(("splat", self.text(inner)[1:]))
                continue
            if kind == "redirection" or kind == "file_redirection_operator":
                raise _Unsupported(argument, "redirection is not supported", "assign the output instead")
            value = self.argument(argument)
            if pending_colon and out.children and out.children[-1][0] == "named":
                _, param, _, _ = out.children[-1]
                out.children[-1] = ("named", param, value, True)
            else:
                out.children.append(("pos", value))
            pending_colon = False
        return out

    def _glued_colon(self, parameter: Any) -> bool:
        following = parameter.next_sibling
        return (
            following is not None and following.type == "command_argument_sep" and self.text(following) == ":"
        )

    def argument(self, node: Any) -> Node:
        if node.type == "generic_token":
            return self.make("str", node, self.text(node))
        if node.type == "array_literal_expression":
            items = [c for c in _kids(node) if c.type != ","]
            if len(items) > 1:
                return self.make("array", node, None, [self.argument(c) for c in items])
        return self.expr(node)

    def reparse_expression(self, text: str, at: Any) -> Node:
        """``1..$n`` (or ``5``) that the grammar read as a command name: a range built by hand,
        its right side parsed on its own."""
        left, dots, right = text.partition("..")
        line, column = self.at(at)
        low = Node("num", line, column, _number(left))
        if not dots:
            return low
        tree = _parser().parse(f"$__ = {right}".encode())
        assignment = _find(tree.root_node, "assignment_expression")
        if assignment is None or tree.root_node.has_error or ".." in right:
            raise _Unsupported(at, f"cannot read the range {text!r}")
        value = _Builder(f"$__ = {right}".encode()).expr(_unwrap(_kids(assignment)[2]))
        if value.kind in ("command", "paren") and _unwrap(_kids(assignment)[2]).type == "command":
            raise _Unsupported(at, f"cannot read the range {text!r}")
        return Node("range", line, column, None, [low, _relocate(value, line, column)])

    # --- expressions ---

    def expr(self, node: Any) -> Node:
        kind = node.type
        parts = _kids(node)
        if kind in _WRAPPERS and len(parts) == 1:
            return self.expr(parts[0])
        if kind == "pipeline":
            return self.make("paren", node, None, [self.pipeline(node)])
        if kind in ("decimal_integer_literal", "real_literal", "hexadecimal_integer_literal"):
            return self.make("num", node, _number(self.text(node)))
        if kind == "verbatim_string_characters":
            return self.make("str", node, self.text(node)[1:-1].replace("''", "'"))
        if kind == "verbatim_here_string_characters":
            return self.make("str", node, _here_body(self.text(node)))
        if kind in ("expandable_string_literal", "expandable_here_string_literal"):
            return self.make("xstr", node, self.expansion(node, here=kind.startswith("expandable_here")))
        if kind == "variable":
            return self.variable(node)
        if kind == "generic_token":
            return self.make("str", node, self.text(node))
        if kind == "array_literal_expression":
            return self.make("array", node, None, [self.expr(c) for c in parts if c.type != ","])
        if kind == "hash_literal_expression":
            return self.hashtable(node)
        if kind == "array_expression":
            inner = [c for c in parts if c.type not in ("@(", ")")]
            return self.make("subexpr", node, "@(", [self.statements(inner, node)])
        if kind == "sub_expression":
            inner = [c for c in parts if c.type not in ("$(", ")")]
            return self.make("subexpr", node, "$(", [self.statements(inner, node)])
        if kind == "parenthesized_expression":
            inner = [c for c in parts if c.type not in ("(", ")")]
            if len(inner) != 1:
                raise _Unsupported(node, "an empty ( )")
            return self.make("paren", node, None, [self.as_pipeline(inner[0])])
        if kind == "script_block_expression":
            block = next((c for c in parts if c.type == "script_block"), None)
            body = self.make("script", node)
            if block is not None:
                for child in _kids(block):
                    if child.type == "script_block_body":
                        body.children.extend(self.script(child).children)
                    elif child.type == "param_block":
                        raise _Unsupported(child, "param(...) in a script block", "use $_")
                    else:
                        body.children.append(self.statement(child))
            return self.make("scriptblock", node, None, [body])
        if kind == "range_expression":
            left, right = parts[0], parts[-1]
            return self.make("range", node, None, [self.expr(left), self.expr(right)])
        if kind == "member_access":
            holder, name = parts[0], parts[-1]
            if any(c.type == "::" for c in parts):
                raise _Unsupported(node, "static members ([Type]::Name) are not supported")
            return self.make("member", node, self.member_name(name), [self.expr(holder)])
        if kind == "element_access":
            holder = parts[0]
            key = [c for c in parts[1:] if c.type not in ("[", "]")]
            return self.make("index", node, None, [self.expr(holder), self.expr(key[0])])
        if kind == "invokation_expression":
            if any(c.type == "::" for c in parts):
                raise _Unsupported(node, "static methods ([Type]::Method()) are not supported")
            holder, name = parts[0], next(c for c in parts if c.type in ("simple_name", "member_name"))
            arguments = next((c for c in parts if c.type == "argument_list"), None)
            values = (
                [self.expr(c) for c in _kids(arguments) if c.type not in ("(", ")", ",")] if arguments else []
            )
            if any(c.type == "::" for c in parts):
                raise _Unsupported(node, "static methods ([Type]::Method()) are not supported")
            flattened = values[0].children if len(values) == 1 and values[0].kind == "array" else values
            return self.make("invoke", node, self.member_name(name), [self.expr(holder), *flattened])
        if kind == "comparison_expression":
            left, operator, right = parts[0], parts[1], parts[2]
            op = self.text(operator).lstrip("-").lower()
            return self.make("compare", node, op, [self.expr(left), self.expr(right)])
        if kind == "logical_expression":
            left, operator, right = parts[0], parts[1], parts[2]
            return self.make(
                "logic", node, self.text(operator).lstrip("-").lower(), [self.expr(left), self.expr(right)]
            )
        if kind in ("additive_expression", "multiplicative_expression"):
            left, operator, right = parts[0], parts[1], parts[2]
            return self.make("arith", node, self.text(operator), [self.expr(left), self.expr(right)])
        if kind == "format_expression":
            left, right = parts[0], parts[-1]
            return self.make("format", node, None, [self.expr(left), self.expr(right)])
        if kind == "expression_with_unary_operator":
            operator, operand = parts[0], parts[-1]
            op = self.text(operator).lower()
            if op in ("-not", "!"):
                return self.make("not", node, None, [self.expr(operand)])
            if op == "-":
                negated = self.expr(operand)
                if negated.kind == "num":
                    negated.value = -negated.value
                    return _relocate(negated, *self.at(node))
                return self.make("neg", node, None, [negated])
            if op == "+":
                return self.expr(operand)
            if op == ",":
                return self.make("array", node, None, [self.expr(operand)])
            raise _Unsupported(node, f"the operator {op} is not supported")
        if kind == "cast_expression":
            type_name = self.text(parts[0]).strip("[]").lower()
            return self.make("cast", node, type_name, [self.expr(parts[-1])])
        if kind == "command_name" and _RANGE_COMMAND.match(self.text(node)):
            return self.reparse_expression(self.text(node), node)
        if kind == "command":
            return self.make("paren", node, None, [self.pipeline_of([node])])
        if kind == "type_literal":  # [string]: a type's name (Should -BeOfType [string])
            return self.make("type", node, self.text(node).strip().strip("[]").strip(), [])
        if kind in _INCREMENTS:
            raise _Unsupported(node, "++ or -- inside an expression", "increment on a line of its own")
        raise _Unsupported(node, f"{kind.replace('_', ' ')} is not supported by compat")

    def statements(self, nodes: list[Any], at: Any) -> Node:
        body = self.make("script", at)
        for child in nodes:
            if child.type == "statement_list":
                body.children.extend(self.script(child).children)
            else:
                body.children.append(self._statement(child))
        return body

    def variable(self, node: Any) -> Node:
        name = self.variable_name(node)
        lowered = name.lower()
        if lowered in ("true", "false"):
            return self.make("bool", node, lowered == "true")
        if lowered == "null":
            return self.make("null", node)
        return self.make("var", node, name)

    def variable_name(self, node: Any) -> str:
        text = self.text(node).lstrip("$@")
        if text.startswith("{") and text.endswith("}"):
            text = text[1:-1]
        return text

    def member_name(self, node: Any) -> str:
        text = self.text(node)
        if node.type == "verbatim_string_characters" or (text[:1] == "'" and text[-1:] == "'"):
            return text[1:-1].replace("''", "'")
        if text[:1] == '"' and text[-1:] == '"':
            return text[1:-1]
        return text

    def hashtable(self, node: Any) -> Node:
        out = self.make("hash", node)
        body = next((c for c in _kids(node) if c.type == "hash_literal_body"), None)
        for entry in _kids(body) if body is not None else []:
            if entry.type != "hash_entry":
                continue
            pieces = [c for c in _kids(entry) if c.type not in ("=", ";")]
            key_node, value_node = pieces[0], pieces[-1]
            key = self.member_name(key_node) if key_node.type != "key_expression" else self.text(key_node)
            out.children.append((key.strip("'\""), self.as_pipeline(value_node)))
        return out

    def expansion(self, node: Any, here: bool) -> list[Any]:
        """Parts of a double-quoted string: text, ("var", name), ("sub", script)."""
        raw = node.text
        start = node.start_byte
        opening = 3 if here else 1  # @" plus its line end, or "
        if here:
            opening = raw.index(b"\n") + 1
        closing = len(raw) - (3 if here else 1)
        if here and raw[:closing].endswith(b"\r\n"):
            closing -= 2
        elif here and raw[:closing].endswith(b"\n"):
            closing -= 1
        parts: list[Any] = []
        cursor = opening
        for child in node.children:
            child_start, child_end = child.start_byte - start, child.end_byte - start
            if child.type not in ("variable", "sub_expression") or child_start < opening:
                continue
            if child_start > cursor:
                parts.append(_unescape(raw[cursor:child_start].decode("utf-8", "surrogatepass"), here))
            if child.type == "variable":
                parts.append(("var", self.variable_name(child)))
            else:
                inner = [c for c in _kids(child) if c.type not in ("$(", ")")]
                parts.append(("sub", self.statements(inner, child)))
            cursor = child_end
        if cursor < closing:
            parts.append(_unescape(raw[cursor:closing].decode("utf-8", "surrogatepass"), here))
        return [p for p in parts if p != ""]


def _unescape(text: str, here: bool) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "`" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        if ch == '"' and not here and text[i + 1 : i + 2] == '"':
            out.append('"')
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _here_body(text: str) -> str:
    body = text[text.index("\n") + 1 : -2]
    return body[:-2] if body.endswith("\r\n") else body[:-1] if body.endswith("\n") else body


def _number(text: str) -> int | float:
    lowered = text.lower()
    multiplier = 1
    for suffix, factor in (("kb", 1 << 10), ("mb", 1 << 20), ("gb", 1 << 30)):
        if lowered.endswith(suffix):
            lowered, multiplier = lowered[:-2], factor
    if lowered.startswith("0x"):
        return int(lowered.rstrip("lusyn"), 16) * multiplier
    if lowered.endswith("d"):  # [decimal]: a float here
        return float(lowered[:-1]) * multiplier
    digits = lowered.rstrip("lusyn")  # long, unsigned, short, byte, bigint: integers
    value = float(digits) if any(c in digits for c in ".e") else int(digits)
    return value * multiplier


def _unwrap(node: Any) -> Any:
    """The one expression inside a chain of wrapper nodes (the node itself when it is not one)."""
    while node.type in _WRAPPERS or node.type == "pipeline":
        parts = [c for c in _kids(node) if c.type != "|"]
        if len(parts) != 1:
            return node
        node = parts[0]
    return node


# A comma list of bare words given to a command (`select Name, AppUrl`): PowerShell reads each as
# a string; the grammar cannot read the list. Quoted text is left alone.
_BARE_WORDS = re.compile(rb"(?<![\w$.\-])[A-Za-z_][\w.\-]*(?:\s*,\s*[A-Za-z_][\w.\-]*)+(?![\w(\[.])")
_QUOTED = re.compile(rb"'(?:[^']|'')*'|\"(?:[^\"`]|`.)*\"")


def _quote_bare_lists(text: bytes) -> bytes | None:
    """``text`` with each bare word of a comma list quoted (``Name, AppUrl`` ->
    ``'Name', 'AppUrl'``), or None when it holds no such list."""
    out: list[bytes] = []
    changed = False
    cursor = 0
    for quoted in [*_QUOTED.finditer(text), None]:
        end = quoted.start() if quoted is not None else len(text)
        plain = text[cursor:end]
        fixed = _quote_lists_in(plain)
        changed = changed or fixed != plain
        out.append(fixed)
        if quoted is not None:
            out.append(quoted.group())
            cursor = quoted.end()
    return b"".join(out) if changed else None


def _quote_lists_in(text: bytes) -> bytes:
    """Quote the bare words of the comma lists in unquoted ``text``."""

    def quote(match: re.Match[bytes]) -> bytes:  # the words quoted, the spaces and lines kept
        return re.sub(rb"[A-Za-z_][\w.\-]*", lambda word: b"'" + word.group() + b"'", match.group())

    return _BARE_WORDS.sub(quote, text)


def _last_line(node: Any) -> int:
    """The last line (1-based) of a grammar node; one that ends at the start of a line does not
    own that line."""
    (first_row, _), (last_row, last_column) = node.start_point, node.end_point
    return last_row + (0 if last_column == 0 and last_row > first_row else 1)


def _first_error(node: Any, into_blocks: bool = True) -> Any:
    """The first node the grammar could not read, or None when the only "errors" are the
    digits that end a parameter name (see :func:`_parameter_digits`). With ``into_blocks``
    False, the statements inside a ``{ }`` block of an if, a loop or a function are not
    looked at: each is read (and refused) on its own, so one bad line in a loop's body does
    not take the whole loop with it."""
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if _parameter_digits(child):
            continue
        if not into_blocks and _is_body(node, child):
            continue
        if child.has_error or child.type == "ERROR" or child.is_missing:
            found = _first_error(child, into_blocks)
            if found is not None:
                return found
    return None


def _is_body(parent: Any, child: Any) -> bool:
    """True when ``child`` is the braced body of an if, a loop or a function (``parent``),
    both braces read: its errors are those of the statements in it."""
    if child.type == "statement_block":
        braces = child.children
    elif child.type == "script_block" and parent.type == "function_statement":
        braces = parent.children
    else:
        return False
    return bool(braces) and braces[-1].type == "}" and not braces[-1].is_missing


def _parameter_digits(node: Any) -> bool:
    """tree-sitter-powershell reads the digits that end a parameter name (``-Param1``,
    ``-Top5``) as a redirection (``1>``) missing its ``>``: a redirection glued to the
    parameter before it, made of digits only, is the rest of that name."""
    before = node.prev_sibling
    return (
        node.type == "redirection"
        and node.has_error
        and before is not None
        and before.type == "command_parameter"
        and before.end_byte == node.start_byte
        and node.text.isdigit()
    )


def _find(node: Any, kind: str) -> Any:
    if node.type == kind:
        return node
    for child in node.children:
        found = _find(child, kind)
        if found is not None:
            return found
    return None


def _relocate(node: Node, line: int, column: int) -> Node:
    node.line, node.column = line, column
    for child in node.children:
        if isinstance(child, Node):
            _relocate(child, line, column)
    return node


def unsupported_in(node: Any) -> CompatSyntaxError | None:
    """The first construct of the tree this port does not run, or None."""
    if isinstance(node, Node):
        if node.kind == "unsupported":
            return node.value
        if node.kind == "if" and node.value is not None:
            found = unsupported_in(node.value)
            if found is not None:
                return found
        for child in node.children:
            found = unsupported_in(child)
            if found is not None:
                return found
    elif isinstance(node, (tuple, list)):
        for child in node:
            found = unsupported_in(child)
            if found is not None:
                return found
    return None
