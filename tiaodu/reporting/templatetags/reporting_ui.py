"""Template filters of the reporting pages."""

from django import template

from tiaodu.reporting.services import plain

register = template.Library()
register.filter("plain", plain)
