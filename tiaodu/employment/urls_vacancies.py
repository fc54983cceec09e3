"""URLs of the vacancies part (lane C), included under the "employment" namespace at vacancies/:
employment:vacancy-list (the board; ``?export=xlsx``), vacancy-create, vacancy-detail,
vacancy-edit, vacancy-close, vacancy-history, vacancy-needs (the labour needs to convert) and
need-convert (a labour need into vacancies)."""

from django.urls import URLPattern, path

from tiaodu.employment import views_vacancies as views

urlpatterns: list[URLPattern] = [
    path("", views.VacancyListView.as_view(), name="vacancy-list"),
    path("new/", views.VacancyEditView.as_view(), name="vacancy-create"),
    path("<int:pk>/", views.VacancyDetailView.as_view(), name="vacancy-detail"),
    path("<int:pk>/edit/", views.VacancyEditView.as_view(), name="vacancy-edit"),
    path("<int:pk>/status/", views.VacancyCloseView.as_view(), name="vacancy-close"),
    path("<int:pk>/history/", views.VacancyHistoryView.as_view(), name="vacancy-history"),
    path("needs/", views.NeedListView.as_view(), name="vacancy-needs"),
    path("needs/<int:pk>/", views.NeedConvertView.as_view(), name="need-convert"),
]
