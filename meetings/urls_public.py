from django.urls import path

from meetings import static_search
from meetings.extensions import related
from meetings.feeds import PublishedMeetingsFeed
from meetings.views import public

app_name = "public"

# Every public page has a path URL ending in "/" (a file in the publication tree,
# meetings.site); "/" with a query string (the filter form) is a dynamic page.
urlpatterns = [
    path("", public.archive, name="archive"),
    path("archive/page/<int:page>/", public.archive_page, name="archive_page"),
    path("archive/<int:year>/", public.archive_year, name="archive_year"),
    path(
        "archive/<int:year>/page/<int:page>/",
        public.archive_year,
        name="archive_year_page",
    ),
    path("archive/type/<slug:slug>/", public.archive_type, name="archive_type"),
    path(
        "archive/type/<slug:slug>/page/<int:page>/",
        public.archive_type,
        name="archive_type_page",
    ),
    path("search/", public.search, name="search"),
    # The static (Pagefind) search page; its tree copy is written by static_search.
    path("search-static/", static_search.search_page, name="search_static"),
    path("meetings/<uuid:public_id>/", public.meeting_detail, name="meeting"),
    # The page's plain text (the official layout); a file of the tree too.
    path(
        "meetings/<uuid:public_id>/text.txt",
        public.meeting_text,
        name="meeting_text",
    ),
    path(
        "meetings/<uuid:public_id>/files/<int:attachment_id>/",
        public.attachment_download,
        name="attachment",
    ),
    path("feed/", PublishedMeetingsFeed(), name="feed"),
    path("sitemap.xml", public.sitemap, name="sitemap"),
    path("robots.txt", public.robots_txt, name="robots"),
    path("favicon.ico", public.favicon, name="favicon"),
]

# The lists of one related record (the registered app's, extensions.related()).
if related().param:
    urlpatterns += [
        path(
            f"archive/{related().param}/<uuid:public_id>/",
            public.archive_related,
            name="archive_related",
        ),
        path(
            f"archive/{related().param}/<uuid:public_id>/page/<int:page>/",
            public.archive_related,
            name="archive_related_page",
        ),
    ]
