"""Names of proxy functions and their parameters (pure).

PowerShell names follow SPEC 5.2: .NET ``TextInfo.ToTitleCase`` (invariant culture), then
every character outside ``A-Za-z0-9`` removed. Python names are snake_case identifiers
derived from the same server text, ASCII only.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "title_case",
    "clean_name",
    "snake_name",
    "python_identifier",
    "POWERSHELL_RESERVED",
]

# Parameters every generated function has, and PowerShell's common parameters: an endpoint
# parameter cleaned to one of these names is renamed param<N>.
POWERSHELL_RESERVED = frozenset(
    name.casefold()
    for name in [
        "Manual",
        "ApiResultMap",
        "Map",
        "Arm",
        "DebugData",
        "ApiToken",
        "PipeObj",
        "Verbose",
        "Debug",
        "ErrorAction",
        "WarningAction",
        "InformationAction",
        "ProgressAction",
        "ErrorVariable",
        "WarningVariable",
        "InformationVariable",
        "OutVariable",
        "OutBuffer",
        "PipelineVariable",
        "WhatIf",
        "Confirm",
    ]
)


def _kind(ch: str) -> str:
    category = unicodedata.category(ch)
    if category[0] == "L":
        return "letter"
    if category == "Nd" or category[0] == "M":
        return "inner"  # continues a word, never starts one
    return "separator"


def _one(changed: str, original: str) -> str:
    """.NET changes case one character at a time: a change that is not 1:1 (``ß`` -> ``SS``) is skipped."""
    return changed if len(changed) == 1 else original


def title_case(text: str) -> str:
    """``ToTitleCase`` as .NET does it with the invariant culture.

    A word starts at a letter met outside a word and runs through letters, digits and
    marks. Its first letter is upper-cased; the rest is lower-cased only if the word has
    a lower-case letter, so all-capital words stay as they are.
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        if _kind(text[i]) != "letter":
            out.append(text[i])
            i += 1
            continue
        end = i + 1
        while end < len(text) and _kind(text[end]) != "separator":
            end += 1
        word = text[i:end]
        has_lower = any(unicodedata.category(ch) == "Ll" for ch in word)
        rest = "".join(_one(ch.lower(), ch) for ch in word[1:]) if has_lower else word[1:]
        out.append(_one(word[0].upper(), word[0]) + rest)
        i = end
    return "".join(out)


def clean_name(text: str) -> str:
    """The PowerShell name part for ``text``: title-cased, then only ``A-Za-z0-9`` kept.

    ``generate_image`` gives ``GenerateImage``, ``GenerateImage`` gives ``Generateimage``
    (as in the original), ``API_call`` gives ``APICall``.
    """
    return re.sub(r"[^A-Za-z0-9]", "", title_case(text))


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return (
        "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
    )


def snake_name(text: str) -> str:
    """A snake_case rendering of ``text`` in ASCII (``"Op1"`` -> ``op1``, ``"GenerateImage"`` ->
    ``generate_image``, ``"odd name-ção"`` -> ``odd_name_cao``). May be empty."""
    plain = _ascii(text)
    plain = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", plain)
    plain = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", plain)
    plain = re.sub(r"[^A-Za-z0-9]+", "_", plain)
    return plain.strip("_").lower()


def python_identifier(
    text: str, fallback: str, taken: Iterable[str] = (), reserved: Iterable[str] = ()
) -> str:
    """``text`` if it is a usable Python identifier, else a cleaned one, else ``fallback``.

    Usable: a valid ASCII identifier, not a keyword, not in ``reserved`` (any case) and not
    already ``taken``.
    """
    blocked = {name.casefold() for name in reserved}
    used = set(taken)

    def usable(name: str) -> bool:
        return (
            name.isidentifier()
            and name.isascii()
            and not keyword.iskeyword(name)
            and name.casefold() not in blocked
            and name not in used
        )

    if usable(text):
        return text
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", _ascii(text)).strip("_")
    if cleaned and cleaned[0].isdigit():
        cleaned = "_" + cleaned
    if usable(cleaned):
        return cleaned
    return fallback
