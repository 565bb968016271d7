"""Django conventions found wrong by a review of real apps: error page handlers, views registered
through a project classmethod, database errors turned into HTTP errors, DELETE checks and the
label of DRF permission classes in exemplar reasons."""

from __future__ import annotations

import textwrap

from indexers import extract_python
from memorybrain.linker import link


def _rows(files: dict[str, str]):
    rows, metas = [], {}
    for path, src in files.items():
        fe = extract_python(path, textwrap.dedent(src).encode())
        metas[path] = fe.meta
        rows += [(p.id, p.kind, p.name, p.path, p.meta, 0, p.summary) for p in fe.patterns]
    return rows, metas


def _routes(result) -> dict[str, tuple[dict, str]]:
    """handler -> (linked meta, summary) of the routes."""
    return {meta["handler"]: (meta, summary) for _pid, _u, meta, summary in result.updates if "handler" in meta}


ERROR_VIEWS = """
    from django.http import HttpResponseServerError, HttpResponseNotFound
    from django.template import TemplateDoesNotExist, loader


    def handle_500(request):
        try:
            template = loader.get_template("500.html")
        except TemplateDoesNotExist:
            return HttpResponseServerError("Internal server error.")
        return HttpResponseServerError(template.render({}))


    def handle_404(request, exception):
        return HttpResponseNotFound("not found")
"""


def test_error_handlers_in_the_root_urlconf_are_error_pages_not_unregistered_routes():
    """``handler500 = "proj.common.views.errors.handle_500"`` (a dotted path) and ``handler404 =
    errors.handle_404`` (the function) in the root urlconf: the views render Django's error pages;
    they are not routes missing from the urlconfs, and the errors convention names them."""
    rows, metas = _rows(
        {
            "proj/settings.py": """
                INSTALLED_APPS = ["django.contrib.auth", "proj.common"]
                ROOT_URLCONF = "proj.urls"
            """,
            "proj/common/views/errors.py": ERROR_VIEWS,
            "proj/common/views/home.py": """
                from django.shortcuts import render

                def home(request):
                    return render(request, "home.html")
            """,
            "proj/urls.py": """
                from django.urls import path
                from proj.common.views import errors
                from proj.common.views.home import home

                urlpatterns = [
                    path("", home, name="home"),
                ]

                handler500 = "proj.common.views.errors.handle_500"
                handler404 = errors.handle_404
            """,
        }
    )
    assert [h["code"] for h in metas["proj/urls.py"]["django_error_handlers"]] == ["500", "404"]
    result = link(rows, metas)
    routes = _routes(result)
    assert routes["handle_500"][0]["django_error_handler"] == [{"code": "500", "urlconf": "proj/urls.py:10"}]
    summaries = {h: s for h, (_m, s) in routes.items()}
    assert summaries["handle_500"].startswith("handler500 → handle_500 (error page handler set in proj/urls.py:10")
    assert "not in any urlconf" not in summaries["handle_500"]
    assert summaries["handle_404"].startswith("handler404 → handle_404")
    errors = next(c for c in result.conventions if c["key"] == "errors")
    assert "`handler404` → `handle_404` (proj/urls.py:11)" in errors["statement"]
    assert "`handler500` → `handle_500` (proj/urls.py:10)" in errors["statement"]
    assert errors["data"]["error_pages"] == {"404": "handle_404", "500": "handle_500"}


