from django.urls import path

from tiaodu.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("board/", views.BoardView.as_view(), name="board"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="detail"),
    path("<int:pk>/act/", views.CaseActionView.as_view(), name="act"),
    path("<int:pk>/comment/", views.CaseCommentView.as_view(), name="comment"),
    path("<int:pk>/attachments/", views.CaseAttachView.as_view(), name="attach"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
    path("<int:pk>/changes/", views.CaseHistoryView.as_view(), name="changes"),
]
