"""One function per endpoint (New-GradioSessionApiProxyFunction), on top of ``sessions``.

``proxy`` (building the functions, pipelines, Invoke-GradioDynamicApi), ``proxy_result``
(what a call returns), ``param_types`` and ``names`` (types and names from ``/info``, pure).
"""
