"""compat: PowerShell-style names, objects and command lines over powershai_py.

For people moving PowerShell scripts that use PowershAI's Gradio cmdlets:

* :class:`PSObject` and :class:`Hashtable`: read results with the names you know
  (``EventId``, ``LastQueryStatus``, ``ApiCalls.AllEvents``...), keys in any case;
* :func:`invoke`: call a cmdlet by its name with PowerShell parameter names;
* :func:`run`: run a PowerShell line or script (a subset of the language);
* :func:`translate`: turn such a script into Python that uses ``powershai_py``.

The core package never imports this one.
"""

from __future__ import annotations

from .cmdlets import CMDLETS, CompatError, invoke
from .language import CompatSyntaxError, parse, tokenize
from .objects import Hashtable, PSObject, is_type, unwrap, wrap
from .runner import RunResult, run
from .translator import translate

__all__ = [
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
    "tokenize",
    "translate",
    "unwrap",
    "wrap",
]
