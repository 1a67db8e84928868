"""compat: PowerShell-style names, objects and command lines over powershai_py.

For people moving PowerShell scripts that use PowershAI's Gradio cmdlets:

* :class:`PSObject` and :class:`Hashtable`: read results with the names you know
  (``EventId``, ``LastQueryStatus``, ``ApiCalls.AllEvents``...), keys in any case;
* :func:`invoke`: call a cmdlet by its name with PowerShell parameter names;
* :func:`run`: run a PowerShell script (parsed by tree-sitter-powershell);
* :func:`translate`: turn such a script into Python that uses ``powershai_py``, calling the
  helpers below where PowerShell's rules differ from Python's (``compat.ieq``,
  ``compat.count``, ``compat.interpolate``...: :mod:`compat.semantics`).

The core package never imports this one.
"""

from __future__ import annotations

from . import should
from .cmdlets import CMDLETS, CompatError, call, call_proxy, invoke
from .commands import (
    get_help,
    get_member,
    get_random,
    invoke_rest_method,
    measure_object,
    select_object,
    sort_object,
)
from .language import CompatSyntaxError, parse
from .methods import ScriptError, TypeName, get_type, set_env, throw
from .objects import Hashtable, PSObject, is_type, unwrap, wrap
from .runner import RunResult, run
from .semantics import (
    Output,
    arith,
    cast,
    ceq,
    cne,
    compare,
    contains,
    count,
    format_string,
    from_json,
    ieq,
    ige,
    igt,
    ile,
    ilt,
    index,
    ine,
    interpolate,
    isin,
    items,
    like,
    match,
    member,
    notcontains,
    notin,
    notlike,
    notmatch,
    quiet_warnings,
    span,
    to_json,
    truthy,
    unroll,
    unrolled,
)
from .translator import not_translated, todo_count, translate

__all__ = [
    # the everyday commands (compat.commands)
    "get_member",
    "get_random",
    "invoke_rest_method",
    "measure_object",
    "select_object",
    "sort_object",
    # PowerShell's rules, for translated scripts (compat.semantics)
    "Output",
    "arith",
    "cast",
    "ceq",
    "cne",
    "compare",
    "contains",
    "count",
    "format_string",
    "from_json",
    "get_type",
    "ieq",
    "ige",
    "igt",
    "ile",
    "ilt",
    "ine",
    "index",
    "interpolate",
    "isin",
    "items",
    "like",
    "match",
    "member",
    "notcontains",
    "notin",
    "notlike",
    "notmatch",
    "quiet_warnings",
    "ScriptError",
    "TypeName",
    "set_env",
    "throw",
    "span",
    "to_json",
    "truthy",
    "unroll",
    "unrolled",
    "call",
    "call_proxy",
    "get_help",
    "todo_count",
    "not_translated",
    "CMDLETS",
    "CompatError",
    "CompatSyntaxError",
    "Hashtable",
    "PSObject",
    "RunResult",
    "invoke",
    "is_type",
    "parse",
    "run",
    "translate",
    "unwrap",
    "wrap",
    # Pester's Should forms, for migrated tests (compat.should)
    "should",
]
