from django.apps import AppConfig


class InvestmentConfig(AppConfig):
    name = "tiaodu.investment"
    label = "investment"
    verbose_name = "招商引资"

    def ready(self) -> None:
        from tiaodu.cases.sweep import register_hook
        from tiaodu.investment.cards import sweep_investment

        register_hook(sweep_investment)
