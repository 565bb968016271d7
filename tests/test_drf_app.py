"""Integration: the Django REST Framework fixture app indexed with the real model into a real
SQLite file. Ground truth: tests/fixtures/README.md (section 3)."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.integration

#: handler -> (methods and full path of each URL it serves)
ROUTES = {
    "register": [("POST", "/api/auth/register/")],
    "MeView.get": [("GET", "/api/auth/me/")],
    "MeView.patch": [("PATCH", "/api/auth/me/")],
    "health": [("", "/api/auth/health/")],
    "ProjectViewSet": [("GET,POST", "/api/projects/"), ("GET,PUT,PATCH,DELETE", "/api/projects/{pk}/")],
    "ProjectViewSet.archive": [("POST", "/api/projects/{pk}/archive/")],
    "ProjectViewSet.owned": [("GET", "/api/projects/mine/")],
    "TaskListCreateView": [("GET,POST", "/api/projects/<int:project_pk>/tasks/")],
    "TaskDetailView": [("GET,PUT,PATCH,DELETE", "/api/projects/<int:project_pk>/tasks/<int:pk>/")],
    "InvoiceViewSet": [("GET", "/api/invoices/"), ("GET,PUT,PATCH", "/api/invoices/{pk}/")],
    "InvoiceViewSet.create": [("POST", "/api/invoices/")],
    "InvoiceViewSet.destroy": [("DELETE", "/api/invoices/{pk}/")],
    "InvoiceViewSet.send_reminder": [("POST", "/api/invoices/{pk}/send-reminder/")],
    "PaymentViewSet": [("GET,POST", "/api/payments/"), ("GET", "/api/payments/{pk}/")],
    "MonthlyReportView": [("GET", "/reports/monthly/")],
}


def test_routes_with_full_paths(drf_brain):
    routes = {p.qualname: p for p in drf_brain.patterns(kind="route")}
    assert set(routes) == set(ROUTES)
    for name, urls in ROUTES.items():
        got = [(",".join(u["methods"]), u["path"]) for u in routes[name].meta["urls"]]
        assert got == urls, name
        assert routes[name].meta["full_path"] == urls[0][1], name
    # the pattern of an inherited-actions viewset is the whole class; an @action is its method
    assert (routes["ProjectViewSet"].start_line, routes["ProjectViewSet"].end_line) == (14, 41)
    assert routes["InvoiceViewSet.send_reminder"].meta["permission_classes"] == ["IsBillingAdmin"]
    assert routes["MonthlyReportView"].meta["django_auth"] == ["login_required"]


def test_permission_convention_with_counts(drf_brain):
    conventions = {c["key"]: c for c in drf_brain.conventions()}
    auth = conventions["auth"]
    assert auth["data"]["name"] == "IsProjectMember"
    assert (auth["data"]["count"], auth["data"]["total"]) == (4, 7)  # of the 7 DRF views
    assert auth["data"]["form"] == "permission_classes = [IsAuthenticated, IsProjectMember]"
    assert auth["data"]["inherit"] == 2 and auth["data"]["default"] == ["IsAuthenticated"]
    assert auth["data"]["by_class"] == {"IsProjectMember": 4, "IsAuthenticated": 3, "AllowAny": 1}
    statement = auth["statement"]
    assert (
        "2 of 7 DRF views set nothing and inherit `IsAuthenticated` from "
        "settings.REST_FRAMEWORK['DEFAULT_PERMISSION_CLASSES'] (config/settings/base.py:55)"
    ) in statement
    assert "open to anyone (`AllowAny`): register (/api/auth/register/)" in statement
    assert "plain Django views (2) use `@login_required` (1)" in statement
    assert "@action overrides: `IsBillingAdmin` (1)" in statement
    permission = next(p for p in drf_brain.patterns(kind="dependency") if p.name == "IsProjectMember")
    assert auth["data"]["pattern_ids"] == [permission.id]
    assert permission.usage == 8  # route handlers (class patterns and methods) that list it
    authn = conventions["auth:authentication"]
    assert "7 of 7 DRF views inherit `JWTAuthentication, SessionAuthentication`" in authn["statement"]


def test_defaults_errors_pagination_throttling_validation(drf_brain):
    conventions = {c["key"]: c for c in drf_brain.conventions()}
    defaults = conventions["defaults"]["statement"]
    # each REST_FRAMEWORK default is said once, by the convention it belongs to ...
    for key, part in (
        ("auth", "inherit `IsAuthenticated` from settings.REST_FRAMEWORK['DEFAULT_PERMISSION_CLASSES']"),
        ("pagination", "`StandardPagination` from settings.REST_FRAMEWORK['DEFAULT_PAGINATION_CLASS']"),
        ("pagination", "PAGE_SIZE 20"),
        ("errors", "`api_exception_handler` (core/exceptions.py) is the EXCEPTION_HANDLER"),
        ("filters", "`DjangoFilterBackend, OrderingFilter` from settings.REST_FRAMEWORK['DEFAULT_FILTER_BACKENDS']"),
    ):
        assert part in conventions[key]["statement"], part
    # ... and the defaults keep what nothing else says
    assert defaults == (
        "project-wide defaults: views that set nothing get schema `AutoSchema` (settings.REST_FRAMEWORK, "
        "config/settings/base.py); project middleware `RequestIdMiddleware`; database `postgresql`"
    )
    errors = conventions["errors"]
    assert errors["data"]["handler"] == "api_exception_handler"
    assert errors["data"]["shape"] == '{"error": {"code", "message", "details"}}'
    assert errors["data"]["base"] == "ServiceError"
    assert "`Conflict` (409)" in errors["statement"] and "`PaymentRequired` (402)" in errors["statement"]
    assert "are raised in 4 of 15 handlers" in errors["statement"]
    assert "errors:shape" not in conventions and "responses" not in conventions
    db = conventions["errors:db"]
    assert db["statement"] == (
        "database errors: views catch `IntegrityError` and `raise Conflict` (1 handler, "
        "e.g. InvoiceViewSet.create in billing/views.py:33)"
    )
    pagination = conventions["pagination"]
    assert pagination["data"]["name"] == "StandardPagination"
    assert pagination["data"]["keys"] == ["results", "count", "next", "previous"]
    assert "(3 of 4 list views inherit it)" in pagination["statement"]
    assert "`LargeResultsPagination` ×1" in pagination["statement"]
    throttling = conventions["rate_limit"]["statement"]
    assert "`UserRateThrottle` from settings" in throttling and "on the 5 DRF views that set nothing" in throttling
    validation = conventions["validation"]
    assert validation["data"]["schemas"][0] == "InvoiceSerializer"  # the one with the most validators
    assert "`InvoiceSerializer.validate_amount`" in validation["statement"]
    assert "`ProjectSerializer.tasks` → `TaskSerializer`" in validation["statement"]
    assert "`filterset_class` on `ProjectFilter` (1), `TaskFilter` (1)" in conventions["filters"]["statement"]


def test_models_serializers_facts(drf_brain):
    models = {p.name: p for p in drf_brain.patterns(kind="model")}
    assert set(models) == {"User", "Project", "Task", "Invoice", "Payment"}
    assert models["Invoice"].meta["table"] == "billing_invoice"
    assert {"name": "project", "target": "Project", "type": "ForeignKey"} in models["Invoice"].meta["relationships"]
    schemas = {p.name: p for p in drf_brain.patterns(kind="schema")}
    assert schemas["InvoiceSerializer"].meta["validators"] == ["validate_amount", "validate_currency", "validate"]
    assert schemas["ProjectFilter"].meta["library"] == "django-filter"
    facts = {(f.category, f.name): f for f in drf_brain.facts()}
    assert facts[("framework", "Django")].value == "5.0.6"
    assert facts[("framework", "Django REST Framework")].value == "3.15.1"
    assert facts[("auth", "Simple JWT")].value == "5.3.1"
    assert facts[("database", "PostgreSQL")].source == "config/settings/base.py:40"
    assert facts[("other", "drf-spectacular (OpenAPI)")].value == "0.27.2"
    tests = [p for p in drf_brain.patterns(kind="test") if p.meta.get("requests")]
    assert len(tests) == 7


def test_pack_for_new_billing_resource(drf_brain):
    pack = drf_brain.context("Add CRUD endpoints for expenses in billing", budget=4000)
    md = pack.to_markdown()
    assert pack.tokens <= 4000
    closest = [e for e in pack.exemplars if e.role == "closest resource"]
    assert closest[0].pattern.qualname == "InvoiceViewSet"
    assert "class InvoiceViewSet(viewsets.ModelViewSet):" in md
    names = {e.pattern.name for e in pack.exemplars}
    assert {"IsProjectMember", "api_exception_handler", "StandardPagination", "InvoiceSerializer"} <= names
    # a DRF permission class is the convention for permissions (authorization), not authentication
    member = next(e for e in pack.exemplars if e.pattern.name == "IsProjectMember")
    assert member.reason == "the project's convention for permissions (authorization)"
    assert "inherit `IsAuthenticated` from settings.REST_FRAMEWORK" in md
    assert '{"error": {"code", "message", "details"}}' in md
    checklist = {c.key: c for c in pack.checklist}
    assert checklist["auth"].found
    assert "permission_classes = [IsAuthenticated, IsProjectMember]" in checklist["auth"].answer
    assert checklist["tests"].found and checklist["rate_limit"].found and checklist["db_errors"].found
    assert "UserRateThrottle (settings DEFAULT_THROTTLE_CLASSES)" in checklist["rate_limit"].answer
    tests = [e for e in pack.exemplars if e.role == "endpoint test"]
    assert "tests/test_billing.py" in {e.pattern.path for e in tests}


def test_reindex_after_settings_change(drf_brain, tmp_path, real_encoder):
    """Editing the settings module alone changes the inherited-default convention."""
    from memorybrain import Brain

    root = shutil.copytree(drf_brain.config.root, tmp_path / "drf_app", ignore=shutil.ignore_patterns(".brain"))
    brain = Brain.open(root, encoder=real_encoder)
    try:
        brain.index()
        settings = root / "config" / "settings" / "base.py"
        text = settings.read_text()
        settings.write_text(
            text.replace('["rest_framework.permissions.IsAuthenticated"]', '["core.permissions.IsProjectMember"]')
        )
        report = brain.index()
        assert report.indexed == 1
        auth = next(c for c in brain.conventions() if c["key"] == "auth")
        assert "inherit `IsProjectMember` from settings.REST_FRAMEWORK" in auth["statement"]
    finally:
        brain.close()
