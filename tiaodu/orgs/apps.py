from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "tiaodu.orgs"
    label = "orgs"
    verbose_name = "组织机构"
