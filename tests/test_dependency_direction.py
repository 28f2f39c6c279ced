"""``incidents`` depends on ``meetings``, never the other way round.

meetings' code and templates must not name the incidents app: no import of it, no
model of it by app label, no table, template, URL namespace or template library of
it. Where a meeting page shows incident data it asks ``meetings.extensions``, which
the incidents app fills in its ``AppConfig.ready()``. (The API's published field
names, ``incidents`` and ``?incident=``, are a contract and stay.)
"""

from __future__ import annotations

import ast
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from meetings import extensions

ROOT = Path(settings.BASE_DIR)

# In a string or template: a template path, a URL namespace or name, a template
# tag library, a table, the app label where apps.get_model/is_installed take it.
NAMED_IN_TEXT = re.compile(
    r"""incidents/(?:includes|public|staff)/"""  # templates of the app
    r"""|incidents_(?:public|staff):"""  # its URL namespaces
    r"""|api:incident\b"""  # its API's URL names
    r"""|\{%\s*load\s+[^%]*\bincident_"""  # its template tag libraries
    r"""|\bincidents_(?:incident|incidentlink|alertchange|alertlevel|alertscheme)"""
    r"""|\b(?:get_model|is_installed|get_app_config)\(\s*["']incidents["']"""
)


def _python_files() -> list[Path]:
    return sorted(
        path
        for path in (ROOT / "meetings").rglob("*.py")
        if "migrations" not in path.parts
    )


def _template_files() -> list[Path]:
    return sorted(
        path for path in (ROOT / "templates" / "meetings").rglob("*") if path.is_file()
    )


def _imports_incidents(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else []
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", ""))
            in {"import_module", "import_string", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names = [str(node.args[0].value)]
        else:
            continue
        if any(name == "incidents" or name.startswith("incidents.") for name in names):
            lines.append(node.lineno)
    return lines


def test_the_check_finds_what_it_looks_for():
    """The patterns catch each way of naming the app (so an empty result means
    something)."""
    tree = ast.parse(
        "import incidents\n"
        "from incidents.models import Incident\n"
        "import_module('incidents.views')\n"
        "from meetings import layout\n"
    )
    assert _imports_incidents(tree) == [1, 2, 3]
    for text in [
        '{% include "incidents/includes/_meeting_alert_notices.html" %}',
        "{% url 'incidents_staff:list' %}",
        'reverse("incidents_public:incident", args=[x])',
        'reverse("api:incident", args=[x])',
        "{% load static incident_alerts %}",
        "SELECT COUNT(*) FROM incidents_incidentlink",
        'apps.get_model("incidents", "Incident")',
        "apps.is_installed('incidents')",
    ]:
        assert NAMED_IN_TEXT.search(text), text
    for text in ['"incidents": [incident_ref(i) for i in refs]', "?incident="]:
        assert not NAMED_IN_TEXT.search(text), text


def test_meetings_code_never_names_the_incidents_app():
    found = []
    files = _python_files()
    assert len(files) > 50  # the whole package, not an empty glob
    for path in files:
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        found += [
            f"{where}:{line} imports incidents"
            for line in _imports_incidents(ast.parse(source))
        ]
        for number, line in enumerate(source.splitlines(), start=1):
            if NAMED_IN_TEXT.search(line):
                found.append(f"{where}:{number}: {line.strip()}")
    assert found == []


def test_meetings_templates_never_name_the_incidents_app():
    found = []
    files = _template_files()
    assert len(files) > 20
    for path in files:
        for number, line in enumerate(
            path.read_text(encoding="utf-8").splitlines(), start=1
        ):
            if NAMED_IN_TEXT.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_incidents_app_fills_the_extension_point():
    """With both apps installed, the meeting pages' one extension point is the
    incidents app's (registered in its AppConfig.ready)."""
    from incidents.extension import IncidentsRelated

    registered = extensions.related()
    assert isinstance(registered, IncidentsRelated)
    assert registered.param == "incident"
    assert reverse(
        "public:archive_related", args=["5eed0000-2022-4620-8000-000000000001"]
    ) == ("/archive/incident/5eed0000-2022-4620-8000-000000000001/")


def test_without_a_registered_app_every_hook_answers_nothing():
    """meetings works alone: the base class is the null extension."""
    alone = extensions.Related()
    assert alone.param == "" and alone.choices() == [] and alone.state_sql() == []
    assert alone.refs_by_meeting([1, 2]) == {1: [], 2: []}
    assert alone.meeting_ids(uuid.uuid4()) is None
    assert alone.tree_urls() == [] and alone.tree_urls_of({"x"}) == []
