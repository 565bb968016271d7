"""One router per resource: context, patterns, facts, index jobs, health."""

from server.routes import context, curation, facts, health, index, patterns

ROUTERS = (context.router, patterns.router, facts.router, curation.router, index.router, health.router)

__all__ = ["ROUTERS"]
