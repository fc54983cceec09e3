"""The project's URLs plus ``jobs/`` (tiaodu.core.urls_jobs) when the project does not include them
yet: the job tests run with either."""

from django.urls import include, path

from tiaodu import urls as project

handler403 = project.handler403
handler404 = project.handler404

urlpatterns = list(project.urlpatterns)
if not any(getattr(p, "namespace", None) == "jobs" for p in urlpatterns):
    urlpatterns.append(path("jobs/", include("tiaodu.core.urls_jobs")))
