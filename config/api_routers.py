"""The router every app's API uses: no `.json`-style format suffixes anywhere.

DRF's DefaultRouter adds a `<path>.<format>` twin of every route, and passes `format=` to views
that do not take it (custom actions with a fixed signature), which answered 500. The API speaks
JSON only, chosen by the Accept header, so the twins are left out and such paths answer 404.
"""

from rest_framework.routers import DefaultRouter


class ApiRouter(DefaultRouter):
    include_format_suffixes = False
