"""Where an uploaded file waits while its import is checked: a private folder, never served, emptied when done.

The file holds full ID numbers and phones, so it is removed as soon as the import is applied,
cancelled or undone; its name, size and SHA-256 stay on the job.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.conf import settings


def root() -> Path:
    path = Path(settings.IMPORT_ROOT)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def save_upload(upload) -> tuple[str, str, int]:
    """Store an uploaded file (streamed in chunks); return its stored name, SHA-256 and size."""
    name = f"{uuid.uuid4().hex}.bin"
    digest = hashlib.sha256()
    size = 0
    with open(root() / name, "wb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return name, digest.hexdigest(), size


def save_bytes(data: bytes) -> tuple[str, str, int]:
    name = f"{uuid.uuid4().hex}.bin"
    (root() / name).write_bytes(data)
    return name, hashlib.sha256(data).hexdigest(), len(data)


def path_of(name: str) -> Path:
    return root() / Path(name).name


def remove(name: str) -> None:
    if name:
        path_of(name).unlink(missing_ok=True)
