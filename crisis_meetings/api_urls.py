"""The open-data API, version 1: the meetings part and the incidents part."""

from incidents import api as incidents_api
from meetings.api import urls as meetings_api

app_name = "api"

urlpatterns = meetings_api.urlpatterns + incidents_api.urlpatterns
