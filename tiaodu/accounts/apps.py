from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tiaodu.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from tiaodu.accounts import receivers  # noqa: F401  (login/logout → security log)
