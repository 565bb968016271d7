"""A Django project with server-rendered views and a DRF API: an API request copies the API."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.integration

FILES = {
    "shop/views.py": """
        from django.views.generic import CreateView, DeleteView, DetailView, ListView, UpdateView
        from shop.models import Order

        class OrderListView(ListView):
            model = Order

        class OrderDetailView(DetailView):
            model = Order

        class OrderCreateView(CreateView):
            model = Order
            fields = ["number"]

        class OrderUpdateView(UpdateView):
            model = Order
            fields = ["number"]

        class OrderDeleteView(DeleteView):
            model = Order
    """,
    "shop/api/views.py": """
        from rest_framework import viewsets
        from shop.api.serializers import OrderSerializer
        from shop.models import Order

        class OrderViewSet(viewsets.ModelViewSet):
            queryset = Order.objects.all()
            serializer_class = OrderSerializer
    """,
    "shop/urls.py": """
        from django.urls import include, path
        from rest_framework.routers import DefaultRouter
        from shop import views
        from shop.api.views import OrderViewSet

        router = DefaultRouter()
        router.register("orders", OrderViewSet)
        urlpatterns = [
            path("orders/", views.OrderListView.as_view()),
            path("orders/<int:pk>/", views.OrderDetailView.as_view()),
            path("orders/new/", views.OrderCreateView.as_view()),
            path("orders/<int:pk>/edit/", views.OrderUpdateView.as_view()),
            path("orders/<int:pk>/delete/", views.OrderDeleteView.as_view()),
            path("api/", include(router.urls)),
        ]
    """,
}


def _write(root, files: dict[str, str]) -> None:
    for rel, src in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(textwrap.dedent(src))


def test_api_request_in_a_django_project_copies_the_drf_view(tmp_path, real_encoder):
    from memorybrain import Brain

    _write(tmp_path, FILES)
    brain = Brain.open(tmp_path, encoder=real_encoder)
    try:
        brain.index()
        api = brain.context("Add CRUD API endpoints for invoices", budget=2000)
        assert [e for e in api.exemplars if e.role == "closest resource"][0].pattern.path == "shop/api/views.py"
        page = brain.context("Add pages to list and edit invoices", budget=2000)
        assert [e for e in page.exemplars if e.role == "closest resource"][0].pattern.path == "shop/views.py"
    finally:
        brain.close()


def test_a_page_request_gets_the_pages_own_access_mixin_and_forms(tmp_path, real_encoder):
    """pretalx: API views inherit DRF's settings default, pages derive from the project's
    ``EventPermissionRequired`` mixin; a request for pages gets the pages' guard first, and the
    pages' forms for input validation (the API's serializers for an API request)."""
    from memorybrain import Brain

    files = dict(FILES)
    files["shop/mixins.py"] = """
        class EventPermissionRequired:
            permission_required = None
    """
    files["shop/views.py"] = (
        FILES["shop/views.py"]
        .replace(
            "from shop.models import Order",
            "from shop.models import Order\n        from shop.mixins import EventPermissionRequired",
        )
        .replace("(ListView)", "(EventPermissionRequired, ListView)")
        .replace("(CreateView)", "(EventPermissionRequired, CreateView)")
        .replace("(UpdateView)", "(EventPermissionRequired, UpdateView)")
        .replace("(DeleteView)", "(EventPermissionRequired, DeleteView)")
    )
    # ... and validates with Django forms, where the API uses serializers
    files["shop/api/serializers.py"] = """
        from rest_framework import serializers
        from shop.models import Order

        class OrderSerializer(serializers.ModelSerializer):
            class Meta:
                model = Order
                fields = ["number"]

            def validate_number(self, value):
                if not value:
                    raise serializers.ValidationError("a number")
                return value
    """
    files["shop/views.py"] = files["shop/views.py"].replace('fields = ["number"]', "form_class = OrderForm")
    files["shop/views.py"] = files["shop/views.py"].replace(
        "class OrderDeleteView(EventPermissionRequired, DeleteView):\n            model = Order",
        "class OrderDeleteView(EventPermissionRequired, DeleteView):\n            model = Order\n"
        "            form_class = ConfirmForm",
    )
    _write(tmp_path, files)
    with Brain.open(tmp_path, encoder=real_encoder) as brain:
        brain.index()
        page = brain.context("Add pages to list and edit invoices", budget=3000)
        api = brain.context("Add CRUD API endpoints for invoices", budget=3000)
    validation = next(i for i in page.checklist if i.key == "validation")
    assert validation.answer.startswith("Django forms like `OrderForm` (`form_class` on 3 of 5 pages)"), validation
    validation = next(i for i in api.checklist if i.key == "validation")
    assert validation.answer.startswith("DRF schemas like `OrderSerializer`"), validation
    auth = next(i for i in page.checklist if i.key == "auth")
    assert auth.answer.startswith(
        "like `shop/views.py`, the module most like the request: `class ...(EventPermissionRequired)` (4 of its 5"
    ), auth.answer
    statement = next(c["statement"] for c in page.conventions if c["key"] == "auth")
    assert "plain Django views (5) use `EventPermissionRequired` (4)" in statement


UI_VIEWSETS = {
    "proj/settings.py": """
        INSTALLED_APPS = ["rest_framework", "billing", "shop"]
        ROOT_URLCONF = "proj.urls"
    """,
    "proj/urls.py": """
        from django.urls import include, path

        urlpatterns = [
            path("billing/", include("billing.urls")),
            path("api/", include("shop.api.urls")),
        ]
    """,
    # pages served by DRF viewsets that render templates (nautobot's NautobotUIViewSet)
    "billing/views.py": """
        from rest_framework import viewsets
        from billing.models import Invoice, InvoiceLine

        class InvoiceUIViewSet(viewsets.ModelViewSet):
            queryset = Invoice.objects.all()
            template_name = "billing/invoice.html"

        class InvoiceLineUIViewSet(viewsets.ModelViewSet):
            queryset = InvoiceLine.objects.all()
            template_name = "billing/invoice_line.html"
    """,
    "billing/urls.py": """
        from rest_framework.routers import DefaultRouter
        from billing import views

        router = DefaultRouter()
        router.register("invoices", views.InvoiceUIViewSet)
        router.register("invoice-lines", views.InvoiceLineUIViewSet)
        urlpatterns = router.urls
    """,
    "shop/api/views.py": FILES["shop/api/views.py"],
    "shop/api/urls.py": """
        from rest_framework.routers import DefaultRouter
        from shop.api.views import OrderViewSet

        router = DefaultRouter()
        router.register("orders", OrderViewSet)
        urlpatterns = router.urls
    """,
}


def test_an_api_request_copies_the_api_not_viewsets_that_serve_pages(tmp_path, real_encoder):
    """nautobot: DRF viewsets also serve its pages (``/dcim/devices/``) beside the API's
    (``/api/dcim/devices/``); "API endpoints for invoices" copies the API's module, not the
    invoice pages'."""
    from memorybrain import Brain

    _write(tmp_path, UI_VIEWSETS)
    brain = Brain.open(tmp_path, encoder=real_encoder)
    try:
        brain.index()
        routes = {p.qualname: p for p in brain.store.iter_patterns(kind="route")}
        assert routes["InvoiceUIViewSet"].meta["full_path"] == "/billing/invoices/"
        assert routes["InvoiceUIViewSet"].meta["rooted"] is True
        api = brain.context("Add CRUD API endpoints for invoices", budget=2000)
        assert [e for e in api.exemplars if e.role == "closest resource"][0].pattern.path == "shop/api/views.py"
    finally:
        brain.close()


