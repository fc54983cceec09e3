"""/investment/: the pipeline (this file), leads, analysis and report, the libraries, imports."""

from django.urls import include, path

from tiaodu.investment import views

app_name = "investment"

urlpatterns = [
    path("", views.ProjectListView.as_view(), name="list"),
    path("new/", views.ProjectEditView.as_view(), name="create"),
    path("board/", views.BoardView.as_view(), name="board"),
    path("<int:pk>/", views.ProjectDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ProjectEditView.as_view(), name="edit"),
    path("<int:pk>/stage/", views.StageChangeView.as_view(), name="stage"),
    path("<int:pk>/follow-up/", views.FollowUpView.as_view(), name="follow-up"),
    path("<int:pk>/funds/", views.FundsView.as_view(), name="funds"),
    path("<int:pk>/take-over/", views.TakeOverView.as_view(), name="take-over"),
    path("leads/", include("tiaodu.investment.urls_leads")),
    path("analysis/", include("tiaodu.investment.urls_analysis")),
    path("libraries/", include("tiaodu.investment.urls_libraries")),
    path("import/", include("tiaodu.investment.urls_import")),
]
