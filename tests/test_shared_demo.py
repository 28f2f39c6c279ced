"""The shared demo (tests/conftest.py): loaded once for every test on it, undone for
the others.

The collection puts the tests on the shared demo first, one block per kind of demo;
the demo is rolled back after the last test of a block. The tests below run in any
order and in any selection: the first two are on the shared demo (a block of their
own when this module runs alone), the last runs after every block."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from meetings import demo_data
from meetings.models import Attachment, Meeting
from tests import conftest


@pytest.mark.django_db
@pytest.mark.usefixtures("shared_demo")
def test_a_test_on_the_shared_demo_sees_it_and_writes_only_for_itself():
    seed = Meeting.objects.get(public_id=demo_data.SEED_PUBLIC_ID)
    stored = Attachment.objects.filter(meeting=seed).exclude(file="").first()
    assert stored is not None and default_storage.exists(stored.file.name)
    default_storage.delete(stored.file.name)
    stored.delete()
    Meeting.objects.filter(pk=seed.pk).update(location="書き換えた場所")
    assert not default_storage.exists(stored.file.name)


@pytest.mark.django_db
@pytest.mark.usefixtures("shared_demo")
def test_the_next_test_on_it_sees_the_demo_whole():
    # The previous test moved the seed meeting and deleted one of its files.
    seed = Meeting.objects.get(public_id=demo_data.SEED_PUBLIC_ID)
    assert seed.location != "書き換えた場所"
    attachments = Attachment.objects.filter(meeting=seed).exclude(file="")
    assert attachments.count() >= 2
    for attachment in attachments:
        assert default_storage.exists(attachment.file.name), attachment.file.name


@pytest.mark.django_db
def test_a_test_off_the_shared_demo_sees_an_empty_archive():
    assert not Meeting.objects.exists()


class _Node:
    def __init__(self, marks: tuple[str, ...] = ()):
        self.marks = marks

    def get_closest_marker(self, name: str):
        return pytest.mark.django_db if name in self.marks else None


class _Item(_Node):
    def __init__(self, nodeid: str, module: _Node, fixtures=(), marks=()):
        super().__init__(marks + module.marks)
        self.nodeid, self.module, self.fixturenames = nodeid, module, list(fixtures)

    def getparent(self, cls):
        return self.module


def test_collection_puts_shared_demo_tests_first_one_block_per_kind():
    plain, real = _Node(), _Node(("real_pdf",))
    items = [
        _Item("a", plain, ["db"]),
        _Item("b", plain, ["db", "shared_demo"]),
        _Item("c", real, ["db", "shared_demo"]),
        _Item("d", plain, ["db", "seed_meeting"]),
        _Item("e", plain, ["shared_demo"]),  # no database access of its own
        _Item("f", real, ["db", "shared_demo"]),
        _Item("g", plain, ["transactional_db"]),
        # real_pdf on the test itself: its module's demo (the stub).
        _Item("h", plain, ["db", "shared_demo"], marks=("real_pdf",)),
    ]
    conftest.pytest_collection_modifyitems(None, items)
    assert [item.nodeid for item in items] == ["b", "e", "h", "c", "f", "a", "d", "g"]


def test_a_transactional_test_cannot_be_on_the_shared_demo():
    items = [_Item("t", _Node(), ["transactional_db", "shared_demo"])]
    with pytest.raises(pytest.UsageError, match="transactional"):
        conftest.pytest_collection_modifyitems(None, items)
