"""The results page's links (sort, facets, expansions, clearing the filters) are
built from the request's parameters encoded once (``page._Links``); they must be
what the QueryDict copy/pop/set/urlencode of before wrote."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from meetings.search import page


def _as_before(params: QueryDict, **changes: str | None) -> str:
    query = params.copy()
    query.pop("page", None)
    for name, value in changes.items():
        query.pop(name, None)
        if value:
            query[name] = value
    encoded = query.urlencode()
    return f"/search/?{encoded}" if encoded else "?"


QUERIES = [
    "",
    "page=2",
    "q=%E5%81%9C%E9%9B%BB",
    "q=a+b&page=3&exp=0",
    "q=x&year=2024&year=2023&type=a%26b&rel=1&page=2&sort=rel",
    "q=%22%E9%9B%BB%22&from=R4.4.1&to=&dept=%E8%AD%A6%E5%AF%9F+%E6%9C%AC%E9%83%A8",
    "q=<script>&incident=%3C%3E%22%27&src=attachment",
]
CHANGES = [
    {},
    {"exp": "0", "rel": None},
    {"exp": None},
    {"rel": "1", "exp": None},
    {"year": None},
    {"sort": "rel"},
    {"sort": None},
    {
        "year": None,
        "type": None,
        "incident": None,
        "dept": None,
        "src": None,
        "from": None,
        "to": None,
    },
    {"q": "新 しい&語=句"},
    {"page": None},
]


@pytest.mark.parametrize("query", QUERIES)
def test_links_equal_what_the_query_dict_wrote(query):
    params = QueryDict(query)
    links = page._Links(params)
    for changes in CHANGES:
        assert links.url(**changes) == _as_before(params, **changes), changes
    # The links do not change the request's parameters.
    assert params.urlencode() == QueryDict(query).urlencode()
