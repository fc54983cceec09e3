"""Background tasks: the retention housekeeping that anonymises jobseekers. Lane B.

``anonymise_expired`` is meant for the daily schedule (``tiaodu.core.tasks.SCHEDULE``) beside
the housekeeping; ``tiaodu housekeeping`` style runs may also call
:func:`tiaodu.employment.jobseekers.anonymise_expired` directly.
"""

from __future__ import annotations

from django_tasks import task

from tiaodu.employment import jobseekers


def run_anonymise_expired() -> dict[str, int]:
    """Anonymise the jobseekers past their district's retention period (as of today)."""
    return jobseekers.anonymise_expired()


@task()
def anonymise_expired() -> dict[str, int]:
    """The daily retention run as a background task: ``{"anonymised": n}``."""
    return run_anonymise_expired()
