from django.apps import AppConfig


class EmploymentConfig(AppConfig):
    name = "tiaodu.employment"
    label = "employment"
    verbose_name = "稳就业"
