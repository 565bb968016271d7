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
