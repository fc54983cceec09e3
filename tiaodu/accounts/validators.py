"""Password policy: besides length and common-password checks, mix character classes."""

from __future__ import annotations

import string
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length check with a Chinese message (Django 5.2's zh_Hans catalog lacks its msgid)."""

    def get_error_message(self) -> str:
        return _("密码长度不能少于%(n)d位。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码长度不能少于%(n)d位。") % {"n": self.min_length}


class CharacterClassValidator:
    """Require characters from at least ``min_classes`` of: upper case, lower case, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、特殊符号中的至少%(n)d类。") % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字、特殊符号中的至少%(n)d类。") % {"n": self.min_classes}
