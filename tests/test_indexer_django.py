"""Unit tests of the Django / DRF indexer (indexers/django.py) and the Django linker."""

from __future__ import annotations

import textwrap

from indexers import extract_python
from memorybrain.linker import link


def _extract(path: str, source: str):
    return extract_python(path, textwrap.dedent(source).encode())


def _routes(fe) -> dict[str, dict]:
    return {p.qualname: p.meta for p in fe.patterns if p.kind == "route"}


VIEWS = """
    from rest_framework import generics, viewsets, mixins
    from rest_framework.decorators import action, api_view, permission_classes
    from rest_framework.permissions import AllowAny, IsAuthenticated
    from rest_framework.views import APIView

    from shop.permissions import IsOwner


    class OrderViewSet(viewsets.ModelViewSet):
        queryset = Order.objects.all()
        serializer_class = OrderSerializer
        permission_classes = [IsAuthenticated, IsOwner]
        lookup_field = "uuid"

        def create(self, request):
            raise OutOfStock()

        @action(detail=True, methods=["post"], url_path="cancel-now", permission_classes=[IsAdminUser])
        def cancel(self, request, uuid=None):
            return Response()

        @action(detail=False)
        def recent(self, request):
            return Response()


    class ReceiptViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
        serializer_class = ReceiptSerializer
        pagination_class = None


    class StatsView(APIView):
        def get(self, request):
            return Response({})


    class ItemList(generics.ListCreateAPIView):
        serializer_class = ItemSerializer

        def post(self, request):
            return Response(status=201)


    @api_view(["GET", "POST"])
    @permission_classes([AllowAny])
    def ping(request):
        return Response({"ok": True})


    def helper(value):
        return value
"""


def test_viewset_actions_and_class_attributes():
    routes = _routes(_extract("shop/views.py", VIEWS))
    viewset = routes["OrderViewSet"]
    assert viewset["framework"] == "drf" and viewset["view_type"] == "viewset"
    # create is defined: the class pattern covers only the inherited actions
    assert [a["action"] for a in viewset["actions"]] == ["list", "retrieve", "update", "partial_update", "destroy"]
    assert viewset["methods"] == ["GET", "PUT", "PATCH", "DELETE"]
    assert viewset["permission_classes"] == ["IsAuthenticated", "IsOwner"]
    assert viewset["serializer_class"] == "OrderSerializer"
    assert viewset["lookup_field"] == "uuid"
    assert "Order" in viewset["schemas"] and "OrderSerializer" in viewset["schemas"]
    create = routes["OrderViewSet.create"]
    assert (create["methods"], create["detail"], create["action"]) == (["POST"], False, "create")
    assert create["raises"] == ["OutOfStock"]
    cancel = routes["OrderViewSet.cancel"]
    assert (cancel["methods"], cancel["detail"], cancel["url_path"]) == (["POST"], True, "cancel-now")
    assert cancel["permission_classes"] == ["IsAdminUser"] and cancel["action_overrides"] == ["permission_classes"]
    recent = routes["OrderViewSet.recent"]
    assert (recent["methods"], recent["detail"], recent["url_path"]) == (["GET"], False, "recent")
    # mixins decide a GenericViewSet's actions; pagination_class = None is recorded as None
    receipts = routes["ReceiptViewSet"]
    assert [a["action"] for a in receipts["actions"]] == ["list"]
    assert "pagination_class" in receipts and receipts["pagination_class"] is None
    assert "helper" not in routes


def test_apiview_generic_and_api_view_functions():
    routes = _routes(_extract("shop/views.py", VIEWS))
    assert routes["StatsView.get"]["methods"] == ["GET"]
    assert "StatsView" not in routes  # a plain APIView implies nothing
    # ListCreateAPIView implies GET and POST; post is defined, so the class keeps GET only
    assert routes["ItemList"]["methods"] == ["GET"] and routes["ItemList.post"]["methods"] == ["POST"]
    ping = routes["ping"]
    assert ping["view_type"] == "api_view" and ping["methods"] == ["GET", "POST"]
    assert ping["permission_classes"] == ["AllowAny"]
    assert ping["decorators"] == []  # @api_view / @permission_classes are not extra decorators


def test_plain_django_views_and_auth_decorators():
    fe = _extract(
        "blog/views.py",
        """
        from django.contrib.auth.decorators import login_required
        from django.contrib.auth.mixins import LoginRequiredMixin
        from django.views.decorators.http import require_POST
        from django.views.generic import ListView


        @login_required
        @require_POST
        def publish(request, pk):
            return redirect("post-detail", pk=pk)


        class PostList(LoginRequiredMixin, ListView):
            model = Post


        def _slug(text):
            return text.lower()
        """,
    )
    routes = _routes(fe)
    assert routes["publish"]["framework"] == "django"
    assert routes["publish"]["methods"] == ["POST"]
    assert routes["publish"]["django_auth"] == ["login_required"]
    assert routes["PostList"]["methods"] == ["GET"]
    assert routes["PostList"]["django_auth"] == ["LoginRequiredMixin"]
    assert routes["PostList"]["model"] == "Post"
    assert "_slug" not in routes


def test_models_serializers_filtersets_pagination_permissions_handler():
    fe = _extract(
        "shop/models.py",
        """
        from django.db import models


        class Order(models.Model):
            customer = models.ForeignKey("accounts.User", on_delete=models.CASCADE)
            total = models.DecimalField(max_digits=8, decimal_places=2)
            tags = models.ManyToManyField(Tag)

            class Meta:
                ordering = ["-id"]
                db_table = "orders"
        """,
    )
    order = next(p for p in fe.patterns if p.name == "Order")
    assert order.kind == "model" and order.meta["orm"] == "django"
    assert order.meta["relationships"] == [
        {"name": "customer", "target": "accounts.User", "type": "ForeignKey"},
        {"name": "tags", "target": "Tag", "type": "ManyToManyField"},
    ]
    assert order.meta["table"] == "orders" and order.meta["options"]["ordering"] == ["-id"]

    fe = _extract(
        "shop/serializers.py",
        """
        import django_filters
        from rest_framework import serializers
        from rest_framework.pagination import PageNumberPagination
        from rest_framework.permissions import BasePermission


        class LineSerializer(serializers.ModelSerializer):
            class Meta:
                model = Line
                fields = "__all__"


        class OrderSerializer(serializers.ModelSerializer):
            lines = LineSerializer(many=True)

            class Meta:
                model = Order
                fields = ["id", "total", "lines"]

            def validate_total(self, value):
                if value < 0:
                    raise serializers.ValidationError("negative")
                return value


        class OrderFilter(django_filters.FilterSet):
            class Meta:
                model = Order
                fields = ["status"]


        class Pages(PageNumberPagination):
            page_size = 50
            page_size_query_param = "size"

            def get_paginated_response(self, data):
                return Response({"items": data, "total": self.page.paginator.count})


        class IsOwner(BasePermission):
            def has_object_permission(self, request, view, obj):
                return obj.owner == request.user


        def handler(exc, context):
            response = exception_handler(exc, context)
            if response is not None:
                response.data = {"error": {"type": type(exc).__name__, "detail": response.data}}
            return response
        """,
    )
    by_name = {p.name: p for p in fe.patterns}
    order = by_name["OrderSerializer"]
    assert order.kind == "schema" and order.meta["library"] == "drf"
    assert order.meta["model"] == "Order" and order.meta["validators"] == ["validate_total"]
    assert order.meta["nested"] == [{"name": "lines", "serializer": "LineSerializer"}]
    assert [f["name"] for f in order.meta["fields"]] == ["lines", "id", "total"]
    assert by_name["LineSerializer"].meta["all_fields"] is True
    assert by_name["OrderFilter"].meta["library"] == "django-filter"
    pages = by_name["Pages"]
    assert pages.kind == "pagination" and pages.meta["page_size"] == 50
    assert pages.meta["params"] == ["size"] and pages.meta["returns_keys"] == ["items", "total"]
    owner = by_name["IsOwner"]
    assert owner.kind == "dependency" and owner.meta["role"] == "permission"
    assert owner.meta["methods"] == ["has_object_permission"]
    h = by_name["handler"]
    assert h.kind == "error_handler" and h.meta["response_shape"] == '{"error": {"type", "detail"}}'


