"""Texts stored as a message id with parameters, rendered in the reader's language when shown.

A notification or a system note on a case timeline is read by people who may have chosen
different languages, and read long after it was written. So what it says is stored as an id of a
template (a lazy gettext string) and the values to put into it; the text is made at display time
in the active language. The text rendered in the site's default language is stored beside them,
for search and as a fallback when an id is unknown or its parameters no longer fit.

Each app declares its catalogue (see cases/messages.py); ids are namespaced ("case.accepted").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

# A template is a lazy gettext string with %(name)s placeholders, or a function of the parameters
# for texts whose parameters themselves need translating (a choice label stored as its value).
Template = Promise | Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True)
class Message:
    """A message id with its parameters (JSON values), ready to be stored or rendered."""

    id: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        """The text in the active language."""
        return render(self.id, self.params)

    def render_default(self) -> str:
        """The text in the site's default language (what is stored as the fallback)."""
        with translation.override(settings.LANGUAGE_CODE):
            return self.render()

    def __str__(self) -> str:
        return self.render()


class Catalog:
    """A registry of message ids and their templates, shared by every app that stores messages."""

    def __init__(self) -> None:
        self._templates: dict[str, Template] = {}
        self._legacy: dict[str, dict[str, Promise]] = {}
        self._patterns: dict[str, list[tuple[str, re.Pattern]]] = {}

    def register(self, templates: Mapping[str, Template]) -> None:
        for message_id, template in templates.items():
            known = self._templates.get(message_id)
            if known is not None and known is not template:
                raise ValueError(f"message id {message_id!r} is registered twice")
            self._templates[message_id] = template

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._templates

    def template(self, message_id: str) -> Template:
        return self._templates[message_id]

    def ids(self) -> list[str]:
        return sorted(self._templates)

    def register_legacy(self, scope: str, templates: Mapping[str, Promise]) -> None:
        """Templates texts were made from before they were stored as ids, to recognise such texts when shown."""
        self._legacy.setdefault(scope, {}).update(templates)
        self._patterns.pop(scope, None)

    def recognise(self, scope: str, text: str) -> tuple[str, dict[str, str]] | None:
        """(message id, parameters) of a text made from one of the scope's templates, in any site language."""
        if scope not in self._legacy or not text:
            return None
        if scope not in self._patterns:
            patterns = []
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    patterns += [(mid, _pattern(str(t))) for mid, t in self._legacy[scope].items()]
            self._patterns[scope] = patterns
        for message_id, pattern in self._patterns[scope]:
            match = pattern.fullmatch(text)
            if match:
                return message_id, match.groupdict()
        return None


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(template: str) -> re.Pattern:
    """A regular expression matching the texts made from a %(name)s template (the last value may hold anything)."""
    parts, last = [], 0
    matches = list(_PLACEHOLDER.finditer(template))
    for index, match in enumerate(matches):
        parts.append(re.escape(template[last : match.start()]))
        parts.append(f"(?P<{match.group(1)}>{'.+' if index == len(matches) - 1 else '.+?'})")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


CATALOG = Catalog()


def register(templates: Mapping[str, Template]) -> None:
    CATALOG.register(templates)


def register_legacy(scope: str, templates: Mapping[str, Promise]) -> None:
    CATALOG.register_legacy(scope, templates)


def recognise(scope: str, text: str) -> tuple[str, dict[str, str]] | None:
    return CATALOG.recognise(scope, text)


def message(message_id: str, **params: Any) -> Message:
    """A message of a registered id; raises KeyError for an unknown id or a missing parameter."""
    if message_id not in CATALOG:
        raise KeyError(f"unknown message id {message_id!r}")
    _format(CATALOG.template(message_id), params)  # a missing parameter fails at the writer, not at every reader
    return Message(message_id, params)


# Template texts per (template, language): the sweep formats thousands of messages of one id at once.
_TEXTS: dict[tuple[int, str | None], str] = {}


def _format(template: Template, params: Mapping[str, Any]) -> str:
    if isinstance(template, Promise):
        key = (id(template), translation.get_language())
        text = _TEXTS.get(key)
        if text is None:
            text = _TEXTS[key] = str(template)
        return text % params
    return template(params)


def render(message_id: str, params: Mapping[str, Any] | None, fallback: str = "") -> str:
    """The text of a stored message in the active language; the stored fallback if it cannot be made."""
    if not message_id or message_id not in CATALOG:
        return fallback
    try:
        return _format(CATALOG.template(message_id), {} if params is None else params)
    except (KeyError, TypeError, ValueError):
        return fallback
