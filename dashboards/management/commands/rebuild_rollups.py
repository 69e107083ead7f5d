"""Recompute every dashboard rollup from the case event log."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dashboards.rollup.job import rebuild_rollups


class Command(BaseCommand):
    help = "Recompute the dashboards' rollup tables from the whole case event log, in one transaction."

    def handle(self, *args, **options):
        started = time.monotonic()
        result = rebuild_rollups()
        if result.skipped:
            raise CommandError(_("Another transaction is writing case events; try the rebuild again in a moment."))
        seconds = time.monotonic() - started
        self.stdout.write(
            _("Rebuilt: %(events)d events, %(rows)d rollup rows, watermark %(mark)d, in %(seconds).1f s.")
            % {"events": result.events, "rows": result.rows, "mark": result.watermark, "seconds": seconds}
        )
