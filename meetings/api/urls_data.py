"""``/data/``: the data dictionary page and the bulk files (``meetings.api.bulk``)."""

from django.urls import path

from meetings.api import bulk, data_views

app_name = "data"

urlpatterns = [path("", data_views.index, name="index")]
for _name in bulk.FILE_NAMES:
    urlpatterns += [
        path(f"all/{_name}", data_views.bulk_file, {"name": _name, "scope": bulk.ALL}),
        path(f"<int:year>/{_name}", data_views.bulk_file, {"name": _name}),
    ]
