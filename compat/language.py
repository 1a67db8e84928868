"""The PowerShell subset: tokens and a syntax tree. Pure: no cmdlet is called here.

Statements on lines or separated by ``;``; ``$var = ...``; pipelines of commands;
``ForEach-Object``/``%`` and ``Where-Object``/``?`` with script blocks; member access,
indexing, comparisons (``-eq -ne -gt -lt -ge -le -like -notlike -match -notmatch``, with
``-and -or -not``); single- and double-quoted strings (``$var`` and ``$(...)`` expanded),
numbers, ``$true $false $null``, ``@{k=v}``, ``@(...)``, comma arrays, ``1..5``; comments.
Anything else is a :class:`CompatSyntaxError` with line, column and a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from powershai_py.errors import PowershaiError

__all__ = ["CompatSyntaxError", "Token", "tokenize", "parse", "Node"]

COMPARISONS = {"eq", "ne", "gt", "lt", "ge", "le", "like", "notlike", "match", "notmatch"}
LOGICAL = {"and", "or"}


class CompatSyntaxError(PowershaiError):
    """PowerShell the subset does not cover (or broken syntax). Facts: ``line``, ``column``, ``hint``."""

    default_code = "POWERSHAI_COMPAT_SYNTAX"

    def __init__(self, message: str, line: int, column: int, hint: str = "") -> None:
        text = f"line {line}, column {column}: {message}" + (f" ({hint})" if hint else "")
        super().__init__(text, line=line, column=column, hint=hint)


@dataclass(frozen=True)
class Token:
    kind: str  # NEWLINE SEMI PIPE ( ) { } [ ] , . .. = @{ @( $( VAR NUM STR XSTR DASH WORD EOF
    value: Any
    line: int
    column: int
    space_before: bool = False


_SIMPLE = {
    ";": "SEMI",
    "|": "PIPE",
    "(": "(",
    ")": ")",
    "{": "{",
    "}": "}",
    "[": "[",
    "]": "]",
    ",": ",",
    "=": "=",
}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-:.\\/]*|[%?]")
_VAR = re.compile(r"\$(?:\{([^}]+)\}|([A-Za-z_][A-Za-z0-9_]*(?::[A-Za-z_][A-Za-z0-9_]*)?)|(_))")
_NUM = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_DASH = re.compile(r"-([A-Za-z_][A-Za-z0-9_]*)(:?)")


def tokenize(text: str) -> list[Token]:
    """Split a script into tokens; only :class:`CompatSyntaxError` can come out of it."""
    tokens: list[Token] = []
    i, line, start_of_line = 0, 1, 0
    space = False

    def add(kind: str, value: Any, at: int) -> None:
        nonlocal space
        tokens.append(Token(kind, value, line, at - start_of_line + 1, space))
        space = False

    while i < len(text):
        ch = text[i]
        if ch in " \t\r\ufeff":
            i += 1
            space = True
            continue
        if ch == "`" and i + 1 < len(text) and text[i + 1] in "\r\n":
            i += 2 if text[i + 1] == "\r" and text[i + 2 : i + 3] == "\n" else 1
            i += 1 if i < len(text) and text[i - 1] == "\r" and text[i] == "\n" else 0
            line, start_of_line, space = line + 1, i, True
            continue
        if ch == "\n":
            add("NEWLINE", None, i)
            i, line, start_of_line = i + 1, line + 1, i + 1
            continue
        if text.startswith("<#", i):
            end = text.find("#>", i + 2)
            if end < 0:
                raise CompatSyntaxError("a <# comment is never closed", line, i - start_of_line + 1, "add #>")
            line += text.count("\n", i, end)
            if "\n" in text[i:end]:
                start_of_line = text.rfind("\n", i, end) + 1
            i, space = end + 2, True
            continue
        if ch == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        if text.startswith("..", i):
            add("..", None, i)
            i += 2
            continue
        if text.startswith("@{", i) or text.startswith("@(", i) or text.startswith("$(", i):
            add(text[i : i + 2], None, i)
            i += 2
            continue
        if ch in _SIMPLE:
            add(_SIMPLE[ch], ch, i)
            i += 1
            continue
        if ch == "'":
            value, end, newlines = _single_quoted(text, i, line, start_of_line)
            add("STR", value, i)
            line, i = line + newlines, end
            continue
        if ch == '"':
            value, end, newlines = _double_quoted(text, i, line, start_of_line)
            add("XSTR", value, i)
            line, i = line + newlines, end
            continue
        if ch == "$":
            match = _VAR.match(text, i)
            if not match:
                raise CompatSyntaxError(
                    "a $ must start a variable name", line, i - start_of_line + 1, "e.g. $name"
                )
            add("VAR", match.group(1) or match.group(2) or match.group(3), i)
            i = match.end()
            continue
        if ch == "-":
            number = _NUM.match(text, i + 1)
            previous = tokens[-1].kind if tokens else "NEWLINE"
            glued = not space and previous in ("VAR", "NUM", "STR", "XSTR", ")", "]", "WORD", "}")
            if number and not glued:
                add("NUM", -_number(number.group()), i)
                i = number.end()
                continue
            dash = _DASH.match(text, i)
            if dash:
                add("DASH", (dash.group(1), bool(dash.group(2))), i)
                i = dash.end()
                continue
            raise CompatSyntaxError(
                "arithmetic is not in the subset", line, i - start_of_line + 1, "compute in Python"
            )
        if ch == ".":
            add(".", None, i)
            i += 1
            continue
        number = _NUM.match(text, i)
        if number and not _WORD.match(text, i):
            add("NUM", _number(number.group()), i)
            i = number.end()
            continue
        word = _WORD.match(text, i)
        if word:
            value = word.group()
            # after "." a member name stops at the next "." (words may hold dots as arguments)
            if tokens and tokens[-1].kind == "." and not tokens[-1].space_before:
                value = re.match(r"[A-Za-z_][A-Za-z0-9_]*", value).group()  # type: ignore[union-attr]
            add("WORD", value, i)
            i += len(value)
            continue
        raise CompatSyntaxError(
            f"the character {ch!r} is not in the PowerShell subset",
            line,
            i - start_of_line + 1,
            "see compat docs",
        )
    add("EOF", None, i)
    return tokens


def _number(text: str) -> int | float:
    return float(text) if any(c in text for c in ".eE") else int(text)


def _single_quoted(text: str, start: int, line: int, sol: int) -> tuple[str, int, int]:
    out, i = [], start + 1
    while i < len(text):
        if text[i] == "'":
            if text.startswith("''", i):
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1, text.count("\n", start, i)
        out.append(text[i])
        i += 1
    raise CompatSyntaxError("a ' string is never closed", line, start - sol + 1, "add the closing quote")


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "`": "`", '"': '"', "$": "\0DOLLAR", "a": "\a"}


def _double_quoted(text: str, start: int, line: int, sol: int) -> tuple[str, int, int]:
    """The raw content of a "..." string, with escapes resolved (a literal $ kept as \\0DOLLAR)."""
    out, i = [], start + 1
    while i < len(text):
        ch = text[i]
        if ch == "`" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
            continue
        if ch == '"':
            if text.startswith('""', i):
                out.append('"')
                i += 2
                continue
            return "".join(out), i + 1, text.count("\n", start, i)
        if ch == "$" and text.startswith("$(", i):
            depth, j = 0, i + 1
            while j < len(text):
                if text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append(text[i : j + 1])
            i = j + 1
            continue
        out.append(ch)
        i += 1
    raise CompatSyntaxError('a " string is never closed', line, start - sol + 1, "add the closing quote")


# --- syntax tree ------------------------------------------------------------------------------------


@dataclass
class Node:
    kind: str  # see Parser
    line: int
    column: int
    value: Any = None
    children: list[Any] = field(default_factory=list)


class Parser:
    """Recursive descent over the tokens. Node kinds:

    script(children=statements) assign(value=var, children=[pipeline]) pipeline(children=elements)
    command(value=name, children=[args]) with args ("pos", expr) / ("named", name, expr|None)
    expr nodes: num str xstr var bool null array hash subexpr scriptblock member(value=name)
    index compare(value=op) logic(value=op) not range
    """

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self, kind: str | None = None) -> Token:
        token = self.tok
        if kind is not None and token.kind != kind:
            self.fail(f"expected {kind!r}, found {self._show(token)}")
        self.i += 1
        return token

    @staticmethod
    def _show(token: Token) -> str:
        return (
            "the end" if token.kind == "EOF" else repr(token.value if token.value is not None else token.kind)
        )

    def fail(self, message: str, hint: str = "") -> Any:
        raise CompatSyntaxError(message, self.tok.line, self.tok.column, hint)

    def skip_separators(self) -> None:
        while self.tok.kind in ("NEWLINE", "SEMI"):
            self.i += 1

    def script(self, end: str = "EOF") -> Node:
        node = Node("script", self.tok.line, self.tok.column)
        self.skip_separators()
        while self.tok.kind != end:
            node.children.append(self.statement())
            if self.tok.kind not in ("NEWLINE", "SEMI", end):
                self.fail(f"unexpected {self._show(self.tok)}", "one statement per line, or separate with ;")
            self.skip_separators()
        return node

    def statement(self) -> Node:
        token = self.tok
        if token.kind == "VAR" and self.tokens[self.i + 1].kind == "=":
            self.i += 2
            self.skip_newlines_after_operator()
            return Node("assign", token.line, token.column, token.value, [self.pipeline()])
        if token.kind == "WORD" and token.value.casefold() in (
            "if",
            "else",
            "foreach",
            "while",
            "for",
            "function",
            "param",
            "return",
            "try",
            "switch",
            "do",
        ):
            self.fail(
                f"the {token.value!r} statement is not in the subset", "use ForEach-Object / Where-Object"
            )
        if token.kind == "VAR":
            mark = self.i
            target = self.postfix()
            if target.kind in ("member", "index") and self.tok.kind == "=":
                self.i += 1
                self.skip_newlines_after_operator()
                return Node("setmember", token.line, token.column, None, [target, self.pipeline()])
            self.i = mark
        return self.pipeline()

    def skip_newlines_after_operator(self) -> None:
        while self.tok.kind == "NEWLINE":
            self.i += 1

    def pipeline(self) -> Node:
        node = Node("pipeline", self.tok.line, self.tok.column)
        node.children.append(self.element(first=True))
        while self.tok.kind == "PIPE":
            self.i += 1
            self.skip_newlines_after_operator()
            node.children.append(self.element(first=False))
        return node

    def element(self, first: bool) -> Node:
        if self.tok.kind == "WORD":
            return self.command()
        if not first:
            self.fail("only a command can follow |", "e.g. | ForEach-Object { $_ }")
        return self.expression()

    def command(self) -> Node:
        name = self.take("WORD")
        node = Node("command", name.line, name.column, name.value)
        while self.tok.kind not in ("PIPE", "NEWLINE", "SEMI", ")", "}", "EOF"):
            if self.tok.kind == "DASH":
                dash = self.take()
                param, colon = dash.value
                if colon:
                    node.children.append(("named", param, self.argument()))
                elif self.tok.kind in ("PIPE", "NEWLINE", "SEMI", ")", "}", "EOF", "DASH"):
                    node.children.append(("named", param, None))
                else:
                    node.children.append(("named", param, self.argument()))
            else:
                node.children.append(("pos", self.argument()))
        return node

    def argument(self) -> Node:
        """An argument in command mode: a bareword is a string; commas make an array."""
        first = self.arg_primary()
        if self.tok.kind != ",":
            return first
        node = Node("array", first.line, first.column, None, [first])
        while self.tok.kind == ",":
            self.i += 1
            node.children.append(self.arg_primary())
        return node

    def arg_primary(self) -> Node:
        token = self.tok
        if token.kind == "WORD":
            self.i += 1
            text = str(token.value)
            # a bareword runs on while nothing separates it: -Map val=0 is the text "val=0"
            while self.tok.kind in ("=", "WORD", "NUM") and not self.tok.space_before:
                piece = self.take()
                text += "=" if piece.kind == "=" else str(piece.value)
            return Node("str", token.line, token.column, text)
        if token.kind == "{":
            return self.scriptblock()
        return self.postfix()

    def scriptblock(self) -> Node:
        start = self.take("{")
        body = self.script(end="}")
        self.take("}")
        return Node("scriptblock", start.line, start.column, None, [body])

    # expressions, lowest precedence first
    def expression(self) -> Node:
        left = self.comparison()
        while self.tok.kind == "DASH" and self.tok.value[0].casefold() in LOGICAL:
            op = self.take().value[0].casefold()
            self.skip_newlines_after_operator()
            left = Node("logic", left.line, left.column, op, [left, self.comparison()])
        return left

    def comparison(self) -> Node:
        if self.tok.kind == "DASH" and self.tok.value[0].casefold() == "not":
            token = self.take()
            return Node("not", token.line, token.column, None, [self.comparison()])
        left = self.array()
        while self.tok.kind == "DASH":
            op = self.tok.value[0].casefold()
            if op in LOGICAL:
                break
            if op not in COMPARISONS:
                self.fail(
                    f"the operator -{self.tok.value[0]} is not in the subset",
                    "comparisons: -eq -ne -like ...",
                )
            self.i += 1
            left = Node("compare", left.line, left.column, op, [left, self.array()])
        return left

    def array(self) -> Node:
        first = self.range()
        if self.tok.kind != ",":
            return first
        node = Node("array", first.line, first.column, None, [first])
        while self.tok.kind == ",":
            self.i += 1
            node.children.append(self.range())
        return node

    def range(self) -> Node:
        left = self.postfix()
        if self.tok.kind == "..":
            self.i += 1
            return Node("range", left.line, left.column, None, [left, self.postfix()])
        return left

    def postfix(self) -> Node:
        node = self.primary()
        while True:
            if self.tok.kind == "." and not self.tok.space_before:
                self.i += 1
                name = self.take("WORD")
                if self.tok.kind == "(" and not self.tok.space_before:
                    raise CompatSyntaxError(
                        f"method calls ({name.value}()) are not in the subset",
                        name.line,
                        name.column,
                        "read properties",
                    )
                node = Node("member", name.line, name.column, name.value, [node])
            elif self.tok.kind == "[" and not self.tok.space_before:
                self.i += 1
                index = self.expression()
                self.take("]")
                node = Node("index", index.line, index.column, None, [node, index])
            else:
                return node

    def primary(self) -> Node:
        token = self.tok
        kind = token.kind
        if kind == "NUM":
            self.i += 1
            return Node("num", token.line, token.column, token.value)
        if kind == "STR":
            self.i += 1
            return Node("str", token.line, token.column, token.value)
        if kind == "XSTR":
            self.i += 1
            return Node("xstr", token.line, token.column, _expansion(token))
        if kind == "VAR":
            self.i += 1
            name = token.value.casefold()
            if name in ("true", "false"):
                return Node("bool", token.line, token.column, name == "true")
            if name == "null":
                return Node("null", token.line, token.column)
            return Node("var", token.line, token.column, token.value)
        if kind == "@{":
            return self.hashtable()
        if kind in ("@(", "$("):
            self.i += 1
            body = self.script(end=")")
            self.take(")")
            return Node("subexpr", token.line, token.column, kind, [body])
        if kind == "(":
            self.i += 1
            self.skip_newlines_after_operator()
            inner = self.pipeline()
            self.skip_newlines_after_operator()
            self.take(")")
            return Node("paren", token.line, token.column, None, [inner])
        if kind == "{":
            return self.scriptblock()
        if kind == "WORD":
            self.fail(
                f"{token.value!r} cannot start an expression here", "quote text, or put a command first"
            )
        return self.fail(f"unexpected {self._show(token)}")

    def hashtable(self) -> Node:
        start = self.take("@{")
        node = Node("hash", start.line, start.column)
        self.skip_separators()
        while self.tok.kind != "}":
            key = self.take()
            if key.kind not in ("WORD", "STR", "XSTR", "NUM"):
                self.fail("a hashtable key must be a name or a string", "@{ name = 'value' }")
            self.take("=")
            self.skip_newlines_after_operator()
            value = self.pipeline()
            node.children.append((str(key.value), value))
            if self.tok.kind not in ("NEWLINE", "SEMI", "}"):
                self.fail(
                    f"unexpected {self._show(self.tok)} in a hashtable", "separate entries with ; or lines"
                )
            self.skip_separators()
        self.take("}")
        return node


def _expansion(token: Token) -> list[Any]:
    """Parts of a double-quoted string: text, ("var", name), ("sub", script node)."""
    raw: str = token.value
    parts: list[Any] = []
    i = 0
    text: list[str] = []
    while i < len(raw):
        if raw.startswith("$(", i):
            depth, j = 0, i + 1
            while j < len(raw):
                depth += {"(": 1, ")": -1}.get(raw[j], 0)
                if depth == 0:
                    break
                j += 1
            if text:
                parts.append("".join(text))
                text = []
            inner = Parser(_retag(tokenize(raw[i + 2 : j]), token)).script()
            parts.append(("sub", inner))
            i = j + 1
            continue
        match = _VAR.match(raw, i) if raw[i] == "$" else None
        if match:
            if text:
                parts.append("".join(text))
                text = []
            parts.append(("var", match.group(1) or match.group(2) or match.group(3)))
            i = match.end()
            continue
        text.append(raw[i])
        i += 1
    if text:
        parts.append("".join(text))
    return [part.replace("\0DOLLAR", "$") if isinstance(part, str) else part for part in parts]


def _retag(tokens: list[Token], at: Token) -> list[Token]:
    return [Token(t.kind, t.value, at.line, at.column, t.space_before) for t in tokens]


def parse(text: str) -> Node:
    """The syntax tree of a script (a ``script`` node)."""
    return Parser(tokenize(text)).script()
