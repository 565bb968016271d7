"""One router per resource: context, patterns, facts, index jobs, health."""

from server.routes import context, facts, health, index, patterns

ROUTERS = (context.router, patterns.router, facts.router, index.router, health.router)

__all__ = ["ROUTERS"]