TEMPLATES = {
    "proj/settings.py": """
        INSTALLED_APPS = ["rest_framework", "shop"]
        ROOT_URLCONF = "proj.urls"
        REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
    """,
    "proj/urls.py": """
        from django.urls import include, path
        from rest_framework.routers import DefaultRouter
        from shop import views
        from shop.api import invites
        from shop.api.views import OrderViewSet

        router = DefaultRouter()
        router.register("orders", OrderViewSet)
        urlpatterns = [
            path("notifications/", views.NotificationListView.as_view()),
            path("api/invites/redeem/", invites.RedeemInviteView.as_view()),
            path("api/invites/<int:pk>/", invites.InviteDeleteView.as_view()),
            path("api/", include(router.urls)),
        ]
    """,
    # pages name the resource; the API has none of it yet
    "shop/views.py": """
        from django.views.generic import ListView
        from shop.models import Notification

        class NotificationListView(ListView):
            model = Notification
    """,
    # the project's own bases, served by no urlconf (galaxy-ng's api/base.py)
    "shop/api/base.py": """
        from rest_framework import viewsets

        class ModelViewSet(viewsets.ModelViewSet):
            pass

        class ReadOnlyModelViewSet(viewsets.ReadOnlyModelViewSet):
            pass
    """,
    # open on purpose, and no resource to copy (ephios' invite redemption)
    "shop/api/invites.py": """
        from rest_framework.permissions import AllowAny
        from rest_framework.response import Response
        from rest_framework.views import APIView

        class RedeemInviteView(APIView):
            permission_classes = [AllowAny]

            def post(self, request):
                return Response({"redeemed": True})

        class InviteDeleteView(APIView):
            def delete(self, request, pk):
                return Response(status=204)
    """,
    "shop/api/views.py": """
        from shop.api.base import ModelViewSet
        from shop.api.serializers import OrderSerializer
        from shop.models import Order

        class OrderViewSet(ModelViewSet):
            queryset = Order.objects.all()
            serializer_class = OrderSerializer
    """,
}


def test_an_api_resource_only_pages_have_is_copied_from_a_whole_served_api_resource(tmp_path, real_encoder):
    """ephios/galaxy-ng: "API endpoints for notifications" where only pages have notifications
    copies an API module with a whole CRUD resource that a URL serves: not the project's base
    classes that no urlconf serves, not an open invitation endpoint."""
    from memorybrain import Brain

    _write(tmp_path, TEMPLATES)
    with Brain.open(tmp_path, encoder=real_encoder) as brain:
        brain.index()
        api = brain.context("Add CRUD API endpoints for notifications", budget=3000)
        closest = [e.pattern for e in api.exemplars if e.role == "closest resource"]
        assert closest[0].path == "shop/api/views.py" and closest[0].name == "OrderViewSet"
