"""What the pack shows as "used by the exemplar": project definitions the closest routes call."""

from __future__ import annotations

from textwrap import dedent

from memorybrain import Brain
from memorybrain.pack import PackBuilder
from memorybrain.retrieve import Hit


def test_a_method_call_on_an_imported_object_is_no_module_function(tmp_path, hashing_encoder):
    """calibre-web: ``request.headers.get(...)`` in a gdrive view (``from flask import request``)
    was shown as a use of ``isoLanguages.get``, a module-level function named alike; a call
    through a module the view imports (``gdriveutils.watch_change``) still counts."""
    files = {
        "app/__init__.py": "",
        "app/languages.py": "def get(name=None):\n    return name\n",
        "app/gdriveutils.py": "def watch_change(drive):\n    return drive\n",
        "app/gdrive.py": dedent(
            """
            from flask import Blueprint, request
            from . import gdriveutils
            gdrive = Blueprint("gdrive", __name__, url_prefix="/gdrive")

            @gdrive.route("/watch/callback", methods=["POST"])
            def watch_callback():
                if request.headers.get("X-Token") != "t":
                    return ""
                return gdriveutils.watch_change(request.data)
            """
        ),
    }
    for path, src in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(src)
    with Brain.open(tmp_path, encoder=hashing_encoder) as brain:
        brain.index()
        (route,) = brain.store.iter_patterns(kind="route")
        builder = PackBuilder(brain.store, hashing_encoder)
        chain = builder._chain([Hit(route.id, "route", route.path, 1.0, 1.0, 0.0)])
    shown = [reason.split("`")[1] for _pid, _role, reason in chain]
    assert shown == ["watch_change"]
