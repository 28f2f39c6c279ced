"""Schemathesis names the items of ``@schema.parametrize()`` one per API operation
(``test_api_conforms_to_its_openapi_schema[GET /api/v1/search/]``) but, on pytest 9,
leaves them one node id between them (it sets ``_nodeid``; pytest 9 reads ``_id``).
pytest-xdist schedules by node id: with the ids alike a parallel run tested one
operation of the six (389 tests of 394 in tests/incidents, api, contributions,
notifications and reading). Each item gets the id its name gives it."""

from __future__ import annotations

from collections import Counter


def pytest_collection_modifyitems(items):
    ids = Counter(item.nodeid for item in items)
    for item in items:
        if ids[item.nodeid] > 1 and item.parent is not None:
            item._id = item.parent.id.child(item.name)
