from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tiaodu.cases"
    label = "cases"
    verbose_name = "闭环办理"
