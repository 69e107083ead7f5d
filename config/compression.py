"""Response compression for what compresses: pages, JSON, CSV, scripts; not photos or XLSX."""

from __future__ import annotations

from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/xml", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, skipping answers that are compressed already.

    Photos, uploaded attachments and XLSX exports (a zip inside) only lose their Content-Length and
    cost the server time when compressed again.
    """

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").lower()
        if not content_type.startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
