"""Django/DRF conventions found wrong on real apps (second review): view attributes set on a
plain project mixin (galaxy-ng's ``LocalSettingsMixin``), abstract project base views, the
order of permission classes (ephios) and which views count for ``serializer_class``."""

from __future__ import annotations

import textwrap

from memorybrain.linker import link
from tests.conftest import extract_files
from tests.test_django_conventions_review import _routes


def _rows(files: dict[str, str]):
    return extract_files({path: textwrap.dedent(src) for path, src in files.items()})


#: galaxy-ng's api/base.py in miniature: a plain mixin sets the attributes, with values read
#: from settings at import time, and the project's base views mix it in before DRF's.
MIXIN_BASE = """
    from django.conf import settings
    from rest_framework import permissions, views, viewsets
    from rest_framework.settings import perform_import

    PROJECT_AUTHENTICATION_CLASSES = perform_import(settings.PROJECT_AUTHENTICATION_CLASSES, "X")
    PROJECT_PAGINATION_CLASS = perform_import(settings.PROJECT_PAGINATION_CLASS, "X")


    class MustImplement(permissions.BasePermission):
        def has_permission(self, request, view):
            raise NotImplementedError


    class LocalSettingsMixin:
        authentication_classes = PROJECT_AUTHENTICATION_CLASSES
        pagination_class = PROJECT_PAGINATION_CLASS
        permission_classes = [MustImplement]


    class APIView(LocalSettingsMixin, views.APIView):
        pass


    class ModelViewSet(LocalSettingsMixin, viewsets.ModelViewSet):
        pass
"""

MIXIN_VIEWS = """
    from rest_framework import viewsets
    from rest_framework.permissions import IsAuthenticated

    from proj.api import base as api_base
    from proj.api.base import LocalSettingsMixin
    from proj.access import NotesPolicy


    class NoteViewSet(api_base.ModelViewSet):
        permission_classes = [NotesPolicy]


    class TagViewSet(api_base.ModelViewSet):
        permission_classes = [NotesPolicy]


    class PingView(api_base.APIView):
        permission_classes = [IsAuthenticated]

        def get(self, request):
            return Response({})


    class LateMixinViewSet(viewsets.ModelViewSet, LocalSettingsMixin):
        permission_classes = [NotesPolicy]
"""

MIXIN_URLS = """
    from django.urls import include, path
    from rest_framework import routers

    from proj.api.views import LateMixinViewSet, NoteViewSet, PingView, TagViewSet

    router = routers.DefaultRouter()
    router.register("notes", NoteViewSet)
    router.register("tags", TagViewSet)
    router.register("late", LateMixinViewSet)

    urlpatterns = [
        path("api/", include(router.urls)),
        path("api/ping/", PingView.as_view()),
    ]
"""

MIXIN_FILES = {
    "proj/settings.py": """
        INSTALLED_APPS = ["rest_framework"]
        ROOT_URLCONF = "proj.urls"
        PROJECT_PAGINATION_CLASS = "pulp.pagination.LimitOffsetPagination"
    """,
    "proj/access.py": """
        from rest_framework import permissions

        class NotesPolicy(permissions.BasePermission):
            def has_permission(self, request, view):
                return True
    """,
    "proj/api/base.py": MIXIN_BASE,
    "proj/api/views.py": MIXIN_VIEWS,
    "proj/urls.py": MIXIN_URLS,
}


def test_a_plain_mixin_records_the_view_attributes_and_where_run_time_values_come_from():
    rows, metas = _rows(MIXIN_FILES)
    mixin = metas["proj/api/base.py"]["django_mixins"]["LocalSettingsMixin"]
    assert mixin["bases"] == []
    assert mixin["permission_classes"] == ["MustImplement"]
    # a constant is no class: kept as written, with the setting it is computed from
    assert mixin["authentication_classes"] == ["PROJECT_AUTHENTICATION_CLASSES"]
    assert mixin["runtime_attrs"] == {
        "authentication_classes": "settings.PROJECT_AUTHENTICATION_CLASSES",
        "pagination_class": "settings.PROJECT_PAGINATION_CLASS",
    }
    assert mixin["lines"] == {"authentication_classes": 16, "pagination_class": 17, "permission_classes": 18}


def test_views_inherit_attributes_of_a_plain_project_mixin_through_the_mro():
    """``NoteViewSet(api_base.ModelViewSet)`` gets the mixin's authentication and pagination
    (``ModelViewSet(LocalSettingsMixin, viewsets.ModelViewSet)``); a mixin listed after DRF's
    view (``LateMixinViewSet(viewsets.ModelViewSet, LocalSettingsMixin)``) gives nothing: DRF's
    ``APIView`` defines the attributes first in Python's MRO."""
    rows, metas = _rows(MIXIN_FILES)
    result = link(rows, metas)
    routes = _routes(result)
    note = routes["NoteViewSet"][0]
    assert note["pagination_class"] == "PROJECT_PAGINATION_CLASS"
    assert note["runtime_attrs"]["pagination_class"] == "settings.PROJECT_PAGINATION_CLASS"
    assert note["inherited_from"]["authentication_classes"] == "LocalSettingsMixin (proj/api/base.py)"
    assert note["runtime_from"]["pagination_class"] == "proj/api/base.py:17"
    assert note["permission_classes"] == ["NotesPolicy"]  # its own wins
    late = routes["LateMixinViewSet"][0]
    assert "authentication_classes" not in late and "pagination_class" not in late
    conventions = {c["key"]: c for c in result.conventions}
    assert conventions["pagination"]["statement"] == (
        "pagination: list endpoints paginate with `pagination_class = PROJECT_PAGINATION_CLASS` in "
        "`LocalSettingsMixin` (proj/api/base.py:17), computed at run time from `settings.PROJECT_PAGINATION_CLASS` "
        "(not read) (2 of 3 list views)"
    )
    assert conventions["pagination"]["data"]["name"] == "LocalSettingsMixin.pagination_class"
    auth = conventions["auth:authentication"]["statement"]
    assert auth.startswith(
        "authentication: 3 of 4 DRF views get `authentication_classes = PROJECT_AUTHENTICATION_CLASSES` in "
        "`LocalSettingsMixin` (proj/api/base.py:16), computed at run time from "
        "`settings.PROJECT_AUTHENTICATION_CLASSES` (not read)"
    )


