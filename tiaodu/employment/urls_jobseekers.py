"""URLs of the jobseekers part (lane B), included under the "employment" namespace:
employment:jobseeker-list, jobseeker-register, jobseeker-detail, jobseeker-edit, jobseeker-withdraw,
jobseeker-reveal, jobseeker-export."""

from django.urls import URLPattern, path

from tiaodu.employment import views_jobseekers as v

urlpatterns: list[URLPattern] = [
    path("", v.JobseekerListView.as_view(), name="jobseeker-list"),
    path("new/", v.JobseekerRegisterView.as_view(), name="jobseeker-register"),
    path("export.xlsx", v.JobseekerExportView.as_view(), name="jobseeker-export"),
    path("<int:pk>/", v.JobseekerDetailView.as_view(), name="jobseeker-detail"),
    path("<int:pk>/edit/", v.JobseekerEditView.as_view(), name="jobseeker-edit"),
    path("<int:pk>/withdraw/", v.JobseekerWithdrawView.as_view(), name="jobseeker-withdraw"),
    path("<int:pk>/reveal/", v.JobseekerRevealView.as_view(), name="jobseeker-reveal"),
]
