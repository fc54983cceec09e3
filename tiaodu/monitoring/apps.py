from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "tiaodu.monitoring"
    label = "monitoring"
    verbose_name = "经济运行监测"
