from typing import Any

from django.conf import settings
from django.http import HttpRequest

from tiaodu.core.navigation import menu_for


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "platform_name": "区县经济运行调度平台",
        "menu": menu_for(request.user) if request.user.is_authenticated else [],
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
    }
