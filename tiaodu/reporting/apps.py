from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "tiaodu.reporting"
    label = "reporting"
    verbose_name = "监测报送"
