"""Signals of the territory, for apps that keep their own copies of region codes in another form."""

from django.dispatch import Signal

# Sent inside the re-coding transaction after every region_code column has moved, with
# old_code and new_code: receivers move what they keep by code (the dashboards' rollups).
region_recoded = Signal()
