"""``{% chrome %}``: the invariant parts of base.html, rendered once per process."""

from __future__ import annotations

from typing import Any

from django import template

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
        context["incidents_url"] = found.incidents_url
        return ""


@register.tag
def chrome(parser: Any, token: Any) -> ChromeNode:
    """Sets ``chrome`` (head links, menu, footer) and the four URLs of the chrome."""
    return ChromeNode()
