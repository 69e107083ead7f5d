"""Load the demo district: seven Ningxia counties with invented streets, grids and residents.

Street, community, grid and micro-grid codes below the official county codes are invented
(``Region.code_is_invented``); residents' ID numbers and all phone numbers are invented and
fake. See fixtures/demo/ for the data and the rules it follows.

Running the command again does nothing once the demo is loaded; ``--reset`` removes the demo
first and builds it anew. Every demo user logs in with fixtures.demo.DEMO_PASSWORD.
"""

from __future__ import annotations

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fixtures.demo.build import MAX_SCALE, DemoBuilder
from fixtures.demo.reset import reset_demo
from fixtures.demo.selectors import DemoError, demo_counts, demo_logins, is_loaded, target_report


class Command(BaseCommand):
    help = "Load the demo district (idempotent; --reset rebuilds it, --scale sizes the population)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiply the number of households (and so of buildings and residents); default 1.0. "
            "Every region and every demo user is created at any scale.",
        )
        parser.add_argument("--reset", action="store_true", help="Remove the demo data first, then load it again.")

    def handle(self, *args, scale: float = 1.0, reset: bool = False, **options) -> None:
        if not 0 < scale <= MAX_SCALE:
            raise CommandError(f"--scale must be above 0 and at most {MAX_SCALE:g}.")
        started = time.monotonic()
        try:
            with transaction.atomic():
                if reset:
                    reset_demo()
                    self.stdout.write("Removed the previous demo data.")
                elif is_loaded():
                    self.stdout.write("The demo district is already loaded: nothing to do (use --reset to rebuild it).")
                    self._report()
                    return
                DemoBuilder(scale=scale).build()
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        from dashboards.rollup.job import rebuild_rollups

        rolled = rebuild_rollups()  # the dashboards count the demo's history at once, not a minute later
        self.stdout.write(f"Dashboard figures computed from {rolled.events} case events.")
        self.stdout.write(
            self.style.SUCCESS(f"Demo district loaded in {time.monotonic() - started:.1f} s (scale {scale:g}).")
        )
        self._report()

    def _report(self) -> None:
        write = self.stdout.write
        write("")
        write("Rows in the demo district:")
        for label, count in demo_counts().items():
            write(f"  {count:>7}  {label}")
        write("Regions whose household count is inside the target (300–500 per grid, 50–100 per micro-grid):")
        for label, (inside, total) in target_report().items():
            write(f"  {label}: {inside} of {total}")
        write("")
        write("Demo logins (demo only; never use this password anywhere else):")
        rows = [("username", "role", "place", "password"), *demo_logins()]
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            write("  " + "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=False)) + f"  {row[3]}")


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