def test_urlconf_and_settings_meta():
    fe = _extract(
        "shop/urls.py",
        """
        from django.urls import include, path, re_path
        from rest_framework import routers

        from shop import views

        router = routers.SimpleRouter(trailing_slash=False)
        router.register(r"orders", views.OrderViewSet, basename="order")

        urlpatterns = [
            path("stats/", views.StatsView.as_view(), name="stats"),
            re_path(r"^items/(?P<pk>[0-9]+)/$", views.item_detail),
            path("v1/", include([path("ping/", views.ping)])),
            path("blog/", include(("blog.urls", "blog"), namespace="blog")),
        ]
        urlpatterns += router.urls
        """,
    )
    meta = fe.meta
    assert meta["django_routers"]["router"]["trailing_slash"] is False
    assert meta["router_registrations"][0] == {
        "router": "router",
        "prefix": "orders",
        "viewset": "views.OrderViewSet",
        "line": 8,
        "basename": "order",
    }
    urls = [(u["route"], u.get("view") or u.get("include") or u.get("router")) for u in meta["django_urls"]]
    assert urls == [
        ("stats/", "views.StatsView"),
        ("items/<pk>/", "views.item_detail"),
        ("v1/ping/", "views.ping"),
        ("blog/", "blog.urls"),
        ("", "router"),
    ]
    fe = _extract(
        "site/settings/base.py",
        """
        INSTALLED_APPS = ["django.contrib.auth", "rest_framework", "knox"]
        DATABASES = {"default": {"ENGINE": "django.db.backends.mysql", "NAME": "x"}}
        REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAdminUser",)}
        REST_FRAMEWORK["PAGE_SIZE"] = 10
        """,
    )
    s = fe.meta["django_settings"]
    assert s["rest_framework"] == {
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
        "PAGE_SIZE": 10,
    }
    assert s["database_engine"] == "django.db.backends.mysql"
    facts = {(f["category"], f["name"]) for f in fe.meta["facts"]}
    assert {("database", "MySQL"), ("framework", "Django REST Framework"), ("auth", "Knox")} <= facts


def _rows(files: dict[str, str]):
    rows, metas = [], {}
    for path, src in files.items():
        fe = _extract(path, src)
        metas[path] = fe.meta
        rows += [(p.id, p.kind, p.name, p.path, p.meta, 0, p.summary) for p in fe.patterns]
    return rows, metas


def test_linker_full_paths_through_includes_and_routers():
    rows, metas = _rows(
        {
            "shop/views.py": VIEWS,
            "shop/urls.py": """
                from django.urls import include, path
                from rest_framework.routers import DefaultRouter
                from shop import views

                router = DefaultRouter()
                router.register("orders", views.OrderViewSet)
                router.register("receipts", views.ReceiptViewSet, basename="receipt")

                urlpatterns = [
                    path("", include(router.urls)),
                    path("stats/", views.StatsView.as_view()),
                    path("ping/", views.ping),
                ]
            """,
            "shop/permissions.py": """
                from rest_framework.permissions import BasePermission
                class IsOwner(BasePermission):
                    def has_object_permission(self, request, view, obj):
                        return obj.owner == request.user
            """,
            "tests/test_orders.py": """
                from django.urls import reverse
                from rest_framework.test import APITestCase
                class OrderTests(APITestCase):
                    def test_list(self):
                        response = self.client.get(reverse("order-list"))
                    def test_cancel(self):
                        self.client.post(reverse("shop:order-cancel", args=[1]))
            """,
            "site/urls.py": """
                from django.urls import include, path
                urlpatterns = [path("api/v2/", include("shop.urls"))]
            """,
            "site/settings.py": """
                ROOT_URLCONF = "site.urls"
                INSTALLED_APPS = ["rest_framework"]
                REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
            """,
        }
    )
    result = link(rows, metas)
    by_pid = {u[0]: u for u in result.updates}
    full = {}
    for pid, kind, _name, _path, _meta, _u, _s in rows:
        if kind == "route":
            m = by_pid[pid][2]
            full[m["handler"]] = (m.get("full_path"), [(u["methods"], u["path"]) for u in m.get("urls") or []])
    assert full["OrderViewSet"][1] == [
        (["GET"], "/api/v2/orders/"),
        (["GET", "PUT", "PATCH", "DELETE"], "/api/v2/orders/{uuid}/"),
    ]
    assert full["OrderViewSet.create"][0] == "/api/v2/orders/"
    assert full["OrderViewSet.cancel"][0] == "/api/v2/orders/{uuid}/cancel-now/"
    assert full["OrderViewSet.recent"][0] == "/api/v2/orders/recent/"
    assert full["ReceiptViewSet"][0] == "/api/v2/receipts/"
    assert full["StatsView.get"][0] == "/api/v2/stats/"
    assert full["ping"][0] == "/api/v2/ping/"
    assert full["ItemList"][0] is None  # not in any urlconf
    summary = by_pid[next(r[0] for r in rows if r[2] == "OrderViewSet" and r[1] == "route")][3]
    assert summary.startswith("GET /api/v2/orders/; GET,PUT,PATCH,DELETE /api/v2/orders/{uuid}/ → OrderViewSet")
    conventions = {c["key"]: c for c in result.conventions}
    auth = conventions["auth"]
    # views: OrderViewSet, ReceiptViewSet, StatsView, ItemList, ping; three set nothing, so the
    # inherited settings default is the convention and the explicit classes come after it
    assert (auth["data"]["name"], auth["data"]["count"], auth["data"]["total"]) == ("IsAuthenticated", 3, 5)
    assert auth["data"]["inherited"] and auth["data"]["default"] == ["IsAuthenticated"]
    assert "2 set `permission_classes`: `IsOwner` (1)" in auth["statement"]
    tests = {
        u[2]["requests"][0]["reverse"]: u[2]["requests"][0]["path"] for u in result.updates if u[2].get("requests")
    }
    assert tests == {"order-list": "/api/v2/orders/", "shop:order-cancel": "/api/v2/orders/{uuid}/cancel-now/"}
    statement = auth["statement"]
    assert "3 of 5 DRF views set nothing and inherit `IsAuthenticated` from settings.REST_FRAMEWORK" in statement
    assert "open to anyone (`AllowAny`): ping (/api/v2/ping/)" in auth["statement"]
    assert "@action overrides: `IsAdminUser` (1)" in auth["statement"]
    owner = next(u for u in result.updates if u[0] == next(r[0] for r in rows if r[2] == "IsOwner"))
    assert owner[1] == 3  # usage by handlers: the OrderViewSet class, create, recent (cancel overrides it)


def test_linker_without_settings_says_drf_default():
    rows, metas = _rows(
        {
            "app/views.py": """
                from rest_framework.views import APIView
                class A(APIView):
                    def get(self, request):
                        return Response()
            """,
        }
    )
    conventions = {c["key"]: c for c in link(rows, metas).conventions}
    auth = conventions["auth"]
    assert (
        "1 of 1 DRF views set nothing and inherit `AllowAny` from DRF's default (no REST_FRAMEWORK in settings)"
        in (auth["statement"])
    )
    assert auth["data"]["inherited"] and auth["data"]["name"] == "AllowAny"


def test_not_views_not_models():
    """Helpers taking ``request`` outside view modules and django-tables2 tables are neither."""
    fe = _extract(
        "shop/templatetags/helpers.py",
        """
        from django import template

        def querystring(request, **kwargs):
            return request.GET.urlencode()
        """,
    )
    assert not [p for p in fe.patterns if p.kind == "route"]
    fe = _extract(
        "shop/tables.py",
        """
        import django_tables2 as tables
        from django.db import models

        class OrderTable(BaseTable):
            number = tables.Column(linkify=True)
            total = tables.Column()
        """,
    )
    assert not [p for p in fe.patterns if p.kind == "model"]
    fe = _extract(
        "shop/models.py",
        """
        from django.db import models

        class Device(PrimaryModel):
            name = models.CharField(max_length=64)
            rack = models.ForeignKey("dcim.Rack", on_delete=models.PROTECT)
        """,
    )
    device = next(p for p in fe.patterns if p.name == "Device")
    assert device.kind == "model" and device.meta["orm"] == "django"


