"""One router per resource: context, patterns, facts, curation, snapshots, index jobs, health."""

from server.routes import context, curation, facts, health, index, patterns, snapshots

ROUTERS = (
    context.router,
    patterns.router,
    facts.router,
    curation.router,
    snapshots.router,
    index.router,
    health.router,
)

__all__ = ["ROUTERS"]
