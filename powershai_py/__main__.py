"""``python -m powershai_py``: the same as the ``powershai-py`` command."""

from .cli import run

run()
