"""Tags of the public pages: ``{% chrome %}`` (the invariant parts of base.html,
rendered once per process) and ``{% pagination page_obj %}`` (a list's page links), ``{% meeting_rows page_obj %}``
(a page of meetings: summaries, snippets)."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Page
from django.utils.safestring import SafeString

from meetings.context_processors import chrome as current_chrome

register = template.Library()


class ChromeNode(template.Node):
    def render(self, context: Any) -> str:
        # As ``{% url … as archive_url %}`` did: pages extending base.html use them.
        found = current_chrome()
        context["chrome"] = found
        context["archive_url"] = found.archive_url
        context["search_url"] = found.search_url
        context["feed_url"] = found.feed_url
        return ""


@register.tag
def chrome(parser: Any, token: Any) -> ChromeNode:
    """Sets ``chrome`` (head links, menu, footer) and the three URLs of the chrome."""
    return ChromeNode()


@register.simple_tag
def pagination(page: Page) -> SafeString:
    """A list's page links (``views.public.pagination_html``)."""
    from meetings.views.public import pagination_html

    return pagination_html(page)


@register.simple_tag
def meeting_rows(page: Page) -> SafeString:
    """The ``<li>`` of a page of meetings (``views.public.rows_html``)."""
    from meetings.views.public import rows_html

    return rows_html(list(page.object_list))
