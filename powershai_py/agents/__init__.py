"""Gradio apps as tools for AI agents, over the Model Context Protocol (``powershai-py mcp``).

PowerShell equivalent: none (PowershAI lets a script call apps; this lets an agent do it).

* :mod:`.tools`: which tools an app offers, their names, descriptions and input schemas, and
  the checks of a tool's arguments (no MCP import);
* :mod:`.content`: what a call returned, as the content blocks a tool result holds;
* :mod:`.tool_calls`: one tool call as library calls (start, read with progress, cancel);
* :mod:`.mcp_server`: the official ``mcp`` SDK's server around them, over stdio or HTTP.

Only :mod:`.mcp_server` imports the SDK (the optional extra ``powershai-py[mcp]``).
"""
