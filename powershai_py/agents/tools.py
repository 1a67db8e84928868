"""The tools an app offers an agent: one per endpoint that can be called, and its checks.

PowerShell equivalent: New-GradioSessionApiProxyFunction, for an agent instead of a script.

A tool is an endpoint of an open session: its name comes from the endpoint (with the app's
label in front when several apps are served, so names stay unique), its description from
the endpoint's docs, parameters and outputs, its input schema from ``/info``
(:func:`~powershai_py.gradio.proxies.tool_schema.input_schema`). Endpoints that cannot be
called (``GradioInfo.unusable_endpoints``) are left out: one broken endpoint never costs
the app its other tools. Nothing here imports the MCP SDK.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PowershaiError, excerpt
from ..gradio.protocol.app import is_url
from ..gradio.protocol.files import local_files
from ..gradio.protocol.models import AppLayout, GradioSession, is_filedata
from ..gradio.protocol.schema import map_files
from ..gradio.proxies.tool_schema import input_schema, tool_name

__all__ = ["AppTool", "make_tools", "describe_endpoint", "argument_problems", "check_local_files"]


@dataclass(frozen=True)
class AppTool:
    """An endpoint of an open session, as an agent's tool."""

    name: str
    description: str
    input_schema: dict[str, Any]
    session: str  # the session's name, in the server's own store
    endpoint: str  # the endpoint's name, without its slash
    app_label: str
    version: str | None  # the app's Gradio version (it words the app's errors)
    spec: dict[str, Any] = field(repr=False, compare=False)  # the endpoint's /info entry

    @property
    def title(self) -> str:
        return f"/{self.endpoint} of {self.app_label}"

    @functools.cached_property
    def validator(self) -> Any:
        """The judge of this tool's arguments (jsonschema, made once)."""
        from jsonschema import Draft202012Validator  # installed with the mcp extra (the SDK needs it)

        return Draft202012Validator(self.input_schema)


def _words(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def entries(value: Any) -> list[dict[str, Any]]:
    """The objects of a list of ``/info`` (its parameters or returns); anything else: none."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _one_line(item: dict[str, Any], fallback: str) -> str:
    """``label (python type)`` of a parameter or output of ``/info``."""
    label = _words(item.get("label")) or _words(item.get("parameter_name")) or fallback
    python = item.get("python_type")
    kind = _words(python.get("type")) if isinstance(python, dict) else ""
    return f"{label} ({kind})" if kind else label


def describe_endpoint(
    endpoint: str, spec: dict[str, Any], app_label: str, version: str | None, title: str | None = None
) -> str:
    """An endpoint described for an agent: its docs, what it takes and what it returns (pure);
    ``title`` is the app's own (left out when it is Gradio's default, "Gradio")."""
    lines = []
    said = _words(spec.get("description"))
    if said:
        lines.append(said)
    named = f' "{title.strip()}"' if isinstance(title, str) and title.strip() not in ("", "Gradio") else ""
    gradio = f", Gradio {version}" if version else ""
    lines.append(f"Calls the endpoint /{endpoint} of the Gradio app{named} ({app_label}{gradio}).")
    parameters = entries(spec.get("parameters"))
    if parameters:
        lines.append("Takes: " + "; ".join(_one_line(p, f"input {n}") for n, p in enumerate(parameters, 1)))
    returns = entries(spec.get("returns"))
    if len(returns) == 1:
        lines.append("Returns: " + _one_line(returns[0], "output"))
    elif returns:
        named = "; ".join(f"{n}. {_one_line(r, 'output')}" for n, r in enumerate(returns, 1))
        lines.append(f"Returns {len(returns)} values, one content block (or more, for files) each: {named}")
    if any(_takes_file(p.get("type")) for p in parameters):
        lines.append("Files are given as a local path or a URL; they are uploaded for you.")
    return "\n".join(lines)


def _takes_file(schema: Any) -> bool:
    found: list[Any] = []

    def note(value: Any) -> Any:
        found.append(value)
        return value

    map_files("x", schema, note)
    return bool(found)


def make_tools(
    apps: Iterable[tuple[str, GradioSession, AppLayout]], endpoints: Iterable[str] = ()
) -> list[AppTool]:
    """The tools of ``apps`` (``(label, session, layout)``, in order): one per callable
    endpoint, or only those named in ``endpoints``. With several apps each name starts with
    its app's label. An endpoint asked for that no app has is a PowershaiError."""
    apps = list(apps)
    wanted = {name.strip().lstrip("/") for name in endpoints if name.strip("/ ")}
    taken: set[str] = set()
    tools: list[AppTool] = []
    seen: set[str] = set()
    for label, session, layout in apps:
        for path, spec in session.info.named_endpoints.items():
            endpoint = path.lstrip("/")
            if wanted and endpoint not in wanted:
                continue
            if not isinstance(spec, dict) or session.info.why_unusable(endpoint):
                continue
            seen.add(endpoint)
            try:
                schema = input_schema(spec.get("parameters") or [], layout.bounds.get(endpoint))
            except ValueError:
                continue  # an endpoint whose parameters cannot be read is not offered
            tools.append(
                AppTool(
                    name=tool_name(label if len(apps) > 1 else "", endpoint, taken),
                    description=describe_endpoint(endpoint, spec, label, session.info.version, layout.title),
                    input_schema=schema,
                    session=session.name,
                    endpoint=endpoint,
                    app_label=label,
                    version=session.info.version,
                    spec=spec,
                )
            )
    missing = sorted(wanted - seen)
    if missing:
        offered = sorted({p.lstrip("/") for _, s, _ in apps for p in s.info.named_endpoints})
        raise PowershaiError(
            f"no app served here has the endpoint {', '.join('/' + m for m in missing)}; "
            f"the endpoints are: {', '.join('/' + o for o in offered) or 'none'}",
            code="POWERSHAI_GRADIO_APINOTFOUND",
        )
    return tools


