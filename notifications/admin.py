"""Admin screen of notifications: a read-only list for answering "was I told?"."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["text", "recipient", "created_at", "read_at", "emailed_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["title", "recipient__username", "recipient__full_name"]
    list_select_related = ["recipient"]
    readonly_fields = [
        "recipient", "text", "message_id", "params", "title", "body", "url", "case", "created_at", "read_at", "emailed_at",
    ]  # fmt: skip
    fields = readonly_fields
    # The table grows with every sweep; counting it all on each page is not worth the time.
    show_full_result_count = False

    @admin.display(description=_("title"))
    def text(self, obj: Notification) -> str:
        return obj.text

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