def test_database_errors_count_only_an_http_error_raised_where_the_db_error_is_caught():
    """A view catching ``DoesNotExist`` to return, one raising the project's ``ActionError`` (a UI
    message, no status) and one raising ``Http404`` outside its ``except`` are no "database errors
    returned as HTTP errors"; ``except ProtectedError: raise exceptions.ValidationError`` (DRF's,
    400) is, and is the example."""
    files = {
        "app/exceptions.py": """
            class ActionError(Exception):
                pass
        """,
        "app/api_views.py": """
            from django.http import Http404
            from rest_framework import exceptions, generics

            from app.models import Checkout, Room


            class APIDocumentCheckoutView(generics.RetrieveDestroyAPIView):
                serializer_class = CheckoutSerializer

                def get_permission_map(self):
                    try:
                        checkout = self.get_object().checkout
                    except Checkout.DoesNotExist:
                        return
                    if checkout is None:
                        raise Http404


            class RoomViewSet(viewsets.ModelViewSet):
                serializer_class = RoomSerializer

                def perform_destroy(self, instance):
                    try:
                        instance.delete()
                    except ProtectedError:
                        raise exceptions.ValidationError("This room is in use.")
        """,
        "app/views.py": """
            from django.views.generic import FormView

            from app.exceptions import ActionError
            from app.models import Favorite


            class FavoriteRemoveView(FormView):
                def object_action(self, form, instance):
                    try:
                        Favorite.valid.remove_for_user(document=instance, user=self.request.user)
                    except Favorite.DoesNotExist:
                        raise ActionError
        """,
    }
    rows, metas = _rows(files)
    routes = _routes(link(rows, metas))
    assert routes["FavoriteRemoveView"][0]["except_raises"] == [
        {"catches": ["DoesNotExist"], "raises": ["ActionError"], "line": 12}
    ]
    conventions = {c["key"]: c for c in link(rows, metas).conventions}
    db = conventions["errors:db"]
    assert db["statement"] == (
        "database errors: views catch `ProtectedError` and `raise exceptions.ValidationError` "
        "(1 handler, e.g. RoomViewSet in app/api_views.py:26)"
    )
    assert db["data"]["count"] == 1
    # without the DRF view, nothing turns a database error into an HTTP error
    del files["app/api_views.py"]
    rows, metas = _rows(files)
    assert "errors:db" not in {c["key"] for c in link(rows, metas).conventions}


def _deletes(views: str) -> tuple[list, dict]:
    rows, metas = _rows({"api/views.py": views})
    return rows, {c["key"]: c for c in link(rows, metas).conventions}["deletes"]


def test_delete_convention_says_how_many_handlers_check():
    """Of three DELETE handlers only ``favourite_view`` raises ``PermissionDenied`` in its body: the
    convention is the usual wording and names the one; with two checking it says "2 of them"."""
    views = """
        from rest_framework import viewsets
        from rest_framework.decorators import api_view
        from rest_framework.exceptions import PermissionDenied


        class RoomViewSet(viewsets.ModelViewSet):
            serializer_class = RoomSerializer


        class TrackViewSet(viewsets.ModelViewSet):
            serializer_class = TrackSerializer


        @api_view(["POST", "DELETE"])
        def favourite_view(request, event, code):
            if not request.user.has_perm("schedule.list_schedule", request.event):
                raise PermissionDenied()
            return Response({})
    """
    rows, deletes = _deletes(views)
    n = deletes["data"]["count"]
    assert deletes["statement"] == (
        f"{n} DELETE handlers, guarded like the other routes "
        "(only `favourite_view` checks ownership/permission in its body: raise PermissionDenied)"
    )
    assert deletes["data"]["checking"] == 1
    favourite = next(r[0] for r in rows if r[2] == "favourite_view")
    assert deletes["data"]["examples"][0] == favourite

    views += """

        @api_view(["DELETE"])
        def unfavourite_view(request, event, code):
            if not request.user.is_staff:
                raise PermissionDenied()
            return Response({})
    """
    rows, deletes = _deletes(views)
    n = deletes["data"]["count"]
    assert deletes["statement"] == (
        f"{n} DELETE handlers: 2 of them check ownership/permission in the body (raise PermissionDenied ×2)"
    )


