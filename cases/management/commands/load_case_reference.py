"""Load the case reference data: categories, time limits and the national working calendar.

Running it again creates only what is missing; rows that already exist (and any edits made to them
in the admin) are left as they are.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cases.reference_data import load_case_reference

_LABELS = {
    "categories": "case categories",
    "time_limits": "time limits",
    "calendars": "working calendars",
    "calendar_days": "calendar days (holidays and make-up working days)",
}


class Command(BaseCommand):
    help = "Create the missing case categories, time limits and holiday calendar (idempotent)."

    def handle(self, *args, **options) -> None:
        created = load_case_reference()
        if not any(created.values()):
            self.stdout.write("Case reference data is complete: nothing to create.")
            return
        for key, count in created.items():
            self.stdout.write(f"Created {count} {_LABELS.get(key, key)}.")
        self.stdout.write(self.style.SUCCESS("Case reference data loaded."))
