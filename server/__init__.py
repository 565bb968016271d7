"""``server``: the HTTP API (``brain serve``), the MCP server (``brain mcp``) and the
assistant hooks (``brain hook``), a thin layer over the library's ``Brain``.

- ``server.app.create_app(settings)``: the FastAPI application;
- ``server.service.BrainService``: one project shared by threads (query lock, index jobs);
- ``server.mcp_server.build_mcp(service)``: the MCP tools;
- ``server.hooks``: the prompt classifier and the Claude Code hook.

Nothing is imported here, so ``brain --help`` and the hook stay light.
"""