def test_project_base_views_no_urlconf_routes_are_base_classes_not_views():
    """galaxy-ng's ``api/base.py`` ``APIView``/``ModelViewSet``: subclassed in the project and
    routed nowhere, they are no views that 'set nothing' and no unmounted views."""
    rows, metas = _rows(MIXIN_FILES)
    result = link(rows, metas)
    routes = _routes(result)
    meta, summary = routes["ModelViewSet"]
    assert meta["base_of"] == ["NoteViewSet", "TagViewSet"]
    assert summary.startswith(
        "GET,POST,PUT,PATCH,DELETE (base class of 2 project classes, e.g. NoteViewSet; not routed) → ModelViewSet"
    )
    assert "not in any urlconf" not in routes["APIView"][1]
    perms = next(c for c in result.conventions if c["key"] == "auth")
    assert perms["data"]["drf_views"] == 4
    assert "set nothing" not in perms["statement"]
    assert "MustImplement" not in perms["statement"]


#: ephios in miniature: DRF's ``IsAuthenticatedOrTokenHasScope`` on most API views, the
#: project's own object permissions beside it on a few, and many server-rendered pages.
PERMISSION_FILES = {
    "proj/settings.py": """
        INSTALLED_APPS = ["rest_framework"]
        ROOT_URLCONF = "proj.urls"
    """,
    "proj/api/permissions.py": """
        from rest_framework import permissions

        class ViewUserModelObjectPermissions(permissions.DjangoObjectPermissions):
            pass
    """,
    "proj/api/views.py": """
        from oauth2_provider.contrib.rest_framework import IsAuthenticatedOrTokenHasScope
        from rest_framework import generics, viewsets

        from proj.api.permissions import ViewUserModelObjectPermissions


        class EventViewSet(viewsets.ReadOnlyModelViewSet):
            serializer_class = EventSerializer
            permission_classes = [IsAuthenticatedOrTokenHasScope]


        class ShiftViewSet(viewsets.ReadOnlyModelViewSet):
            serializer_class = ShiftSerializer
            permission_classes = [IsAuthenticatedOrTokenHasScope]


        class ProfileView(generics.RetrieveAPIView):
            serializer_class = ProfileSerializer
            permission_classes = [IsAuthenticatedOrTokenHasScope]


        class ParticipationViewSet(viewsets.ReadOnlyModelViewSet):
            serializer_class = ParticipationSerializer
            permission_classes = [ViewUserModelObjectPermissions, IsAuthenticatedOrTokenHasScope]
    """,
    "proj/api/serializers.py": """
        from rest_framework import serializers

        class EventSerializer(serializers.ModelSerializer):
            class Meta:
                fields = ["id"]
    """,
    "proj/views.py": """
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.views.generic import DetailView, ListView, TemplateView


        class HomeView(LoginRequiredMixin, TemplateView):
            template_name = "home.html"


        class EventListView(LoginRequiredMixin, ListView):
            template_name = "events.html"


        class EventDetailView(LoginRequiredMixin, DetailView):
            template_name = "event.html"
    """,
    "proj/urls.py": """
        from django.urls import include, path
        from rest_framework import routers

        from proj.api.views import EventViewSet, ParticipationViewSet, ProfileView, ShiftViewSet
        from proj.views import EventDetailView, EventListView, HomeView

        router = routers.DefaultRouter()
        router.register("events", EventViewSet)
        router.register("shifts", ShiftViewSet)
        router.register("participations", ParticipationViewSet)

        urlpatterns = [
            path("api/", include(router.urls)),
            path("api/me/", ProfileView.as_view()),
            path("", HomeView.as_view()),
            path("events/", EventListView.as_view()),
            path("events/<int:pk>/", EventDetailView.as_view()),
        ]
    """,
}


def test_the_permission_convention_leads_with_what_most_views_use_then_the_project_classes():
    """ephios said `[ViewUserModelObjectPermissions, IsAuthenticatedOrTokenHasScope]` (2 of 13
    views) while `IsAuthenticatedOrTokenHasScope` is on 10: the most used class leads, in the
    form most of its views write, and the project's own class follows."""
    rows, metas = _rows(PERMISSION_FILES)
    perms = next(c for c in link(rows, metas).conventions if c["key"] == "auth")
    assert perms["statement"].startswith(
        "permissions: views set `permission_classes = [IsAuthenticatedOrTokenHasScope]`: "
        "`IsAuthenticatedOrTokenHasScope` is used by 4 of 4 DRF views"
    )
    assert "; also `ViewUserModelObjectPermissions` (1)" in perms["statement"]
    assert perms["data"]["name"] == "IsAuthenticatedOrTokenHasScope"
    assert perms["data"]["count"] == 4


def test_serializer_class_is_counted_among_drf_views_only():
    """ephios said `serializer_class` on 12 of 137 views, the total counting its pages."""
    rows, metas = _rows(PERMISSION_FILES)
    validation = next(c for c in link(rows, metas).conventions if c["key"] == "validation")
    assert "`serializer_class` on 4 of 4 DRF views" in validation["statement"]
