from django.urls import path

from meetings.views import staff

app_name = "staff"

urlpatterns = [
    path("", staff.dashboard, name="dashboard"),
    path("date-hint/", staff.date_hint, name="date_hint"),
    path("meetings/new/<slug:type_slug>/", staff.meeting_new, name="new"),
    path("meetings/<int:pk>/edit/", staff.meeting_edit, name="edit"),
    path("meetings/<int:pk>/preview/", staff.meeting_preview, name="preview"),
    path("meetings/<int:pk>/history/", staff.meeting_history, name="history"),
    path(
        "meetings/<int:pk>/publications/<int:number>/",
        staff.publication_detail,
        name="publication",
    ),
    path(
        "meetings/<int:pk>/files/<int:attachment_id>/",
        staff.attachment_download,
        name="attachment",
    ),
    path("meetings/<int:pk>/submit/", staff.meeting_submit, name="submit"),
    path("meetings/<int:pk>/return/", staff.meeting_return, name="return"),
    path("meetings/<int:pk>/publish/", staff.meeting_publish, name="publish"),
    path("meetings/<int:pk>/withdraw/", staff.meeting_withdraw, name="withdraw"),
    path("meetings/<int:pk>/delete/", staff.meeting_delete, name="delete"),
    path("trash/", staff.trash_list, name="trash"),
    path("trash/<int:pk>/restore/", staff.trash_restore, name="restore"),
]