def argument_problems(tool: AppTool, arguments: dict[str, Any]) -> list[str]:
    """What is wrong with ``arguments`` for ``tool``, as its input schema says (empty: nothing).

    Each problem names the argument and what it should be, for the agent to correct."""
    problems = []
    for error in sorted(
        tool.validator.iter_errors(arguments), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        where = ".".join(str(part) for part in error.absolute_path) or "the arguments"
        problems.append(f"{where}: {excerpt(error.message, 200)}")
    return problems


def check_local_files(tool: AppTool, arguments: dict[str, Any], roots: list[Path]) -> None:
    """Refuse a local path, given where ``tool`` takes a file, that is not inside one of the
    folders ``roots`` (an agent uploads only what the user lets it): the PowershaiError
    names the paths and the folders. URLs and FileData of the app are not local paths."""
    allowed = [root.resolve() for root in roots]
    problems: list[str] = []

    def inside(path: Path) -> bool:
        real = path.resolve()
        return any(real == root or real.is_relative_to(root) for root in allowed)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or is_url(value) or is_filedata(value):
            return value
        if not inside(Path(value).expanduser().absolute()):
            problems.append(value)  # refused before the disk is even looked at
            return value
        try:
            found = local_files(value)
        except PowershaiError:
            return value  # no such file: the call says so, in the library's own words
        problems.extend(str(path) for path in found if not inside(path))  # a link out, a pattern
        return value

    for spec in entries(tool.spec.get("parameters")):
        if spec.get("parameter_name") in arguments:
            map_files(arguments[spec["parameter_name"]], spec.get("type"), check)
    if problems:
        folders = ", ".join(json.dumps(str(root)) for root in allowed) or "none"
        raise PowershaiError(
            f"{', '.join(problems)}: this server uploads files only from {folders} "
            "(start it with --allow-files FOLDER to add one)",
            path=problems[0],
            code="POWERSHAI_MCP_FILE_NOT_ALLOWED",
        )
