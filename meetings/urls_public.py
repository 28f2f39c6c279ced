from django.urls import path

from meetings.feeds import PublishedMeetingsFeed
from meetings.views import public

app_name = "public"

urlpatterns = [
    path("", public.archive, name="archive"),
    path("search/", public.search, name="search"),
    path("meetings/<uuid:public_id>/", public.meeting_detail, name="meeting"),
    path(
        "meetings/<uuid:public_id>/files/<int:attachment_id>/",
        public.attachment_download,
        name="attachment",
    ),
    path("feed/", PublishedMeetingsFeed(), name="feed"),
    path("sitemap.xml", public.sitemap, name="sitemap"),
]
