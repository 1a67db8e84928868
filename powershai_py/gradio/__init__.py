"""Gradio apps, one folder per layer (each imports only the folders above it in this list):

- ``protocol/``: stateless calls (the Send-GradioApi family): where an app's API lives, the
  ``/call`` and queue transports, files, logins, the objects they return.
- ``sessions/``: sessions and the calls made through them (New-GradioSession,
  Invoke-GradioSessionApi...), the MaxCalls policy, the session store interface.
- ``proxies/``: one generated function per endpoint, their results and pipelines.
- ``storage/``: the SQLite store the command line keeps sessions in.

The public functions are exported by :mod:`powershai_py` itself.
"""
