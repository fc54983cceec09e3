from django.apps import AppConfig


class InvestmentConfig(AppConfig):
    name = "tiaodu.investment"
    label = "investment"
    verbose_name = "招商引资"
