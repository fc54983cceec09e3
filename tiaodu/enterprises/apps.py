from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "tiaodu.enterprises"
    label = "enterprises"
    verbose_name = "企业服务"

    def ready(self) -> None:
        from tiaodu.enterprises import appeals  # noqa: F401  (registers the appeal workflow)
