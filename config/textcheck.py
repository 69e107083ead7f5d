"""Text that people type or import holds no invisible control characters.

Names and other single-line text refuse every control character (C0 and C1, DEL) and the bidi
overrides and isolates (U+202A–U+202E, U+2066–U+2069) that can make a name read backwards; free
text (notes, descriptions) may also hold tabs and line breaks. One mechanism applies it
everywhere, installed by ``install()`` from ``config.apps``:

- every ``CharField`` of the project's models gets the single-line validator and every
  ``TextField`` the multi-line one, so model forms, ``full_clean()`` in the services (and so the
  imports) and DRF model serializers all check them;
- every form ``CharField`` checks its value when it is cleaned: single-line for one-line inputs,
  multi-line for text areas and hidden inputs;
- every DRF ``CharField`` not built from a model field gets the multi-line check.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# Every C0 and C1 control and DEL, and the bidi overrides and isolates.
SINGLE_LINE_FORBIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
# The same, but tab, line feed and carriage return are part of free text.
MULTI_LINE_FORBIDDEN = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]")

MESSAGE = _("This text contains an invisible control character (%(char)s); delete it and type the text again.")


def char_label(char: str) -> str:
    """U+001B ESCAPE: how a character the user cannot see is named in a message."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}".strip()


def forbidden_char(value: str, *, multiline: bool = False) -> str | None:
    """The first character the text may not hold, or None."""
    if value.isprintable():
        return None  # the fast path: no control or format character at all
    match = (MULTI_LINE_FORBIDDEN if multiline else SINGLE_LINE_FORBIDDEN).search(value)
    return match.group() if match else None


def text_error(value, *, multiline: bool = False) -> ValidationError | None:
    if not isinstance(value, str):
        return None
    char = forbidden_char(value, multiline=multiline)
    if char is None:
        return None
    return ValidationError(MESSAGE, code="control_character", params={"char": char_label(char)})


@deconstructible
class TextValidator:
    """Refuses control characters; ``multiline`` keeps tabs and line breaks."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        error = text_error(value, multiline=self.multiline)
        if error is not None:
            raise error

    def __eq__(self, other) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash((TextValidator, self.multiline))


validate_single_line = TextValidator(multiline=False)
validate_multi_line = TextValidator(multiline=True)


# ---------------------------------------------------------------- installation


def _install_model_validators(app_names: set[str]) -> None:
    from django.apps import apps
    from django.db import models

    for model in apps.get_models():
        if model._meta.app_label not in app_names:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.TextField):
                validator = validate_multi_line
            elif isinstance(field, models.CharField) and field.name != "password":
                validator = validate_single_line
            else:
                continue
            # Into the field's cached list of validators, not its declared ones (``_validators``): those
            # are part of the migrations, and this check is not a schema change.
            checks = field.validators
            if validator not in checks:
                field.__dict__["validators"] = [*checks, validator]


def _single_line_widget(widget) -> bool:
    input_type = getattr(widget, "input_type", None)
    return input_type in {"text", "search", "email", "url", "tel"}


def _install_form_check() -> None:
    from django import forms

    if getattr(forms.CharField.to_python, "checks_text", False):
        return
    original = forms.CharField.to_python

    def to_python(self, value):
        value = original(self, value)
        if isinstance(value, str) and value and not isinstance(self.widget, forms.PasswordInput):
            error = text_error(value, multiline=not _single_line_widget(self.widget))
            if error is not None:
                raise error
        return value

    to_python.checks_text = True
    forms.CharField.to_python = to_python


def _install_api_check() -> None:
    from rest_framework import fields

    if getattr(fields.CharField.__init__, "checks_text", False):
        return
    original = fields.CharField.__init__

    def __init__(self, **kwargs):
        original(self, **kwargs)
        # Our message covers NUL too, so a field answers with one message.
        checks = [v for v in self.validators if type(v).__name__ != "ProhibitNullCharactersValidator"]
        if not any(isinstance(v, TextValidator) for v in checks):
            checks.append(validate_multi_line)
        self.validators = checks

    __init__.checks_text = True
    fields.CharField.__init__ = __init__


def install(app_names: set[str]) -> None:
    """Apply the checks to the models of ``app_names``, to every form CharField and to DRF CharFields."""
    _install_model_validators(app_names)
    _install_form_check()
    _install_api_check()