def test_helpers_taking_request_in_views_modules_are_not_views():
    """kiwitcms' ``plan_from_request_or_none(request)`` in testcases/views.py returns a model or None:
    a plain function in a views module is a view only when it evidently answers with a response."""
    fe = _extract(
        "tcms/testcases/views.py",
        """
        from django.http import HttpResponse, HttpResponseServerError
        from django.shortcuts import get_object_or_404, render
        from django.views.decorators.csrf import requires_csrf_token
        from django.contrib.auth.views import LoginView


        def plan_from_request_or_none(request):
            test_plan_id = request.POST.get("from_plan") or request.GET.get("from_plan")
            if not test_plan_id:
                return None
            return get_object_or_404(TestPlan, pk=test_plan_id)


        def check_https(request):
            return {"is_ok": request.is_secure()}


        def get_search_query(request):
            return request.GET.get("q", "").strip()


        def set_theme_as_active(request, theme):
            Theme.objects.update(is_active=False)


        def allow_download(request, attachment):
            if not request.user.is_authenticated:
                raise Http404()
            if attachment.private:
                raise PermissionDenied()


        def get_namespace(request):
            for namespace in NAMESPACES:
                if request.path.startswith(namespace):
                    return namespace


        @requires_csrf_token
        def server_error(request):
            template = loader.get_template("500.html")
            return http.HttpResponseServerError(template.render({}, request))


        def dashboard(request):
            context = {"plans": TestPlan.objects.all()}
            return render(request, "dashboard.html", context)


        def export_csv(request):
            response = HttpResponse(content_type="text/csv")
            response.write("a,b")
            return response


        async def ping(request):
            return await sync_to_async(render)(request, "ping.html") if request.user else JsonResponse({})


        def privacy_policy(request):
            return legal_view(request, "privacy")


        def login(request):
            form = LoginForm
            return LoginView.as_view(authentication_form=form)(request)


        def raise_404(request):
            raise Http404("not here")
        """,
    )
    routes = _routes(fe)
    assert sorted(routes) == ["dashboard", "export_csv", "login", "ping", "privacy_policy", "raise_404", "server_error"]


def test_urlconf_forms_seen_in_real_projects():
    """kolibri: ``(router.urls + [...])``, ``([...], "app")`` tuples, ``include(i18n_patterns(x))``,
    a run-time prefix ``path(prefix, ...)``; wger: ``urlpatterns = i18n_patterns(path(...), ...)``."""
    fe = _extract(
        "core/urls.py",
        """
        from django.urls import include, path, re_path

        lang_patterns = [re_path(r"^logout/$", logout_view)]
        core_patterns = (
            [
                re_path(r"^api/", include("core.api_urls")),
                re_path(r"", include(i18n_patterns(lang_patterns))),
            ],
            "core",
        )
        urlpatterns = [path(OPTIONS["prefix"], include(core_patterns))]
        """,
    )
    urls = [
        (u["var"], u["route"], u.get("include") or u.get("include_ref") or u.get("view"))
        for u in fe.meta["django_urls"]
    ]
    assert urls == [
        ("lang_patterns", "logout/", "logout_view"),
        ("core_patterns", "api/", "core.api_urls"),
        ("core_patterns", "<lang>/", "lang_patterns"),  # i18n_patterns: under the language code
        ("urlpatterns", "", "core_patterns"),
    ]
    fe = _extract(
        "core/api_urls.py",
        """
        from rest_framework import routers
        router = routers.SimpleRouter()
        router.register(r"session", SessionViewSet, basename="session")
        urlpatterns = (router.urls + [re_path(r"^usernameavailable$", UsernameAvailableView.as_view())])
        """,
    )
    urls = [(u["route"], u.get("router") or u.get("view")) for u in fe.meta["django_urls"]]
    assert urls == [("", "router"), ("usernameavailable", "UsernameAvailableView")]
    fe = _extract(
        "wger/urls.py",
        """
        from django.conf.urls.i18n import i18n_patterns
        urlpatterns = i18n_patterns(
            path("", include(("wger.core.urls", "core"), namespace="core")),
            path("weight/", include("wger.weight.urls")),
        )
        urlpatterns += [path("robots.txt", RobotsView.as_view())]
        """,
    )
    urls = [(u["route"], u.get("include") or u.get("view")) for u in fe.meta["django_urls"]]
    assert urls == [
        ("<lang>/", "wger.core.urls"),
        ("<lang>/weight/", "wger.weight.urls"),
        ("robots.txt", "RobotsView"),
    ]


def test_linker_inherits_class_attributes_from_project_base_views_and_nested_routers():
    rows, metas = _rows(
        {
            "core/views.py": """
                from rest_framework import viewsets
                class BaseViewSet(viewsets.ModelViewSet):
                    permission_classes = [IsStaff]
                    pagination_class = BigPages
            """,
            "shop/views.py": """
                from rest_framework import viewsets
                from core.views import BaseViewSet
                class OrderViewSet(BaseViewSet):
                    serializer_class = OrderSerializer
                class LineViewSet(viewsets.ModelViewSet):
                    pass
            """,
            "shop/urls.py": """
                from django.urls import include, path
                from rest_framework_nested import routers
                from shop.views import LineViewSet, OrderViewSet
                router = routers.DefaultRouter()
                router.register("orders", OrderViewSet)
                lines = routers.NestedSimpleRouter(router, r"orders", lookup="order")
                lines.register("lines", LineViewSet, basename="order-lines")
                urlpatterns = [path("api/", include(router.urls)), path("api/", include(lines.urls))]
            """,
        }
    )
    result = link(rows, metas)
    metas_by_handler = {u[2].get("handler"): u[2] for u in result.updates if u[2].get("handler")}
    order = metas_by_handler["OrderViewSet"]
    assert order["permission_classes"] == ["IsStaff"] and order["pagination_class"] == "BigPages"
    assert order["inherited_from"]["permission_classes"] == "BaseViewSet (core/views.py)"
    assert order["serializer_class"] == "OrderSerializer"
    assert order["full_path"] == "/api/orders/"
    assert metas_by_handler["LineViewSet"]["full_path"] == "/api/orders/{order_pk}/lines/"
    assert "permission_classes" not in metas_by_handler["LineViewSet"]


