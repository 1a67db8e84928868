"""Pester's ``Should`` assertions as predicates, with PowerShell's comparison rules.

Each function answers one ``Should`` form for the value that was piped into it; a migrated
Pester test asserts it (``$x | Should -Be 'a'`` becomes ``assert should.be(x, "a")``) and
the runner checks the same function, so an assertion holds in both back ends:

* ``be``: ``-Be``, case-insensitive; collections compared item by item, one item and a
  collection of that one item alike, ``$null`` and an empty collection alike;
* ``be_exactly``: ``-BeExactly``, the same but case-sensitive;
* ``be_like``/``be_like_exactly``, ``match``/``match_exactly``: wildcards and regular
  expressions, as ``-like`` and ``-match``;
* ``be_greater_than``, ``be_greater_or_equal``, ``be_less_than``, ``be_less_or_equal``,
  ``be_in``, ``contain``, ``have_count``, ``be_null_or_empty``, ``be_true``, ``be_false``,
  ``be_of_type``, ``exist``;
* ``message``: the regular expression ``pytest.raises(match=...)`` needs for ``-Throw``'s
  wildcard ``-ExpectedMessage``.
"""

from __future__ import annotations

import fnmatch
import os
from typing import Any

from .objects import unwrap
from .semantics import compare, items, truthy

__all__ = [
    "OPERATORS", "be", "be_exactly", "be_like", "be_like_exactly", "match", "match_exactly",
    "be_greater_than", "be_greater_or_equal", "be_less_than", "be_less_or_equal", "be_in", "contain",
    "have_count", "be_null_or_empty", "be_true", "be_false", "be_of_type", "exist", "message",
]  # fmt: skip


def _single(value: Any) -> Any:
    """What Pester compares: the piped items, one item as itself, none as ``$null``."""
    found = [unwrap(item) for item in items(unwrap(value))]
    return None if not found else found[0] if len(found) == 1 else found


def _empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, (list, tuple)) and not value)


def _equal(actual: Any, expected: Any, sensitive: bool) -> bool:
    if isinstance(actual, (list, tuple)) or isinstance(expected, (list, tuple)):
        first, second = items(actual), items(expected)
        if _empty(actual) or _empty(expected):
            return _empty(actual) and _empty(expected)
        return len(first) == len(second) and all(
            _equal(_single(a), _single(b), sensitive) for a, b in zip(first, second, strict=True)
        )
    return bool(compare("ceq" if sensitive else "eq", actual, expected))


def be(actual: Any, expected: Any) -> bool:
    """``Should -Be``: equal as ``-eq`` says (strings in any case), collections item by item."""
    return _equal(_single(actual), _single(expected), sensitive=False)


def be_exactly(actual: Any, expected: Any) -> bool:
    """``Should -BeExactly``: as :func:`be`, strings case-sensitive."""
    return _equal(_single(actual), _single(expected), sensitive=True)


def _every(op: str, actual: Any, expected: Any) -> bool:
    found = items(_single(actual)) or [None]
    return all(bool(compare(op, unwrap(item), unwrap(expected))) for item in found)


def be_like(actual: Any, pattern: Any) -> bool:
    """``Should -BeLike``: a wildcard pattern (``*``, ``?``, ``[a-z]``), in any case."""
    return _every("like", actual, pattern)


def be_like_exactly(actual: Any, pattern: Any) -> bool:
    """``Should -BeLikeExactly``: a case-sensitive wildcard pattern."""
    return _every("clike", actual, pattern)


def match(actual: Any, pattern: Any) -> bool:
    """``Should -Match``: a regular expression found anywhere, in any case."""
    return _every("match", actual, pattern)


def match_exactly(actual: Any, pattern: Any) -> bool:
    """``Should -MatchExactly``: a case-sensitive regular expression."""
    return _every("cmatch", actual, pattern)


def be_greater_than(actual: Any, expected: Any) -> bool:
    """``Should -BeGreaterThan``: ``-gt`` (the expected value takes the actual one's type)."""
    return _every("gt", actual, expected)


def be_greater_or_equal(actual: Any, expected: Any) -> bool:
    """``Should -BeGreaterOrEqual``: ``-ge``."""
    return _every("ge", actual, expected)


def be_less_than(actual: Any, expected: Any) -> bool:
    """``Should -BeLessThan``: ``-lt``."""
    return _every("lt", actual, expected)


def be_less_or_equal(actual: Any, expected: Any) -> bool:
    """``Should -BeLessOrEqual``: ``-le``."""
    return _every("le", actual, expected)


def be_in(actual: Any, collection: Any) -> bool:
    """``Should -BeIn``: the value is one of the collection's items (``-in``)."""
    return bool(compare("in", _single(actual), collection))


