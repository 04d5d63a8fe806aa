"""Django's password validators, where one of them needs a word changed.

Django 5.2 words the minimum-length error with ``%d`` while its Vietnamese catalogue still translates the
older ``%(min_length)d`` message, so that error alone came out in English on a Vietnamese page (the
others, and the help texts, are translated). The subclass raises the older wording, which is translated.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
