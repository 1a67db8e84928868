"""compat: PowerShell-style names, objects and command lines over powershai_py.

Empty for now: the compat issue fills it. The core package never imports it.
"""
