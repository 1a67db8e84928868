"""A client: an independent powershai-py, as ``requests.Session`` is to ``requests.get``.

PowerShell equivalent: a PowerShell session of its own with PowershAI imported.

A :class:`Client` owns its settings, its default token, its pooled HTTP connections, its
caches (app layouts, logins, queue streams) and its session store. Every function of the
library is one of its methods, with the same name and parameters; the plain functions
(``powershai_py.invoke_gradio_session_api(...)``) use the process's default client. Two
clients never share anything, so two configurations (two stores, two tokens, a test and its
subject) live side by side in one process, in threads too.

    from powershai_py import Client

    with Client(store="work.sqlite3", token="hf_...", read_timeout=5) as client:
        client.new_gradio_session("http://127.0.0.1:7860", "lab")
        call = client.invoke_gradio_session_api("greet", {"name": "Ana"})
        print(client.update_gradio_session_api_result(call)[-1].data)

Inside ``with client:`` the plain functions use that client too (in that thread or task).
Objects a client made (calls, proxy results, streams) keep using it wherever they are read.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from importlib import import_module
from typing import Any

from ._exports import EXPORTS
from .errors import PowershaiError
from .http import close_all_sessions, set_default_token
from .state import HttpSettings, State, run_in, using

__all__ = ["Client"]

# every public function of the library is a method of a client
METHODS = sorted(name for name, module in EXPORTS.items() if name[:1].islower() and name != "settings")


class Client:
    """An independent powershai-py: its own settings, token, connections, caches and store.

    ``token`` is used when a call gives none (``"public"`` is not a default: give it per
    call); ``store`` is a session store (a path makes an SQLite store there, as the CLI
    uses); ``settings`` a :class:`~powershai_py.state.HttpSettings` to start from, and any
    keyword (``read_timeout=5``, ``transport="call"``...) changes one field of it.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        store: Any = None,
        settings: HttpSettings | None = None,
        **changes: Any,
    ) -> None:
        valid = {f.name for f in fields(HttpSettings)}
        unknown = sorted(set(changes) - valid)
        if unknown:
            raise PowershaiError(
                f"Client() has no setting {', '.join(unknown)}; the settings are: {', '.join(sorted(valid))}",
                code="POWERSHAI_CLIENT_SETTING",
            )
        self.state = State(replace(settings or HttpSettings(), **changes))
        self._entered: list[Any] = []
        with using(self.state):
            if token is not None:
                set_default_token(token)
            if store is not None:
                from .gradio.sessions.store import use_store

                use_store(_store_of(store))

    @property
    def settings(self) -> HttpSettings:
        """This client's settings (change their fields to tune it)."""
        return self.state.settings

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in METHODS:
            raise AttributeError(f"'Client' object has no attribute {name!r}")
        function = getattr(import_module(EXPORTS[name]), name)

        def method(*args: Any, **kwargs: Any) -> Any:
            with using(self.state):
                result = function(*args, **kwargs)
            if isinstance(result, Iterator):  # a stream: each step reads with this client
                return run_in(self.state, result)
            return result

        method.__name__ = method.__qualname__ = name
        method.__doc__ = function.__doc__
        method.__signature__ = _signature(function)  # type: ignore[attr-defined]  # help() and IDEs
        return method

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *METHODS]

    def __enter__(self) -> Client:
        """Make this client the active one in this thread or task until the block ends
        (then close it)."""
        self._entered.append(using(self.state))
        self._entered[-1].__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if self._entered:
                self._entered.pop().__exit__(*exc)
        finally:
            self.close()

    def close(self) -> None:
        """Close this client's connections, streams and store; it cannot be used after."""
        from .gradio.protocol.queue import close_channels
        from .gradio.sessions.store import current_store

        with using(self.state):
            close_channels()
            store = current_store()
            close_store = getattr(store, "close", None)
            if callable(close_store):
                close_store()
        close_all_sessions(self.state)
        self.state.closed = True

    def __repr__(self) -> str:
        with using(self.state):
            from .gradio.sessions.store import current_store

            store = current_store()
        closed = ", closed" if self.state.closed else ""
        return f"Client(store={store!r}, token={'<set>' if self.state.token else None}{closed})"


@functools.cache
def _signature(function: Callable[..., Any]) -> inspect.Signature:
    """A function's signature, worked out once (a method is looked up on every call)."""
    return inspect.signature(function)


def _store_of(store: Any) -> Any:
    """A store object, or an SQLite store at a path."""
    if isinstance(store, (str, os.PathLike)):
        from .gradio.storage.sqlite_store import SQLiteStore

        return SQLiteStore(store)
    return store
