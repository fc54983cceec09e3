from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tiaodu.dashboard.services import build


@login_required
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    board = build(request.user, today)  # type: ignore[arg-type]
    return render(request, "dashboard/home.html", {"board": board, "today": today})
