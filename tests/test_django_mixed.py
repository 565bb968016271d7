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


def test_api_request_in_a_django_project_copies_the_drf_view(tmp_path, real_encoder):
    from memorybrain import Brain

    for rel, src in FILES.items():
        f = tmp_path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(textwrap.dedent(src))
    brain = Brain.open(tmp_path, encoder=real_encoder)
    try:
        brain.index()
        api = brain.context("Add CRUD API endpoints for invoices", budget=2000)
        assert [e for e in api.exemplars if e.role == "closest resource"][0].pattern.path == "shop/api/views.py"
        page = brain.context("Add pages to list and edit invoices", budget=2000)
        assert [e for e in page.exemplars if e.role == "closest resource"][0].pattern.path == "shop/views.py"
    finally:
        brain.close()
