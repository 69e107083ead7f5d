"""Static files finder for the front-end libraries: only the files listed in VENDOR_FILES.

node_modules holds thousands of files (sources, tests, other builds); the pages use about twenty.
This finder serves and collects just those under /static/vendor/, so `collectstatic` copies a
few megabytes instead of the whole folder, and a page naming an unlisted file gets a 404 in the
browser tests rather than working by accident.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

PREFIX = "vendor"


class VendorFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.root = Path(settings.VENDOR_DIR)
        self.files = list(dict.fromkeys(settings.VENDOR_FILES))
        self.storage = FileSystemStorage(location=str(self.root))
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        if not self.root.is_dir():
            return []  # before `npm ci`; the pages report the missing files themselves
        return [
            Error(f"VENDOR_FILES names {name}, which is not in {self.root}.", id="gridgov.E001")
            for name in self.files
            if not (self.root / name).is_file()
        ]

    def find(self, path, find_all=False, **kwargs):
        if kwargs:  # the `all` spelling of older Django versions
            find_all = self._check_deprecated_find_param(find_all=find_all, **kwargs)
        prefix = PREFIX + "/"
        name = path[len(prefix) :] if path.startswith(prefix) else None
        if name is None or name not in self.files or not (self.root / name).is_file():
            return []  # as Django's own finders do: no match is an empty list either way
        found = str(self.root / name)
        return [found] if find_all else found

    def list(self, ignore_patterns):
        for name in self.files:
            if (self.root / name).is_file():
                yield name, self.storage
