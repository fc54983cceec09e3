"""URLs of the matching part (lane F), included under the "employment" namespace at
/employment/matching/: employment:matching-jobseeker(pk), employment:matching-vacancy(pk)."""

from django.urls import URLPattern, path

from tiaodu.employment import views_matching as v

urlpatterns: list[URLPattern] = [
    path("jobseekers/<int:pk>/", v.JobseekerMatchView.as_view(), name="matching-jobseeker"),
    path("vacancies/<int:pk>/", v.VacancyMatchView.as_view(), name="matching-vacancy"),
]