def test_split_settings_base_first_later_modules_fill_in():
    from memorybrain.linker_django import merged_settings

    metas = {}
    for path, src in {
        "site/settings/production.py": """
            from .base import *
            REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["rest_framework.throttling.AnonRateThrottle"]
            DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}
        """,
        "site/settings/base.py": """
            INSTALLED_APPS = ["rest_framework"]
            DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}
            REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
        """,
    }.items():
        metas[path] = _extract(path, src).meta
    s = merged_settings(metas)
    assert s["path"] == "site/settings/base.py"
    assert s["rest_framework"] == {
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
        "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    }
    assert s["sources"]["DEFAULT_THROTTLE_CLASSES"] == "site/settings/production.py:3"
    assert s["database_engine"] == "django.db.backends.sqlite3"  # the base module's value comes first


def test_viewset_as_view_mapping_and_wrapped_urlpatterns():
    rows, metas = _rows(
        {
            "notes/views.py": """
                from rest_framework import viewsets
                class NoteViewSet(viewsets.ModelViewSet):
                    def list(self, request):
                        pass
                    def destroy(self, request, pk=None):
                        pass
            """,
            "notes/urls.py": """
                from django.urls import path
                from rest_framework.urlpatterns import format_suffix_patterns
                from notes.views import NoteViewSet
                urlpatterns = format_suffix_patterns([
                    path("notes/", NoteViewSet.as_view({"get": "list", "post": "create"})),
                    path("notes/<int:pk>/", NoteViewSet.as_view({"get": "retrieve", "delete": "destroy"})),
                ])
            """,
        }
    )
    result = link(rows, metas)
    by_handler = {u[2].get("handler"): u[2] for u in result.updates if u[2].get("handler")}
    assert by_handler["NoteViewSet.list"]["urls"] == [{"methods": ["GET"], "path": "/notes/"}]
    assert by_handler["NoteViewSet.destroy"]["urls"] == [{"methods": ["DELETE"], "path": "/notes/<int:pk>/"}]
    # the class pattern covers the inherited actions: create, retrieve, update, partial_update
    assert by_handler["NoteViewSet"]["urls"] == [
        {"methods": ["POST"], "path": "/notes/"},
        {"methods": ["GET"], "path": "/notes/<int:pk>/"},
    ]


def test_flask_files_get_nothing_from_the_django_indexer():
    fe = _extract(
        "app/tokens.py",
        """
        from itsdangerous import URLSafeSerializer

        class TokenSerializer(URLSafeSerializer):
            pass

        class FlaskBBTokenSerializer(TokenSerializer):
            def dumps(self, token):
                return super().dumps(token)
        """,
    )
    assert [p.kind for p in fe.patterns if p.name.endswith("Serializer")] == ["class", "class"]


def test_viewsets_on_project_bases_spelled_viewset_inherit_actions():
    rows, metas = _rows(
        {
            "core/api.py": """
                from rest_framework import viewsets
                class ValuesViewset(viewsets.ReadOnlyModelViewSet):
                    def list(self, request):
                        pass
            """,
            "auth/api.py": """
                from rest_framework import mixins
                from core.api import ValuesViewset
                class LessonViewset(ValuesViewset):
                    def create(self, request):
                        pass
            """,
            "auth/api_urls.py": """
                from rest_framework import routers
                from auth.api import LessonViewset
                router = routers.SimpleRouter()
                router.register(r"lesson", LessonViewset, basename="lesson")
                urlpatterns = router.urls
            """,
        }
    )
    result = link(rows, metas)
    by_handler = {u[2].get("handler"): u[2] for u in result.updates if u[2].get("handler")}
    lesson = by_handler["LessonViewset"]
    assert lesson["view_type"] == "viewset"
    # list (a method of the base) and retrieve (the base's ReadOnlyModelViewSet) are inherited; create is its own
    assert [a["action"] for a in lesson["actions"]] == ["list", "retrieve"]
    assert lesson["urls"] == [{"methods": ["GET"], "path": "/lesson/"}, {"methods": ["GET"], "path": "/lesson/{pk}/"}]
    assert by_handler["LessonViewset.create"]["urls"] == [{"methods": ["POST"], "path": "/lesson/"}]


def test_urlconf_without_django_imports_and_fastapi_routers():
    """nautobot's ``dcim/api/urls.py`` imports only the project's router class; a FastAPI
    ``APIRouter()`` with no ``register`` is no DRF router."""
    fe = _extract(
        "dcim/api/urls.py",
        """
        from nautobot.core.api.routers import OrderedDefaultRouter
        from . import views
        router = OrderedDefaultRouter(view_name="DCIM")
        router.register("racks", views.RackViewSet)
        urlpatterns = router.urls
        """,
    )
    assert fe.meta["router_registrations"][0]["viewset"] == "views.RackViewSet"
    assert fe.meta["django_urls"] == [{"var": "urlpatterns", "route": "", "router": "router", "line": 6}]
    fe = _extract(
        "app/routes.py",
        """
        from fastapi import APIRouter
        router = APIRouter(prefix="/items")
        app.register(router)
        """,
    )
    assert "django_routers" not in fe.meta


def test_serializer_class_built_at_run_time_does_not_break_the_validation_convention():
    """A view's ``serializer_class`` may name a serializer the project builds at run time
    (``TaskSerializer = load_func(settings.TASK_SERIALIZER)``): it has no pattern, and the
    validation convention points at the serializers that do."""
    rows, metas = _rows(
        {
            "tasks/serializers.py": """
                from rest_framework import serializers
                from core.utils import load_func
                from django.conf import settings

                class TaskSimpleSerializer(serializers.Serializer):
                    title = serializers.CharField()

                    def validate_title(self, value):
                        return value

                TaskSerializer = load_func(settings.TASK_SERIALIZER)
            """,
            "tasks/api.py": """
                from rest_framework import generics
                from tasks.serializers import TaskSerializer, TaskSimpleSerializer

                class TaskAPI(generics.RetrieveUpdateDestroyAPIView):
                    serializer_class = TaskSerializer

                class TaskListAPI(generics.ListCreateAPIView):
                    serializer_class = TaskSimpleSerializer
            """,
        }
    )
    conventions = {c["key"]: c for c in link(rows, metas).conventions}
    validation = conventions["validation"]
    assert validation["data"]["schemas"] == ["TaskSimpleSerializer"]
    simple = next(r[0] for r in rows if r[2] == "TaskSimpleSerializer" and r[1] == "schema")
    assert validation["data"]["pattern_ids"] == [simple]


def test_class_view_whose_helper_method_raises():
    """A generic view's own helper (``get_object`` here) raising an error: its error calls join
    the class pattern's refs (the extractor failed on this with KeyError 'error_calls')."""
    fe = _extract(
        "hooks/api.py",
        """
        from rest_framework import generics
        from rest_framework.exceptions import NotFound

        class WebhookAPI(generics.RetrieveUpdateDestroyAPIView):
            serializer_class = WebhookSerializer

            def get_object(self):
                raise NotFound("no such webhook")
        """,
    )
    meta = _routes(fe)["WebhookAPI"]
    assert meta["raises"] == ["NotFound"]
    assert [c["text"] for c in meta["error_calls"]] == ["raise NotFound(...)"]


def test_base_convention_counts_a_reexported_base_once():
    """``from shop.models import LoggedModel`` and ``from shop.models.base import LoggedModel``
    name one class (the package re-exports it): one count, under the spelling most used."""
    model = "class {name}({base}):\n    title = models.CharField(max_length=10)\n"
    files = {
        "shop/models/__init__.py": "from .base import LoggedModel\n",
        "shop/models/base.py": "from django.db import models\n\n"
        "class LoggedModel(models.Model):\n    class Meta:\n        abstract = True\n",
        "shop/models/orders.py": "from django.db import models\nfrom shop.models.base import LoggedModel\n\n"
        + "\n".join(model.format(name=f"Order{i}", base="LoggedModel") for i in range(3)),
        "shop/models/items.py": "from django.db import models\nfrom shop.models import LoggedModel\n\n"
        + "\n".join(model.format(name=f"Item{i}", base="LoggedModel") for i in range(4)),
        "shop/views.py": "from rest_framework.views import APIView\n\n"
        "class ItemView(APIView):\n    def get(self, request):\n        return Response()\n",
    }
    rows, metas = _rows(files)
    bases = {c["key"]: c for c in link(rows, metas).conventions}["bases"]
    assert "models from `LoggedModel` (7)" in bases["statement"], bases["statement"]
    assert "from shop.models import LoggedModel" in bases["data"]["lines"]


def test_openapi_method_decorators_are_not_delete_guards():
    """label-studio: ``@method_decorator(name="delete", decorator=extend_schema(...))`` documents
    the DELETE endpoint; the deletes convention must not say deletes "add" it."""
    rows, metas = _rows(
        {
            "projects/api.py": """
                from django.utils.decorators import method_decorator
                from drf_spectacular.utils import extend_schema
                from rest_framework import generics

                @method_decorator(name="delete", decorator=extend_schema(tags=["Projects"], summary="Delete"))
                class ProjectAPI(generics.RetrieveUpdateDestroyAPIView):
                    serializer_class = ProjectSerializer

                class ProjectListAPI(generics.ListCreateAPIView):
                    serializer_class = ProjectSerializer
            """,
        }
    )
    deletes = {c["key"]: c for c in link(rows, metas).conventions}["deletes"]
    assert deletes["data"]["extra"] == [], deletes["statement"]


def test_default_permission_classes_constant_is_no_permission_class():
    fe = _extract(
        "projects/api.py",
        """
        from rest_framework import generics
        from rest_framework.settings import api_settings
        from projects.permissions import ProjectImportPermission

        class ProjectImportAPI(generics.CreateAPIView):
            permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES + [ProjectImportPermission]

            def post(self, request):
                return Response()
        """,
    )
    perms = {tuple(m["permission_classes"]) for m in _routes(fe).values() if "permission_classes" in m}
    # the settings defaults stay, named once (the linker knows what they are)
    assert perms == {("DEFAULT_PERMISSION_CLASSES", "ProjectImportPermission")}


def test_permission_classes_that_add_to_the_settings_defaults():
    """label-studio: ``api_settings.DEFAULT_PERMISSION_CLASSES + [X]`` keeps the defaults and adds
    X: the view requires ``IsAuthenticated`` too, and the convention says how it is written."""
    rows, metas = _rows(
        {
            "projects/api.py": """
                from rest_framework import generics
                from rest_framework.settings import api_settings
                from projects.permissions import ProjectImportPermission

                class ProjectImportAPI(generics.CreateAPIView):
                    permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES + [ProjectImportPermission]

                class ProjectExportAPI(generics.CreateAPIView):
                    permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES + [ProjectImportPermission]

                class ProjectListAPI(generics.ListAPIView):
                    pass
            """,
            "site/settings.py": """
                INSTALLED_APPS = ["rest_framework"]
                REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
            """,
        }
    )
    auth = {c["key"]: c for c in link(rows, metas).conventions}["auth"]
    assert auth["data"]["name"] == "IsAuthenticated" and auth["data"]["count"] == 2
    assert auth["data"]["form"] == (
        "permission_classes = api_settings.DEFAULT_PERMISSION_CLASSES + [ProjectImportPermission]"
    )
    assert "also `ProjectImportPermission` (2)" in auth["statement"]
    assert (
        "2 of the views that set `permission_classes` keep the settings defaults and add to them" in (auth["statement"])
    )


def test_urlconf_entries_behind_feature_flags_and_optional_imports():
    """django-helpdesk: ``if helpdesk_settings.HELPDESK_API_ENABLED: router = DefaultRouter() ...``;
    ``try:``/``else:`` blocks at module level run at import time too (not function bodies)."""
    rows, metas = _rows(
        {
            "helpdesk/views/api.py": """
                from rest_framework import viewsets

                class TicketViewSet(viewsets.ModelViewSet):
                    queryset = Ticket.objects.all()
            """,
            "helpdesk/views/staff.py": """
                def dashboard(request):
                    return render(request, "dashboard.html")

                def kb_index(request):
                    return render(request, "kb.html")
            """,
            "helpdesk/urls.py": """
                from django.urls import include, path
                from rest_framework.routers import DefaultRouter
                from helpdesk import settings as helpdesk_settings
                from helpdesk.views import staff
                from helpdesk.views.api import TicketViewSet

                urlpatterns = []

                if helpdesk_settings.HELPDESK_UI_ENABLED:
                    urlpatterns += [path("dashboard/", staff.dashboard, name="dashboard")]
                else:
                    pass

                try:
                    import helpdesk.tasks  # noqa
                except ImportError:
                    urlpatterns += [path("kb/", staff.kb_index, name="kb")]

                if helpdesk_settings.HELPDESK_API_ENABLED:
                    router = DefaultRouter()
                    router.register(r"tickets", TicketViewSet, basename="ticket")
                    urlpatterns += [path("api/", include(router.urls))]

                def later():
                    urlpatterns.append(path("never/", staff.dashboard))
            """,
        }
    )
    meta = metas["helpdesk/urls.py"]
    assert [u["route"] for u in meta["django_urls"]] == ["dashboard/", "kb/", "api/"]
    assert meta["router_registrations"][0]["viewset"] == "TicketViewSet"
    result = link(rows, metas)
    full = {u[2]["handler"]: u[2].get("full_path") for u in result.updates if u[2].get("handler")}
    assert full["TicketViewSet"] == "/api/tickets/"


def test_rest_framework_built_by_a_project_function_is_read():
    """Weblate: ``REST_FRAMEWORK = get_drf_settings(require_login=...)``, the function in another
    module returning the dict (with ``a if flag else b`` values)."""
    view = """
        from rest_framework.views import APIView
        class A(APIView):
            def get(self, request):
                return Response()
    """
    settings = """
        from site.api.spectacular import get_drf_settings
        INSTALLED_APPS = ["rest_framework"]
        REST_FRAMEWORK = get_drf_settings(require_login=False, anon_throttle="100/day")
    """
    builder = """
        def get_drf_settings(*, require_login, anon_throttle):
            return {
                "DEFAULT_PERMISSION_CLASSES": [
                    "rest_framework.permissions.IsAuthenticated"
                    if require_login
                    else "rest_framework.permissions.IsAuthenticatedOrReadOnly"
                ],
                "DEFAULT_PAGINATION_CLASS": "site.api.pagination.StandardPagination",
                "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
                "DEFAULT_THROTTLE_RATES": {"anon": anon_throttle, "user": "100/hour"},
                "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
            }
    """
    files = {"app/views.py": view, "site/settings.py": settings, "site/api/spectacular.py": builder}
    rows, metas = _rows(files)
    assert metas["site/settings.py"]["django_settings"]["rest_framework_call"] == "get_drf_settings"
    conventions = {c["key"]: c for c in link(rows, metas).conventions}
    auth = conventions["auth"]["statement"]
    assert "inherit `IsAuthenticated or IsAuthenticatedOrReadOnly` from settings.REST_FRAMEWORK" in auth
    assert "AllowAny" not in auth
    assert "site/api/spectacular.py:" in auth
    defaults = conventions["defaults"]["statement"]
    # the defaults name what no other convention does (the pagination convention names the class)
    assert "`StandardPagination` from settings.REST_FRAMEWORK" in conventions["pagination"]["statement"]
    assert "pagination" not in defaults and "exception handler `exception_handler`" in defaults
    rate = conventions["rate_limit"]["statement"]
    assert "(rates user 100/hour)" in rate and "anon_throttle" not in rate  # an argument is no rate

    # a builder memorybrain cannot find is said to be unread, not taken for DRF's defaults
    del files["site/api/spectacular.py"]
    rows, metas = _rows(files)
    conventions = {c["key"]: c for c in link(rows, metas).conventions}
    auth = conventions["auth"]["statement"]
    assert "unless settings.REST_FRAMEWORK = `get_drf_settings(...)` (site/settings.py:4) sets one (not read)" in auth
    assert all("no REST_FRAMEWORK in settings" not in c["statement"] for c in conventions.values())


def test_actions_guessed_from_a_project_base_name_follow_that_base():
    """pulpcore: ``NamedModelViewSet`` is a GenericViewSet; its subclasses serve what their
    mixins serve, not a ModelViewSet's six actions."""
    rows, metas = _rows(
        {
            "core/viewsets.py": """
                from rest_framework import mixins, viewsets
                class NamedModelViewSet(viewsets.GenericViewSet):
                    def get_queryset(self):
                        pass
                class ReadOnlyContentViewSet(NamedModelViewSet, mixins.RetrieveModelMixin, mixins.ListModelMixin):
                    pass
                class ListRemoteViewSet(NamedModelViewSet, mixins.ListModelMixin):
                    def destroy(self, request, pk=None):
                        pass
                class FileContentViewSet(ReadOnlyContentViewSet):
                    pass
                class AsyncReservedObjectMixin:
                    def async_reserved_resources(self, instance):
                        return []
                class AsyncUpdateMixin(AsyncReservedObjectMixin):
                    def update(self, request, pk, **kwargs):
                        return dispatch(pk)
                    def partial_update(self, request, *args, **kwargs):
                        return self.update(request, *args, **kwargs)
                class AsyncRemoveMixin(AsyncReservedObjectMixin, mixins.DestroyModelMixin):
                    pass
                class RemoteViewSet(NamedModelViewSet, mixins.CreateModelMixin, AsyncUpdateMixin, AsyncRemoveMixin):
                    pass
                class DistributionViewSet(ReadOnlyContentViewSet, AsyncUpdateMixin):
                    pass
                class TaskViewSet(NamedModelViewSet, mixins.ListModelMixin, mixins.DestroyModelMixin):
                    def destroy(self, request, pk=None):
                        return Response(status=204)
                class ThirdPartyViewSet(external.SomeModelViewSet):
                    pass
            """,
            "core/urls.py": """
                from rest_framework import routers
                from core.viewsets import FileContentViewSet, ListRemoteViewSet
                from core.viewsets import ReadOnlyContentViewSet, ThirdPartyViewSet, RemoteViewSet, TaskViewSet
                from core.viewsets import DistributionViewSet
                router = routers.SimpleRouter()
                router.register(r"content", ReadOnlyContentViewSet, basename="content")
                router.register(r"files", FileContentViewSet, basename="files")
                router.register(r"remotes", ListRemoteViewSet, basename="remotes")
                router.register(r"other", ThirdPartyViewSet, basename="other")
                router.register(r"rem", RemoteViewSet, basename="rem")
                router.register(r"tasks", TaskViewSet, basename="tasks")
                router.register(r"dist", DistributionViewSet, basename="dist")
                urlpatterns = router.urls
            """,
        }
    )
    result = link(rows, metas)
    by_handler = {u[2].get("handler"): u[2] for u in result.updates if u[2].get("handler")}
    assert [a["action"] for a in by_handler["ReadOnlyContentViewSet"]["actions"]] == ["list", "retrieve"]
    assert [a["action"] for a in by_handler["FileContentViewSet"]["actions"]] == ["list", "retrieve"]
    assert [a["action"] for a in by_handler["ListRemoteViewSet"]["actions"]] == ["list"]
    assert by_handler["ListRemoteViewSet.destroy"]["urls"] == [{"methods": ["DELETE"], "path": "/remotes/{pk}/"}]
    assert by_handler["ReadOnlyContentViewSet"]["methods"] == ["GET"]
    # a base outside the project keeps what its name says
    assert len(by_handler["ThirdPartyViewSet"]["actions"]) == 6
    # the project's mixins serve what they define and what DRF's mixins among their bases serve
    assert [a["action"] for a in by_handler["RemoteViewSet"]["actions"]] == [
        "create", "update", "partial_update", "destroy"
    ]  # fmt: skip
    assert by_handler["RemoteViewSet"]["methods"] == ["POST", "PUT", "PATCH", "DELETE"]
    assert [a["action"] for a in by_handler["TaskViewSet"]["actions"]] == ["list"]
    assert [a["action"] for a in by_handler["DistributionViewSet"]["actions"]] == [
        "list", "retrieve", "update", "partial_update"
    ]  # fmt: skip
    assert by_handler["TaskViewSet.destroy"]["urls"] == [{"methods": ["DELETE"], "path": "/tasks/{pk}/"}]


def test_scoped_rate_throttle_limits_only_views_with_a_scope():
    """wger: ScopedRateThrottle in DEFAULT_THROTTLE_CLASSES throttles the one view that sets
    ``throttle_scope``, not every view that sets nothing."""
    views = "from rest_framework.views import APIView\n" + "".join(
        f"class V{i}(APIView):\n    def get(self, request):\n        pass\n" for i in range(4)
    )
    views += "class Login(APIView):\n    throttle_scope = 'login'\n    def post(self, request):\n        pass\n"
    rows, metas = _rows(
        {
            "app/views.py": views,
            "site/settings.py": """
                INSTALLED_APPS = ["rest_framework"]
                REST_FRAMEWORK = {
                    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
                    "DEFAULT_THROTTLE_RATES": {"login": "10/min"},
                }
            """,
        }
    )
    rate = {c["key"]: c for c in link(rows, metas).conventions}["rate_limit"]
    assert "throttles only views that set `throttle_scope`: 1 of 5 DRF views (`login` ×1)" in rate["statement"]
    assert "on the 5 DRF views that set nothing" not in rate["statement"]
    assert rate["data"]["count"] == 1


def test_guardian_and_project_access_decorators_are_auth():
    """kiwitcms: ``@method_decorator(object_permission_required(...), name="dispatch")``."""
    fe = _extract(
        "plans/views.py",
        """
        from django.utils.decorators import method_decorator
        from django.views.generic import DetailView, UpdateView
        from guardian.decorators import permission_required as object_permission_required

        @method_decorator(object_permission_required("testplans.change_testplan"), name="dispatch")
        class Edit(UpdateView):
            model = TestPlan

        @method_decorator(require_POST, name="dispatch")
        class Clone(DetailView):
            model = TestPlan
        """,
    )
    routes = _routes(fe)
    assert routes["Edit"]["django_auth"] == ["object_permission_required"]
    assert not routes["Clone"].get("django_auth")


def test_an_open_default_is_not_advised_when_guarded_views_set_classes():
    """kolibri: most views set nothing and inherit DRF's ``AllowAny``; the checklist should not
    tell a new endpoint to do the same, but show what the guarded views write."""
    from memorybrain.pack import _advice

    views = "from rest_framework.views import APIView\n" + "".join(
        f"class Open{i}(APIView):\n    def get(self, request):\n        pass\n" for i in range(3)
    )
    views += (
        "class Guarded(APIView):\n    permission_classes = (KolibriAuthPermissions,)\n"
        "    def get(self, request):\n        pass\n"
    )
    rows, metas = _rows({"app/views.py": views})
    auth = {c["key"]: c for c in link(rows, metas).conventions}["auth"]
    assert auth["data"]["inherited"] and auth["data"]["explicit"] == [["KolibriAuthPermissions", 1]]
    advice = _advice("auth", auth)
    assert advice == (
        "views that set nothing are open to anyone (`AllowAny`, 3 of 4); "
        "guarded views set `permission_classes` like `KolibriAuthPermissions` (1 view)"
    )


def test_access_decorators_applied_in_the_urlconf_guard_the_view():
    """wger: ``path("add/", login_required(views.WeightAddView.as_view()))``; decorators nest
    (``login_required(permission_required("x")(view))``); ``FormPreview(Form)`` is a view
    instance, not a decorator."""
    rows, metas = _rows(
        {
            "weight/views.py": """
                from django.views.generic import CreateView, UpdateView, ListView
                class WeightAddView(CreateView):
                    model = WeightEntry
                class WeightUpdateView(UpdateView):
                    model = WeightEntry
                class WeightListView(ListView):
                    model = WeightEntry
                def overview(request):
                    return render(request, "overview.html")
            """,
            "weight/urls.py": """
                from django.contrib.auth.decorators import login_required, permission_required
                from django.urls import path
                from weight import views
                urlpatterns = [
                    path("add/", login_required(views.WeightAddView.as_view()), name="add"),
                    path(
                        "<int:pk>/edit/",
                        login_required(permission_required("weight.change")(views.WeightUpdateView.as_view())),
                    ),
                    path("list/", views.WeightListView.as_view()),
                    path("overview/", login_required(views.overview)),
                    path("import/", login_required(views.ImportPreview(ImportForm))),
                ]
            """,
        }
    )
    urls = [
        (u["route"], u.get("view"), u.get("wrappers"), u.get("wrapper_texts"))
        for u in metas["weight/urls.py"]["django_urls"]
    ]
    assert urls == [
        ("add/", "views.WeightAddView", ["login_required"], ["login_required"]),
        (
            "<int:pk>/edit/",
            "views.WeightUpdateView",
            ["login_required", "permission_required"],
            ["login_required", 'permission_required("weight.change")'],
        ),
        ("list/", "views.WeightListView", None, None),
        ("overview/", "views.overview", ["login_required"], ["login_required"]),
    ]
    result = link(rows, metas)
    by_pid = {u[0]: u for u in result.updates}
    metas_by_view = {r[2]: by_pid[r[0]] for r in rows if r[1] == "route"}
    assert metas_by_view["WeightAddView"][2]["django_auth"] == ["login_required"]
    assert metas_by_view["WeightUpdateView"][2]["django_auth"] == ["login_required", "permission_required"]
    assert not metas_by_view["WeightListView"][2].get("django_auth")
    assert metas_by_view["overview"][2]["django_auth"] == ["login_required"]
    assert "(login_required(…) in weight/urls.py)" in metas_by_view["WeightAddView"][3]
    auth = {c["key"]: c for c in result.conventions}["auth"]
    assert "plain Django views (4) use `login_required(View.as_view()) in the urlconf` (3)" in auth["statement"]
    assert auth["data"]["form"] == "login_required(View.as_view()) in the urlconf"


def test_viewset_methods_named_like_verbs_are_routes_where_a_urlconf_maps_them():
    """wger: ``class UserAPILoginView(viewsets.ViewSet)`` with ``def get``/``def post`` and
    ``path("login/", UserAPILoginView.as_view({"post": "post"}))``: ``post`` is served there,
    ``get`` is not. A router maps no verb-named method, but DRF dispatches the verb to it on
    the routes the router generates for the class (misago's bulk ``def delete`` on the list
    route); a class the router generates no route for serves none."""
    rows, metas = _rows(
        {
            "core/views.py": """
                from rest_framework import viewsets
                class UserAPILoginView(viewsets.ViewSet):
                    def get(self, request):
                        return Response({})
                    def post(self, request):
                        return Response({})
                class VersionView(viewsets.ViewSet):
                    def get(self, request):
                        return Response({})
                class ThreadViewSet(viewsets.ViewSet):
                    def list(self, request):
                        return Response([])
                    def delete(self, request):
                        return Response({})
            """,
            "core/urls.py": """
                from django.urls import include, path
                from rest_framework import routers
                from core import views
                router = routers.DefaultRouter()
                router.register("version", views.VersionView, basename="version")
                router.register("threads", views.ThreadViewSet, basename="thread")
                urlpatterns = [
                    path("api/", include(router.urls)),
                    path("api/login/", views.UserAPILoginView.as_view({"post": "post"})),
                ]
            """,
        }
    )
    fe_routes = {r[2]: r[4] for r in rows if r[1] == "route"}
    assert fe_routes["post"]["methods"] == ["POST"] and fe_routes["post"]["action"] == "post"
    result = link(rows, metas)
    by_pid = {u[0]: u[2] for u in result.updates}
    served = {
        (m["handler"], tuple(m["methods"]) if m.get("urls") is None else None): m.get("full_path")
        for m in (by_pid[r[0]] for r in rows if r[1] == "route")
    }
    assert served[("UserAPILoginView.post", None)] == "/api/login/"
    assert served[("UserAPILoginView.get", ("GET",))] is None
    assert served[("VersionView.get", ("GET",))] is None
    assert served[("ThreadViewSet.delete", None)] == "/api/threads/"


MISAGO_LIKE_VIEWS = """
    from rest_framework import viewsets
    from rest_framework.decorators import action

    class ViewSet(viewsets.ViewSet):
        thread = None

        def list(self, request, thread_pk):
            return Response(self.posts(request, thread_pk))

        def retrieve(self, request, pk):
            return Response({})

        @action(detail=False, methods=["post"])
        def merge(self, request, thread_pk):
            return posts_merge_endpoint(request)

        @action(detail=True, methods=["get"], url_path="editor")
        def post_editor(self, request, thread_pk, pk=None):
            return Response({})

        def delete(self, request, pk=None):
            return delete_bulk(request)

    class ThreadPostsViewSet(ViewSet):
        thread = ForumThread

    class PrivateThreadPostsViewSet(ViewSet):
        thread = PrivateThread

        def list(self, request, thread_pk):
            return Response([])

        @action(detail=False, methods=["post"])
        def merge(self, request, thread_pk):
            raise PermissionDenied()
"""


def test_viewsets_inherit_actions_from_a_base_named_viewset_in_the_same_module():
    """misago: ``class ViewSet(viewsets.ViewSet)`` holds the handlers and the router registers
    its subclasses ``ThreadPostsViewSet(ViewSet)``: the bare ``ViewSet`` is the module's class,
    not DRF's, so the subclasses serve its standard actions and its ``@action`` methods (a
    verb-named ``def delete`` still is no router route)."""
    fe = _extract("threads/api.py", MISAGO_LIKE_VIEWS)
    routes = _routes(fe)
    # the subclass gets a class pattern (it inherits what the project's ViewSet serves)
    assert routes["ThreadPostsViewSet"]["bases"] == ["ViewSet"]
    rows, metas = _rows(
        {
            "threads/api.py": MISAGO_LIKE_VIEWS,
            "threads/urls.py": """
                from rest_framework.routers import DefaultRouter
                from threads.api import PrivateThreadPostsViewSet, ThreadPostsViewSet
                router = DefaultRouter()
                router.register(r"threads/(?P<thread_pk>[^/.]+)/posts", ThreadPostsViewSet, basename="post")
                router.register(r"private/(?P<thread_pk>[^/.]+)/posts", PrivateThreadPostsViewSet, basename="ppost")
                urlpatterns = router.urls
            """,
        }
    )
    result = link(rows, metas)
    by_handler = {u[2].get("handler"): u[2] for u in result.updates if u[2].get("handler")}
    posts = by_handler["ThreadPostsViewSet"]
    base = "/threads/<thread_pk>/posts"  # the router prefix regex read as a path
    assert posts["urls"] == [
        {"methods": ["GET"], "path": f"{base}/"},
        {"methods": ["GET"], "path": f"{base}/{{pk}}/"},
        {"methods": ["POST"], "path": f"{base}/merge/"},
        {"methods": ["GET"], "path": f"{base}/{{pk}}/editor/"},
    ]
    assert [a["action"] for a in posts["inherited_actions"]] == ["merge", "post_editor"]
    assert posts["inherited_actions"][0]["inherited_from"] == "ViewSet (threads/api.py)"
    # what a subclass redefines is its own route, not inherited twice
    private = by_handler["PrivateThreadPostsViewSet"]
    assert [a["action"] for a in private["actions"]] == ["retrieve"]
    assert [a["action"] for a in private["inherited_actions"]] == ["post_editor"]
    assert by_handler["PrivateThreadPostsViewSet.merge"]["urls"] == [
        {"methods": ["POST"], "path": "/private/<thread_pk>/posts/merge/"}
    ]
    # DRF's router does not route a method named like a verb
    assert "DELETE" not in {m for u in posts["urls"] for m in u["methods"]}
    # linking again (the stored metas are the linker's) gives the same URLs
    relinked = [(pid, kind, name, path, dict(meta), u, s) for pid, kind, name, path, meta, u, s in rows]
    updates = {u[0]: u[2] for u in result.updates}
    relinked = [(pid, k, n, p, updates.get(pid, m), u, s) for pid, k, n, p, m, u, s in relinked]
    again = {u[2].get("handler"): u[2] for u in link(relinked, metas).updates if u[2].get("handler")}
    assert again.get("ThreadPostsViewSet", posts)["urls"] == posts["urls"]


def test_viewset_bases_imported_from_the_project_are_the_projects():
    """``from .base import ViewSet`` (or any module outside rest_framework) is the project's
    class; ``from rest_framework.viewsets import ViewSet`` is DRF's."""
    rows, metas = _rows(
        {
            "forum/base.py": """
                from rest_framework import viewsets
                from rest_framework.decorators import action
                class ViewSet(viewsets.ViewSet):
                    def retrieve(self, request, pk):
                        return Response({})
                    @action(detail=True, methods=["post"])
                    def watch(self, request, pk=None):
                        return Response({})
            """,
            "forum/api.py": """
                from .base import ViewSet
                class ThreadViewSet(ViewSet):
                    def list(self, request):
                        return Response([])
            """,
            "forum/urls.py": """
                from rest_framework.routers import SimpleRouter
                from forum.api import ThreadViewSet
                router = SimpleRouter()
                router.register(r"threads", ThreadViewSet, basename="thread")
                urlpatterns = router.urls
            """,
        }
    )
    result = link(rows, metas)
    by_handler = {u[2].get("handler"): u[2] for u in result.updates if u[2].get("handler")}
    assert by_handler["ThreadViewSet"]["urls"] == [
        {"methods": ["GET"], "path": "/threads/{pk}/"},
        {"methods": ["POST"], "path": "/threads/{pk}/watch/"},
    ]
    assert by_handler["ThreadViewSet.list"]["urls"] == [{"methods": ["GET"], "path": "/threads/"}]
    plain = _routes(
        _extract(
            "forum/plain.py",
            """
            from rest_framework.viewsets import ViewSet
            class PlainViewSet(ViewSet):
                def list(self, request):
                    return Response([])
            """,
        )
    )
    assert list(plain) == ["PlainViewSet.list"]  # DRF's ViewSet: nothing to inherit, no class pattern


def test_urlconf_entries_written_with_keyword_arguments():
    """mayan: ``re_path(route=r'^tags/(?P<tag_id>[0-9]+)/$', view=V.as_view(), name='tag-detail')``."""
    fe = _extract(
        "tags/urls.py",
        """
        from django.urls import path, re_path
        api_urls = [
            re_path(route=r"^tags/(?P<tag_id>[0-9]+)/$", view=APITagDetailView.as_view(), name="tag-detail"),
            re_path(name="tag-list", view=APITagListView.as_view(), route=r"^tags/$"),
            path("x/", view=views.x),
            path(route="y/"),
        ]
        """,
    )
    urls = [(u["route"], u.get("view"), u.get("name")) for u in fe.meta["django_urls"]]
    assert urls == [
        ("tags/<tag_id>/", "APITagDetailView", "tag-detail"),
        ("tags/", "APITagListView", "tag-list"),
        ("x/", "views.x", None),
    ]


def test_list_pages_paginate_with_paginate_by():
    """Server-rendered list pages (``ListView`` with ``paginate_by = 25``) have their own
    pagination convention beside an API's DRF pagination class; forms likewise."""
    views = "from django.views.generic import ListView, UpdateView\n" + "".join(
        f"class Page{i}List(ListView):\n    model = M{i}\n    paginate_by = 25\n" for i in range(3)
    )
    views += "class AllList(ListView):\n    model = M\n"
    views += "".join(f"class Edit{i}(UpdateView):\n    model = M{i}\n    form_class = Form{i % 2}\n" for i in range(3))
    rows, metas = _rows({"pages/views.py": views})
    conventions = {c["key"]: c for c in link(rows, metas).conventions}
    assert conventions["pagination:pages"]["statement"] == (
        "list pages paginate with `paginate_by` (3 of 4 list pages; `paginate_by = 25` on 3)"
    )
    assert conventions["validation:forms"]["statement"] == (
        "pages validate input with Django forms: `form_class` on 3 of 7 plain Django views (`Form0`, `Form1`)"
    )


def test_routes_known_from_the_root_urlconf_are_rooted():
    """A URL walked down from ROOT_URLCONF is the URL the view is served at; a plugin's urlconf
    that the project mounts at run time (kolibri's plugins) gives only a path relative to an
    unknown mount. A re-link forgets the last link's answer."""
    files = {
        "proj/settings.py": """
            INSTALLED_APPS = ["rest_framework"]
            ROOT_URLCONF = "proj.urls"
        """,
        "proj/urls.py": """
            from django.urls import include, path
            urlpatterns = [path("api/", include("core.urls"))]
        """,
        "core/urls.py": """
            from django.urls import path
            from rest_framework.routers import DefaultRouter
            from core import views
            router = DefaultRouter()
            router.register("notes", views.NoteViewSet)
            urlpatterns = [path("ping/", views.ping)] + router.urls
        """,
        "core/views.py": """
            from django.http import JsonResponse
            from rest_framework import viewsets
            class NoteViewSet(viewsets.ModelViewSet):
                queryset = None
            def ping(request):
                return JsonResponse({})
        """,
        "plugin/api_urls.py": """
            from rest_framework.routers import DefaultRouter
            from plugin.api import TaskViewSet
            router = DefaultRouter()
            router.register("tasks", TaskViewSet)
            urlpatterns = router.urls
        """,
        "plugin/api.py": """
            from rest_framework import viewsets
            class TaskViewSet(viewsets.ModelViewSet):
                queryset = None
        """,
    }
    rows, metas = _rows(files)
    result = link(rows, metas)
    by_handler = {m.get("handler"): m for _pid, _u, m, _s in result.updates}
    assert by_handler["NoteViewSet"]["full_path"] == "/api/notes/" and by_handler["NoteViewSet"]["rooted"] is True
    assert by_handler["ping"]["full_path"] == "/api/ping/" and by_handler["ping"]["rooted"] is True
    assert by_handler["TaskViewSet"]["full_path"] == "/tasks/" and "rooted" not in by_handler["TaskViewSet"]

    # the settings lose ROOT_URLCONF: nothing is known from the root any more
    files["proj/settings.py"] = 'INSTALLED_APPS = ["rest_framework"]\n'
    stored = {pid: meta for pid, _u, meta, _s in result.updates}
    rows2, metas2 = _rows(files)
    rows2 = [(pid, k, n, p, stored.get(pid, meta), u, s) for pid, k, n, p, meta, u, s in rows2]
    relinked = {m.get("handler"): m for _pid, _u, m, _s in link(rows2, metas2).updates}
    assert relinked["NoteViewSet"]["full_path"] == "/api/notes/" and "rooted" not in relinked["NoteViewSet"]


def test_plugin_urlconfs_included_by_module_alias_and_views_reexported_by_packages():
    """A Django plugin without ROOT_URLCONF (galaxy-ng): the top urlconf includes the others by
    module alias (``from .api import urls as api_urls; include(api_urls)``), views are named as
    ``viewsets.X`` through a package ``__init__`` that re-exports them (one of them a subclass of
    a same-named class it imports), urlpatterns grow in a ``for`` loop and by ``insert``, and
    viewsets whose actions come from a base outside the project are mounted by ``as_view``."""
    rows, metas = _rows(
        {
            "hub/urls.py": """
                from django.urls import include, path
                from hub.api import urls as api_urls
                urlpatterns = [path("api/", include(api_urls))]
            """,
            "hub/api/urls.py": """
                from django.conf import settings
                from django.urls import include, path
                from .ui import urls as ui_urls
                from .v1 import urls as v1_urls
                urlpatterns = [path("_ui/", include((ui_urls, "api"), namespace="ui"))]
                if settings.LEGACY:
                    urlpatterns.insert(0, path("v1/", include(v1_urls)))
            """,
            "hub/api/v1/urls.py": """
                from django.urls import path
                from hub.api.v1.views import RootView
                urlpatterns = [path("", RootView.as_view())]
            """,
            "hub/api/v1/views.py": """
                from rest_framework.views import APIView
                class RootView(APIView):
                    def get(self, request):
                        pass
            """,
            "hub/api/ui/urls.py": """
                from django.urls import include, path
                from rest_framework import routers
                from . import viewsets
                router = routers.SimpleRouter()
                router.register("namespaces", viewsets.NamespaceViewSet)
                paths = [
                    path("", include(router.urls)),
                    path("tasks/", viewsets.TaskViewSet.as_view({"get": "list"})),
                ]
                VERSIONS = {"v1": "v1/"}
                urlpatterns = []
                for version in VERSIONS:
                    urlpatterns.append(path(VERSIONS[version], include((paths, "ui"), namespace=version)))
            """,
            "hub/api/ui/viewsets/__init__.py": """
                from .namespace import NamespaceViewSet
                from .task import TaskViewSet
            """,
            "hub/api/ui/viewsets/namespace.py": """
                from hub.api.v3.namespace import NamespaceViewSet
                class NamespaceViewSet(NamespaceViewSet):
                    versioning_class = None
            """,
            "hub/api/ui/viewsets/task.py": """
                from platformlib import viewsets as platform_viewsets
                class TaskViewSet(platform_viewsets.TaskViewSet):
                    serializer_class = None
            """,
            "hub/api/v3/namespace.py": """
                from rest_framework import viewsets
                class NamespaceViewSet(viewsets.ModelViewSet):
                    permission_classes = [IsOwner]
            """,
        }
    )
    result = link(rows, metas)
    paths = {r[0]: r[3] for r in rows}
    by = {(paths[u[0]], u[2].get("handler")): u[2] for u in result.updates if u[2].get("handler")}
    ui_ns = by[("hub/api/ui/viewsets/namespace.py", "NamespaceViewSet")]
    assert ui_ns["full_path"] == "/api/_ui/namespaces/"
    assert ui_ns["permission_classes"] == ["IsOwner"]  # still inherited from the class it shadows
    assert by[("hub/api/v3/namespace.py", "NamespaceViewSet")].get("full_path") is None
    task = by[("hub/api/ui/viewsets/task.py", "TaskViewSet")]
    assert task["urls"] == [{"methods": ["GET"], "path": "/api/_ui/tasks/"}]
    assert by[("hub/api/v1/views.py", "RootView.get")]["full_path"] == "/api/v1/"


def test_dynaconf_rest_framework_keys_and_exception_handler_building_its_response_in_a_helper():
    """Settings read by dynaconf name nested keys ``REST_FRAMEWORK__DEFAULT_PERMISSION_CLASSES``;
    a DRF exception handler may build its response in a module function it calls (galaxy-ng)."""
    fe = _extract(
        "hub/settings.py",
        """
        INSTALLED_APPS = ["rest_framework.authtoken", "dynaconf_merge"]
        REST_FRAMEWORK__DEFAULT_PERMISSION_CLASSES = (
            "hub.access_control.access_policy.AccessPolicyBase",
        )
        """,
    )
    rest = fe.meta["django_settings"]["rest_framework"]
    assert rest["DEFAULT_PERMISSION_CLASSES"] == ["hub.access_control.access_policy.AccessPolicyBase"]
    assert fe.meta["django_settings"]["rest_framework_lines"]["DEFAULT_PERMISSION_CLASSES"] == 3
    fe = _extract(
        "hub/api/exceptions.py",
        """
        from rest_framework import exceptions
        from rest_framework.response import Response

        def _handle_api_exception(exc):
            data = {"errors": [{"status": str(exc.status_code), "detail": str(exc.detail)}]}
            return Response(data, status=exc.status_code)

        def exception_handler(exc, context):
            if isinstance(exc, exceptions.APIException):
                return _handle_api_exception(exc)
            return None
        """,
    )
    handlers = [p for p in fe.patterns if p.kind == "error_handler"]
    assert [(p.name, p.meta["response_keys"]) for p in handlers] == [("exception_handler", ["errors"])]


def test_router_prefix_written_as_a_regex_reads_as_a_path():
    """``router.register(r"users/(?P<user>[\\d]+)/participations", ...)`` (ephios): DRF's router
    prefixes are regexes; the route reads ``users/<user>/participations``."""
    fe = _extract(
        "app/urls.py",
        r"""
        from rest_framework import routers
        from app.views import UserParticipationView
        router = routers.DefaultRouter()
        router.register(r"users/(?P<user>[\d]+)/participations", UserParticipationView)
        urlpatterns = router.urls
        """,
    )
    assert fe.meta["router_registrations"][0]["prefix"] == "users/<user>/participations"


def test_project_exception_handler_not_in_settings_and_unpaginated_lists():
    """galaxy-ng: no EXCEPTION_HANDLER in settings, but the project's one DRF handler (views
    select it with get_exception_handler()): errors do not all use DRF's default shape; and
    ``pagination_class = None`` is no pagination class to follow."""
    rows, metas = _rows(
        {
            "hub/api/exceptions.py": """
                from rest_framework.response import Response

                def exception_handler(exc, context):
                    return Response({"errors": [str(exc)]}, status=exc.status_code)
            """,
            "hub/api/views.py": """
                from rest_framework import viewsets
                from hub.api import exceptions

                class TagViewSet(viewsets.ReadOnlyModelViewSet):
                    pagination_class = None
                    def get_exception_handler(self):
                        return exceptions.exception_handler

                class ConflictError(APIException):
                    status_code = 409
            """,
            "hub/urls.py": """
                from rest_framework.routers import DefaultRouter
                from hub.api.views import TagViewSet
                router = DefaultRouter()
                router.register("tags", TagViewSet)
                urlpatterns = router.urls
            """,
        }
    )
    conventions = {c["key"]: c["statement"] for c in link(rows, metas).conventions}
    errors = conventions["errors"]
    assert "DRF's default handler" not in errors
    assert "`exception_handler` (hub/api/exceptions.py) is not settings' EXCEPTION_HANDLER" in errors
    assert '`{"errors"}`' in errors
    assert "pagination" not in conventions
