"""Shared fixtures: a cast of named users, media in a temp dir, the demo seed."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from meetings import permissions

# Tests run with development settings unless the caller says otherwise.


def _test_settings(base: Path, storages: dict) -> dict:
    """Files of a test (or of a module sharing the demo) under ``base``."""
    return {
        "MEDIA_ROOT": base / "media",
        # PBKDF2's million iterations cost about a second per test user; tests check
        # roles, not password hashing.
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "STORAGES": {
            **storages,
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
            },
            # Each test writes its own publication tree.
            "public_site": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(base / "public_site"), "base_url": "/"},
            },
        },
        "PUBLIC_SITE_ROOT": base / "public_site",
        "JOB_LOCK_DIR": base / "locks",
        "JOB_LOCK_REDIS_URL": "",
        # The dynamic views answer in tests; test_static_site* turn the tree on.
        "SERVE_PUBLIC_SITE": False,
        # Pagefind costs ~0.5 s a run: its own tests turn it on.
        "PUBLIC_SITE_SEARCH_INDEX": False,
        # No audio synthesis (seconds a page) unless a test asks for it (tests/reading).
        "READING_SPEECH": False,
    }


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix):
    """SQLite test database files. Settings name the file after the process
    (``test_<pid>_db.sqlite3``), so that two runs at once never share one; an xdist
    worker's file ends ``_gw0.sqlite3``. With ``--reuse-db``: one file per checkout
    (per xdist worker), kept between runs (a file named after the process would
    never be found again, and every run would leave one behind). On PostgreSQL
    pytest-django names each worker's database ``test_<name>_gw0``."""
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    reuse = request.config.getvalue("reuse_db")
    for db in settings.DATABASES.values():
        if not db["ENGINE"].endswith("sqlite3") or db["NAME"] == ":memory:":
            continue
        name = Path(db["NAME"])
        if reuse:
            stem = f"test_{name.stem}_{worker}" if worker else f"test_{name.stem}"
            db.setdefault("TEST", {})["NAME"] = str(name.with_name(stem + name.suffix))
        elif worker and db.get("TEST", {}).get("NAME", "").endswith(f"_{worker}"):
            # pytest-django appended the worker after the extension
            # (test_<pid>_db.sqlite3_gw0): the file keeps its .sqlite3 (.gitignore).
            test = Path(db["TEST"]["NAME"].removesuffix(f"_{worker}"))
            db["TEST"]["NAME"] = str(
                test.with_name(f"{test.stem}_{worker}{test.suffix}")
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the rows the data migrations seed.

    A transactional test empties every table when it ends, the seeded rows (非公開の
    理由, search synonyms, readings) with them; pytest-django runs such tests last,
    so within a run nothing misses them, but ``--reuse-db`` keeps the emptied tables
    for the next run. Each seed adds only what is missing (nothing on a fresh
    database)."""
    import importlib

    from django.apps import apps

    from meetings.reading.seed import ensure_seeded

    with django_db_blocker.unblock():
        for module, seed in (
            ("meetings.migrations.0010_withholding", "seed_reasons"),
            ("meetings.migrations.0015_seed_search_synonyms", "seed"),
        ):
            getattr(importlib.import_module(module), seed)(apps, None)
        ensure_seeded()


@pytest.fixture(autouse=True)
def _media_in_tmp(request, settings, tmp_path):
    base = tmp_path
    if "shared_demo" in request.fixturenames:
        # A module on the shared demo: each test starts from a copy of the files its
        # publications wrote (what a test writes goes with it, like its rows).
        from django.core.cache import cache

        base = tmp_path / "demo"
        source = request.getfixturevalue("shared_demo")
        loaded = request.config.stash[_SHARED_DEMO]
        if (loaded.kind, loaded.base) != (_shared_demo_kind(request.node), source):
            pytest.fail(
                "the shared demo is not loaded for this test: its module's tests "
                "run apart (see pytest_collection_modifyitems in tests/conftest.py)"
            )
        shutil.copytree(source, base, symlinks=True)
        # The same rows (and ids) in every test: nothing cached by an earlier one.
        cache.clear()
    for name, value in _test_settings(base, settings.STORAGES).items():
        setattr(settings, name, value)


def verify_otp(client: Client, user) -> None:
    """Mark the client's session as having passed the 確認コード step, with a real
    (confirmed) TOTP device of the user, as django_otp.login does after a code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """Tests that are not about the second factor log in as a user who has passed it
    (where the role requires one). `client.force_login(user, otp=False)` gives the
    session of a user who has only typed the password."""
    from crisis_meetings.accounts.mfa import mfa_required

    original = Client.force_login

    def force_login(self, user, backend=None, *, otp=True):
        original(self, user, backend)
        if otp and mfa_required(user):
            verify_otp(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


def _user(django_user_model, username: str, role: str | None):
    user = django_user_model.objects.create_user(
        username=username, password="pw-" + username
    )
    if role:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    return user


@pytest.fixture
def editor(db, django_user_model):
    return _user(django_user_model, "alice_editor", permissions.EDITOR)


@pytest.fixture
def other_editor(db, django_user_model):
    return _user(django_user_model, "carol_editor", permissions.EDITOR)


@pytest.fixture
def approver(db, django_user_model):
    return _user(django_user_model, "bob_approver", permissions.APPROVER)


@pytest.fixture
def admin_user(db, django_user_model):
    user = _user(django_user_model, "dave_admin", permissions.ADMIN)
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def outsider(db, django_user_model):
    """Logged in, but with no role."""
    return _user(django_user_model, "eve_norole", None)


@pytest.fixture(autouse=True)
def pdf_stub(request, monkeypatch) -> bytes | None:
    """The one stand-in for WeasyPrint, in every test not marked ``real_pdf``.

    The official PDF (``pdf.render_meeting_pdf``), the demo's 会議資料
    (``demo._material_pdf``) and the incident timeline PDF become one small real PDF
    (returned). Tests of a PDF's content are marked ``real_pdf`` and render for real.
    """
    if request.node.get_closest_marker("real_pdf"):
        return None
    from incidents import exports
    from meetings import demo, pdf
    from tests.factories import tiny_pdf

    stub = tiny_pdf()
    monkeypatch.setattr(pdf, "render_meeting_pdf", lambda data, **kwargs: stub)
    monkeypatch.setattr(demo, "_material_pdf", lambda title: stub)
    monkeypatch.setattr(exports, "timeline_pdf", lambda incident: stub)
    return stub


# Real PDFs of the seed meeting, rendered once per session (real_pdf tests): the
# official PDF by its print HTML (the same HTML always prints the same bytes), the
# 会議資料 by title.
_SEED_PDFS: dict[str, bytes] = {}
# When the demo publishes the seed in real_pdf tests, so that its PDF (dated with
# the publication time) is the same in every such test.
SEED_PUBLISHED_AT = datetime.fromisoformat("2022-06-20T18:00:00+09:00")


@pytest.fixture
def seed_meeting(request, db, monkeypatch):
    """The 2022-06-20 seed meeting, published, as load_demo creates it.

    In tests marked ``real_pdf`` the seed's own PDFs are real WeasyPrint output,
    rendered once per session (the demo is published at ``SEED_PUBLISHED_AT``); the
    other demo meetings get the stub. Elsewhere ``pdf_stub`` stands in for all.
    """
    from django.utils import timezone

    from meetings import demo, demo_data
    from meetings.models import Meeting

    if "shared_demo" in request.fixturenames:
        pass  # loaded once for the module
    elif request.node.get_closest_marker("real_pdf"):
        with monkeypatch.context() as patch:
            _real_seed_pdfs_once(patch)
            patch.setattr(timezone, "now", lambda: SEED_PUBLISHED_AT)
            demo.load_demo()
        # Later renders in the test (drafts, corrections) are the test's own.
    else:
        demo.load_demo()
    return Meeting.objects.get(public_id=demo_data.SEED_PUBLIC_ID)


@pytest.fixture(scope="module")
def shared_demo(_shared_demo_process, request, django_db_blocker, tmp_path_factory):
    """The demo for a module whose tests only read it:
    ``pytestmark = pytest.mark.usefixtures("shared_demo")`` (every test of the module
    then sees the demo, so it suits modules whose other tests do not mind it).

    Loaded once per process (per xdist worker) for every module on it: the
    collection puts their tests in one block (``pytest_collection_modifyitems``
    below), the demo is loaded in a transaction when the block starts and rolled
    back when it ends (``pytest_runtest_teardown``). Each test runs in a savepoint of
    it (as in Django's ``TestCase.setUpTestData``), so what a test writes to the
    database goes with it. Its files (media, publication tree) are the block's, and
    each test works on a copy of them (``_media_in_tmp``). Not for transactional or
    live-server tests. In a module marked ``real_pdf`` the seed's PDFs are real (as
    ``seed_meeting`` makes them, rendered once per session: such modules form a
    block of their own), the other demo meetings get the stub; elsewhere the stub
    stands in for all. Returns the files' base.
    """
    return _shared_demo_process.load(
        _shared_demo_kind(request.node), django_db_blocker, tmp_path_factory
    )


@pytest.fixture(scope="session")
def _shared_demo_process(request, django_db_setup):
    """This process's shared demo; rolled back at the latest when the session
    ends (before the test database goes), e.g. when ``-x`` stops a block."""
    demo = request.config.stash[_SHARED_DEMO] = _SharedDemo()
    yield demo
    demo.unload()
    del request.config.stash[_SHARED_DEMO]


# --- The shared demo's block: one load per process --------------------------------


class _SharedDemo:
    """The demo as loaded in this process: which kind (``stub`` or ``real_pdf``),
    the transaction that holds it and the base of its files."""

    def __init__(self) -> None:
        self.kind: str | None = None
        self.base: Path | None = None
        self._outer = None
        self._blocker = None

    def load(self, kind: str, django_db_blocker, tmp_path_factory) -> Path:
        """The demo of ``kind``, loaded unless it already is; the files' base."""
        if self.kind == kind and self.base is not None:
            return self.base
        self.unload()
        from django.conf import settings
        from django.db import transaction
        from django.test import override_settings
        from django.utils import timezone

        from incidents import exports
        from meetings import demo, pdf
        from tests.factories import tiny_pdf

        base = tmp_path_factory.mktemp(f"shared_demo_{kind}")
        stub = tiny_pdf()
        outer = transaction.atomic()
        with django_db_blocker.unblock():
            outer.__enter__()
            try:
                with (
                    override_settings(**_test_settings(base, settings.STORAGES)),
                    pytest.MonkeyPatch.context() as patch,
                ):
                    if kind == "real_pdf":
                        _real_seed_pdfs_once(patch)
                        patch.setattr(timezone, "now", lambda: SEED_PUBLISHED_AT)
                    else:
                        patch.setattr(
                            pdf, "render_meeting_pdf", lambda data, **kw: stub
                        )
                        patch.setattr(demo, "_material_pdf", lambda title: stub)
                        patch.setattr(exports, "timeline_pdf", lambda incident: stub)
                    demo.load_demo()
            except BaseException:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
                raise
        self.kind, self.base, self._outer, self._blocker = (
            kind,
            base,
            outer,
            django_db_blocker,
        )
        return base

    def unload(self) -> None:
        """Roll the demo back (the database is as before it was loaded)."""
        if self._outer is None:
            return
        from django.db import transaction

        outer, blocker = self._outer, self._blocker
        self.kind = self.base = self._outer = self._blocker = None
        with blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


_SHARED_DEMO = pytest.StashKey[_SharedDemo]()


def _shared_demo_kind(node: pytest.Item | pytest.Collector) -> str:
    """Which demo a test (or module) on the shared demo sees: its module's."""
    module = node.getparent(pytest.Module) or node
    return "real_pdf" if module.get_closest_marker("real_pdf") else "stub"


def _on_shared_demo(item: pytest.Item) -> str | None:
    """The kind of shared demo ``item`` runs on, or None."""
    if "shared_demo" not in getattr(item, "fixturenames", ()):
        return None
    return _shared_demo_kind(item)


def _transactional(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    return (
        "transactional_db" in names
        or "live_server" in names
        or bool(marker and marker.kwargs.get("transaction"))
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The tests on the shared demo first, in one block per kind of demo (their
    order otherwise kept), so that a process loads each kind once. Runs after
    pytest-django's reordering (transactional tests last): the block holds no
    transactional test. Under xdist a worker runs its part of the list in this
    order; where its tests on the shared demo are not contiguous (``--dist
    loadfile`` and a module with only some tests on it), the demo is loaded
    again (``_SharedDemo.load``)."""
    blocks: dict[str, list[pytest.Item]] = {"stub": [], "real_pdf": []}
    rest = []
    for item in items:
        kind = _on_shared_demo(item)
        if kind is None:
            rest.append(item)
            continue
        if _transactional(item):
            raise pytest.UsageError(
                f"{item.nodeid}: a transactional test cannot run on the shared demo"
            )
        blocks[kind].append(item)
    items[:] = blocks["stub"] + blocks["real_pdf"] + rest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After the last test of a block (its savepoint and module fixtures gone),
    roll the shared demo back, before a test that expects no demo (or the other
    kind) starts."""
    try:
        return (yield)
    finally:
        demo = item.config.stash.get(_SHARED_DEMO, None)
        if demo is not None and demo.kind is not None:
            if nextitem is None or _on_shared_demo(nextitem) != demo.kind:
                demo.unload()


def _real_seed_pdfs_once(monkeypatch) -> None:
    from meetings import demo, demo_data, pdf
    from tests.factories import tiny_pdf

    real_render, real_material = pdf.render_meeting_pdf, demo._material_pdf
    stub = tiny_pdf()

    def render(data, *, draft=False, created=None):
        if data.get("public_id") != str(demo_data.SEED_PUBLIC_ID):
            return stub
        key = "official:" + pdf.render_html(data, draft=draft, created=created)
        if key not in _SEED_PDFS:
            _SEED_PDFS[key] = real_render(data, draft=draft, created=created)
        return _SEED_PDFS[key]

    def material(title: str) -> bytes:
        key = "material:" + title
        if key not in _SEED_PDFS:
            _SEED_PDFS[key] = real_material(title)
        return _SEED_PDFS[key]

    monkeypatch.setattr(pdf, "render_meeting_pdf", render)
    monkeypatch.setattr(demo, "_material_pdf", material)