def test_a_drf_permission_class_exemplar_is_labelled_permissions_not_authentication():
    """pretalx's ``ApiPermission(BasePermission)`` is the auth convention's exemplar: the reason
    says permissions (authorization); a DRF authentication class keeps "authentication"."""
    from memorybrain.pack import _topic_label

    fe = extract_python(
        "api/permissions.py",
        textwrap.dedent(
            """
            from rest_framework.authentication import TokenAuthentication
            from rest_framework.permissions import BasePermission

            class ApiPermission(BasePermission):
                def has_permission(self, request, view):
                    return True

            class EventTokenAuthentication(TokenAuthentication):
                def authenticate_credentials(self, key):
                    return None
            """
        ).encode(),
    )
    patterns = {p.name: p for p in fe.patterns}
    auth = {"key": "auth", "topic": "auth", "statement": "permissions: ...", "data": {}}
    assert _topic_label(auth, patterns["ApiPermission"]) == "permissions (authorization)"
    assert _topic_label(auth, patterns["EventTokenAuthentication"]) == "authentication"
    assert _topic_label(auth, None) == "authentication"
    assert _topic_label({"topic": "errors"}, patterns["ApiPermission"]) == "errors"


def test_views_registered_through_a_project_classmethod_are_not_unregistered():
    """``*schedule.RoomView.get_urls(url_base="schedule/rooms", ...)`` in an ``include([...])`` list
    and ``*admin.AdminUserView.get_urls(...)`` at the top: the project's CRUD base builds the
    ``path()`` entries at run time (``cls.get_url_pattern(url_base, action)``), so the URLs are not
    read, but the views are registered through the classmethod, under the prefix it is given."""
    rows, metas = _rows(
        {
            "proj/common/views/generic.py": """
                from django.urls import path
                from django.utils.decorators import classonlymethod
                from django.views import View

                class CRUDView(View):
                    @classonlymethod
                    def get_url_pattern(cls, url_base, action):
                        if action == "list":
                            return f"{url_base}/"
                        return f"{url_base}/<int:pk>/{action}/"

                    @classonlymethod
                    def get_urls(cls, url_base, url_name, namespace=None, actions=None):
                        return [
                            path(cls.get_url_pattern(url_base, action), cls.as_view(action=action), name=action)
                            for action in actions or ("list", "detail", "delete")
                        ]
            """,
            "proj/orga/views/schedule.py": """
                from django.contrib import messages
                from proj.common.views.generic import CRUDView

                class RoomView(CRUDView):
                    model = Room
            """,
            "proj/orga/views/admin.py": """
                from django.contrib import messages
                from proj.common.views.generic import CRUDView

                class AdminUserView(CRUDView):
                    def delete(self, request, *args, **kwargs):
                        return super().delete(request, *args, **kwargs)
            """,
            "proj/orga/urls.py": """
                from django.urls import include, path
                from proj.orga.views import admin, schedule

                urlpatterns = [
                    *admin.AdminUserView.get_urls(url_base="admin/users", url_name="admin.user"),
                    path(
                        "event/<slug:event>/",
                        include(
                            [
                                *schedule.RoomView.get_urls(
                                    url_base="schedule/rooms",
                                    url_name="schedule.rooms",
                                    namespace="orga",
                                ),
                            ]
                        ),
                    ),
                ]
            """,
            "proj/urls.py": """
                from django.urls import include, path

                urlpatterns = [path("orga/", include("proj.orga.urls", namespace="orga"))]
            """,
        }
    )
    entries = metas["proj/orga/urls.py"]["django_urls"]
    assert [(e["view"], e["via"], e["url_base"], e["route"]) for e in entries] == [
        ("admin.AdminUserView", "admin.AdminUserView.get_urls", "admin/users", ""),
        ("schedule.RoomView", "schedule.RoomView.get_urls", "schedule/rooms", "event/<slug:event>/"),
    ]
    routes = _routes(link(rows, metas))
    room_meta, room = routes["RoomView"]
    assert "not in any urlconf" not in room
    assert room.startswith(
        "ANY (registered through RoomView.get_urls(...) in proj/orga/urls.py:11, "
        "URLs under /orga/event/<slug:event>/schedule/rooms) → RoomView"
    ), room
    assert room_meta["registered_via"][0]["via"] == "RoomView.get_urls"
    assert "urls" not in room_meta  # its URLs are built at run time: none is made up
    _meta, delete = routes["AdminUserView.delete"]
    assert delete.startswith("DELETE (registered through AdminUserView.get_urls(...) in proj/orga/urls.py:6,")
