from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import Promise


class StyledForm(forms.Form):
    """A form whose widgets carry Bootstrap classes (templates stay free of per-field markup)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class VersionedEditForm(StyledForm):
    """The edit form of a versioned record (``tiaodu.core.concurrency``): ``expected_version`` is
    the version the page was rendered with — a hidden input of the form template, not a form
    field, so the generic field list stays as it is — and the service refuses the write with
    ``stale_write`` if someone saved the record in between. ``instance`` is None when adding."""

    instance: Any = None

    def clean(self) -> dict[str, Any] | None:
        from tiaodu.core.concurrency import parse_version
        from tiaodu.core.errors import ServiceError

        cleaned = super().clean()
        self.expected_version: int | None = None
        if self.instance is not None:
            try:
                self.expected_version = parse_version(self.data.get("version"))
            except ServiceError as exc:
                self.add_error(None, exc.errors[0].message if exc.errors else exc.message)
        return cleaned


class _SearchSelectMixin:
    """Marks a select for ``tiaodu/select.js``, which turns it into a searchable Tom Select
    (type to filter, remove buttons, no Ctrl-click). Without JavaScript it stays a plain select."""

    attrs: dict[str, Any]

    def _mark(self, placeholder: str | Promise | None) -> None:
        from django.utils.translation import gettext_lazy

        self.attrs.setdefault("data-search-select", "")
        self.attrs.setdefault("data-no-results", gettext_lazy("没有匹配的选项"))
        if placeholder is not None:
            self.attrs.setdefault("data-placeholder", placeholder)


class SearchSelect(_SearchSelectMixin, forms.Select):
    """A single choice with type-to-search."""

    def __init__(
        self, attrs: dict[str, Any] | None = None, choices: Any = (), placeholder: str | Promise | None = None
    ):
        super().__init__(attrs, choices)
        self._mark(placeholder)


class SearchSelectMultiple(_SearchSelectMixin, forms.SelectMultiple):
    """Several choices: typing filters the options, each pick shows as a tag with a remove button."""

    def __init__(
        self, attrs: dict[str, Any] | None = None, choices: Any = (), placeholder: str | Promise | None = None
    ):
        super().__init__(attrs, choices)
        self._mark(placeholder)


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that accepts several files at once (``<input type=file multiple>``)."""

    allow_multiple_selected = True
