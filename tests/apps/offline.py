"""Imported first by the test apps: Gradio sends no analytics and the Hub is never called.

The test fixtures set the same variables; this keeps an app offline when started by hand too.
"""

import os

for _name, _value in {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}.items():
    os.environ.setdefault(_name, _value)
