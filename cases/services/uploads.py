"""Uploaded photos and files: the type is sniffed from the first bytes and the size is limited."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ..models import AttachmentKind

# (signature test, content type, extension, kind)
_SIGNATURES = [
    (lambda h: h.startswith(b"\xff\xd8\xff"), "image/jpeg", "jpg", AttachmentKind.PHOTO),
    (lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"), "image/png", "png", AttachmentKind.PHOTO),
    (lambda h: h[:6] in (b"GIF87a", b"GIF89a"), "image/gif", "gif", AttachmentKind.PHOTO),
    (lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP", "image/webp", "webp", AttachmentKind.PHOTO),
    (lambda h: h[4:8] == b"ftyp" and h[8:12] in (b"heic", b"heix", b"mif1", b"msf1"), "image/heic", "heic",
     AttachmentKind.PHOTO),
    (lambda h: h.startswith(b"%PDF-"), "application/pdf", "pdf", AttachmentKind.FILE),
]  # fmt: skip


def max_upload_bytes() -> int:
    return getattr(settings, "CASE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)


MAX_FILES_PER_CASE = 12


@dataclass(frozen=True)
class CheckedUpload:
    upload: UploadedFile
    content_type: str
    kind: str
    size: int
    storage_name: str


def check_upload(upload: UploadedFile, *, photos_only: bool = False) -> CheckedUpload:
    """The upload's real type and size, or a ValidationError naming the file."""
    name = upload.name or _("unnamed file")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty_file")
    if size > max_upload_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s; files may be at most %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(max_upload_bytes())},
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for test, content_type, extension, kind in _SIGNATURES:
        if test(head):
            if photos_only and kind != AttachmentKind.PHOTO:
                break
            return CheckedUpload(
                upload=upload,
                content_type=content_type,
                kind=kind,
                size=size,
                storage_name=f"{uuid.uuid4().hex}.{extension}",
            )
    allowed = (
        _("JPEG, PNG, GIF, WebP or HEIC photos") if photos_only else _("photos (JPEG, PNG, GIF, WebP, HEIC) or PDF")
    )
    raise ValidationError(
        _("“%(name)s” is not one of the accepted types: %(allowed)s.") % {"name": name, "allowed": allowed},
        code="file_type",
    )


def check_uploads(uploads, *, photos_only: bool = False, already: int = 0) -> list[CheckedUpload]:
    uploads = list(uploads or [])
    if already + len(uploads) > MAX_FILES_PER_CASE:
        raise ValidationError(
            _("A case may have at most %(limit)d files.") % {"limit": MAX_FILES_PER_CASE}, code="too_many_files"
        )
    errors: list[ValidationError] = []
    checked: list[CheckedUpload] = []
    for upload in uploads:
        try:
            checked.append(check_upload(upload, photos_only=photos_only))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)
    return checked
