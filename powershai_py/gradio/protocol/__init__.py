"""Stateless calls to Gradio apps (the Send-GradioApi family of cmdlets): no state but caches.

``app`` (where the API lives, from ``/config``), ``calls`` (submit and read, over ``/call`` or
the queue), ``queue`` (the queue transport's shared stream), ``files``, ``info``, ``login``,
``shapes`` and ``schema`` (the documents and parameter types, pure), ``models`` (the objects).
"""

from . import display  # noqa: F401, E402 (installs the notebook views of the models: models.VIEWS)