def contain(actual: Any, expected: Any) -> bool:
    """``Should -Contain``: one of the piped items equals the expected value (``-contains``)."""
    return bool(compare("contains", [unwrap(item) for item in items(unwrap(actual))], expected))


def have_count(actual: Any, expected: Any) -> bool:
    """``Should -HaveCount``: the number of piped items."""
    return len(items(unwrap(actual))) == int(unwrap(expected))


def be_null_or_empty(actual: Any) -> bool:
    """``Should -BeNullOrEmpty``: ``$null``, an empty string or nothing piped."""
    value = _single(actual)
    return _empty(value) or (isinstance(value, list) and all(_empty(v) for v in value))


def be_true(actual: Any) -> bool:
    """``Should -BeTrue``: true as PowerShell's ``if`` reads it."""
    return truthy(_single(actual))


def be_false(actual: Any) -> bool:
    """``Should -BeFalse``."""
    return not be_true(actual)


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "int": (int,), "int32": (int,), "int64": (int,), "long": (int,),
    "double": (float,), "float": (float,), "decimal": (float,), "bool": (bool,), "boolean": (bool,),
    "hashtable": (dict,), "array": (list, tuple), "object[]": (list, tuple), "datetime": (),
    "psobject": (object,), "object": (object,),
}  # fmt: skip


def be_of_type(actual: Any, type_name: Any) -> bool:
    """``Should -BeOfType [string]``: the value is of that type (by its PowerShell name, or a
    Python type); ``[datetime]`` is :class:`datetime.datetime`."""
    import datetime

    value = _single(actual)
    if isinstance(type_name, type):
        return isinstance(value, type_name)
    name = str(unwrap(type_name)).strip("[]").casefold().removeprefix("system.")
    if name == "datetime":
        return isinstance(value, datetime.datetime)
    if name in ("int", "int32", "int64", "long") and isinstance(value, bool):
        return False
    if name not in _TYPES:
        raise ValueError(f"Should -BeOfType: the type [{name}] is not known here; use a Python type")
    return isinstance(value, _TYPES[name])


def exist(actual: Any) -> bool:
    """``Should -Exist``: the path exists."""
    return os.path.exists(str(_single(actual)))


def message(pattern: str) -> str:
    """The regular expression for ``pytest.raises(match=...)`` that finds ``-Throw``'s wildcard
    ``-ExpectedMessage`` as Pester 5 does: ``-like`` over the whole text, in any case."""
    return r"(?is)\A" + fnmatch.translate(pattern).removeprefix("(?s:").removesuffix(r")\Z") + r"\Z"


# Should -Name (and its aliases) -> the function above; the second value: takes an expected value.
OPERATORS: dict[str, tuple[str, bool]] = {
    "be": ("be", True), "eq": ("be", True), "beexactly": ("be_exactly", True), "ceq": ("be_exactly", True),
    "belike": ("be_like", True), "belikeexactly": ("be_like_exactly", True),
    "match": ("match", True), "matchexactly": ("match_exactly", True), "cmatch": ("match_exactly", True),
    "begreaterthan": ("be_greater_than", True), "gt": ("be_greater_than", True),
    "begreaterorequal": ("be_greater_or_equal", True), "ge": ("be_greater_or_equal", True),
    "belessthan": ("be_less_than", True), "lt": ("be_less_than", True),
    "belessorequal": ("be_less_or_equal", True), "le": ("be_less_or_equal", True),
    "bein": ("be_in", True), "contain": ("contain", True), "havecount": ("have_count", True),
    "benullorempty": ("be_null_or_empty", False), "betrue": ("be_true", False),
    "befalse": ("be_false", False), "beoftype": ("be_of_type", True), "havetype": ("be_of_type", True),
    "exist": ("exist", False), "throw": ("throw", False),
}  # fmt: skip


def shown(value: Any) -> str:
    """A value as a failed assertion quotes it: strings quoted, collections as @(...)."""
    value = _single(value) if isinstance(value, (list, tuple)) else unwrap(value)
    if isinstance(value, list):
        return "@(" + ", ".join(shown(v) for v in value) + ")"
    if value is None:
        return "$null"
    return repr(value) if isinstance(value, str) else str(value)


def failure(operator: str, actual: Any, expected: Any, negate: bool, because: Any = None) -> str:
    """What a failed ``Should`` says: what was expected, what came, and the ``-Because``."""
    function, takes = OPERATORS[operator.casefold()]
    name = "".join(word.title() for word in function.split("_"))  # be_like -> BeLike
    reason = f", because {unwrap(because)}" if because else ""
    wanted = " " + shown(expected) if takes else ""
    return f"Expected {'not ' if negate else ''}-{name}{wanted}{reason}, but got {shown(actual)}."
