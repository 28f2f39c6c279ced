"""``/api/v1/`` (meetings, search, schema, docs) and ``/data/`` (bulk files).

The project URLconf joins these with the incidents app's API under one namespace
(``crisis_meetings.api_urls``), so that meetings never imports incidents.
"""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from meetings.api import docs, views

urlpatterns = [
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/<uuid:id>/", views.meeting_detail, name="meeting"),
    path("meetings/<uuid:id>/text/", views.meeting_text, name="meeting_text"),
    path("search/", views.search, name="search"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    path("", views.docs, name="docs"),
    path("docs/swagger-ui.css", docs.stylesheet, name="docs_css"),
    path("docs/images/<slug:name>", docs.image, name="docs_image"),
]
