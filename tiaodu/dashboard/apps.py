from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "tiaodu.dashboard"
    label = "dashboard"
    verbose_name = "工作台"
