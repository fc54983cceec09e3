from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "tiaodu.events"
    label = "events"
    verbose_name = "集中活动"
