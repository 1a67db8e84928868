"""The Python API binds its parameters as PowerShell binds the cmdlets' (issue 24).

The cmdlet table of ``compat`` was written from the specification of each original cmdlet
(its Positions, its switches); here each Python function is held to it: a parameter is
positional exactly where the cmdlet gives it a Position, in that order, and everything else
(switches, parameters the cmdlet names only, Python's own options) is keyword-only.
"""

from __future__ import annotations

import inspect
import warnings

import pytest

import powershai_py as ps
from powershai_py.compat.cmdlets import CMDLETS
from powershai_py.errors import PowershaiError

ROWS = sorted({cmdlet.name: cmdlet for cmdlet in CMDLETS.values()}.values(), key=lambda c: c.name)


@pytest.mark.parametrize("cmdlet", ROWS, ids=[c.name for c in ROWS])
def test_positional_exactly_where_the_cmdlet_has_a_position(cmdlet):
    signature = inspect.signature(getattr(ps, cmdlet.python_name))
    positional = [
        p.name
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    wanted = [
        p.python
        for p in sorted((p for p in cmdlet.params if p.position is not None), key=lambda p: p.position)
    ]
    assert positional == wanted


@pytest.mark.parametrize("cmdlet", ROWS, ids=[c.name for c in ROWS])
def test_every_switch_is_keyword_only(cmdlet):
    signature = inspect.signature(getattr(ps, cmdlet.python_name))
    for param in cmdlet.params:
        if param.switch:
            assert signature.parameters[param.python].kind is inspect.Parameter.KEYWORD_ONLY, param.name


def test_the_client_methods_bind_as_the_functions_do():
    client = ps.Client()
    for cmdlet in ROWS:
        function = inspect.signature(getattr(ps, cmdlet.python_name))
        method = inspect.signature(getattr(client, cmdlet.python_name))
        assert list(method.parameters.values()) == list(function.parameters.values()), cmdlet.python_name


@pytest.mark.parametrize(
    "call",
    [
        # a switch given where the old signature had it: refused, never taken as the new positional
        lambda: ps.set_gradio_session("nothing-here", True),
        lambda: ps.remove_gradio_session_api("clean", True),
        lambda: ps.connect_hugging_face_space_gradio("owner/space", True),
    ],
    ids=["set_gradio_session default", "remove_gradio_session_api force", "connect force"],
)
def test_a_switch_passed_where_it_used_to_sit_is_refused_with_advice(call):
    with pytest.raises(PowershaiError) as caught:
        call()
    assert "keyword-only" in caught.value.message


def test_wait_takes_seconds_and_the_old_milliseconds_name_with_a_warning():
    signature = inspect.signature(ps.wait_hugging_face_space)
    assert signature.parameters["interval"].default == 5.0
    from powershai_py.hub import _interval_seconds

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _interval_seconds(2.5, None) == 2.5
    with pytest.warns(DeprecationWarning, match="interval="):
        assert _interval_seconds(5.0, 1500) == 1.5


def test_one_get_gradio_info():
    from powershai_py.gradio.protocol import info

    assert not hasattr(info, "get_gradio_info")  # the URL-only reader is fetch_gradio_info
    assert "session" in (ps.get_gradio_info.__doc__ or "")
