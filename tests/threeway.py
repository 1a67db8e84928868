"""Comparing a call made three ways: our session functions, our proxy functions, gradio_client.

Shared by tests/test_components.py (our own app of every component) and
tests/test_demo_corpus.py (apps of the gradio repository). Results are compared after one
normalisation: files by name (a FileData of ours, a local path of gradio_client's), and
gradio_client's dropping of State outputs applied to ours for the comparison only.
"""

from __future__ import annotations

import os
from typing import Any


def normalise(value: Any) -> Any:
    """Files by name (a FileData of ours, a local path of gradio_client's), the rest as it is."""
    if isinstance(value, dict):
        if "path" in value and ("meta" in value or "orig_name" in value or "url" in value):
            return ("file", os.path.basename(str(value.get("orig_name") or value["path"])))
        return {k: normalise(v) for k, v in value.items() if k not in ("url", "size", "is_stream")}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, str) and os.path.isabs(value) and os.path.isfile(value):
        return ("file", os.path.basename(value))
    return value


def visible_outputs(info: dict[str, Any], api_name: str, outputs: list[Any]) -> list[Any]:
    """What gradio_client returns: State outputs dropped (done here, for the comparison only)."""
    returns = info["named_endpoints"]["/" + api_name]["returns"]
    return [value for value, spec in zip(outputs, returns, strict=False) if spec.get("component") != "State"]


# Component types that are not values of the API when /config does not say (skip_api)
NOT_IN_API = {"state", "row", "column", "tabs", "tab", "tabitem", "box", "form", "accordion", "group",
              "interpretation", "dataset", "sidebar"}  # fmt: skip


def api_outputs(config: dict[str, Any], api_name: str, outputs: list[Any]) -> list[Any]:
    """The outputs ``/info`` documents, as gradio_client returns them: those of components that
    ``/config`` marks ``skip_api`` (State, layout blocks, a Button made invisible) dropped. Ours
    are the server's whole output list, as PowershAI returns it; done for the comparison only."""
    components = {c.get("id"): c for c in config.get("components") or []}
    for dependency in config.get("dependencies") or []:
        if str(dependency.get("api_name") or "").lstrip("/") == api_name:
            kept = []
            for value, cid in zip(outputs, dependency.get("outputs") or [], strict=False):
                component = components.get(cid, {})
                if not component.get("skip_api", component.get("type") in NOT_IN_API):
                    kept.append(value)
            return kept
    return outputs


def by_client(client: Any, api_name: str, arguments: list[Any], timeout: float | None = None) -> list[Any]:
    """``client.predict(*arguments)`` as a list of outputs, waiting at most ``timeout`` seconds."""
    if timeout is None:
        result = client.predict(*arguments, api_name="/" + api_name)
    else:
        result = client.submit(*arguments, api_name="/" + api_name).result(timeout=timeout)
    return list(result) if isinstance(result, tuple) else [result]
