"""Where a roster row goes: the estate, building, unit and room it names under the import's region.

Buildings are read once per import, units and households once per building a row names, so a
file costs a few queries whatever its length.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from grids.models import Building, Household, Region, Unit

from .roster import BUILDING, ESTATE, ROOM, UNIT, building_key, cell_text, match_key, room_key, unit_key


class RosterPlaces:
    """The place lookups of the roster import, cached per file."""

    region: Region | None
    _buildings: dict[str, dict[str, list[Building]]]
    _units: dict[int, dict[str, Unit]]
    _households: dict[int, dict[str, Household]]

    def _load_places(self) -> None:
        buildings = Building.objects.filter(region_code__startswith=self.region.code).select_related("estate")
        for building in buildings.order_by("pk"):
            by_number = self._buildings.setdefault(match_key(building.estate.name), {})
            by_number.setdefault(building_key(building.number), []).append(building)

    def _load_building(self, building: Building) -> None:
        """Units and households of one building, read the first time a row names it."""
        if building.pk in self._units:
            return
        units = {}
        for unit in Unit.objects.filter(building=building):
            unit.building = building
            units[unit_key(unit.number)] = unit
            self._households[unit.pk] = {}
        self._units[building.pk] = units
        by_pk = {unit.pk: unit for unit in units.values()}
        for household in Household.objects.filter(unit__building=building):
            household.unit = by_pk[household.unit_id]
            self._households[household.unit_id][room_key(household.room)] = household

    def _find_place(self, row: dict, error):
        """(building, unit or None, unit number, household or None, room), or None after an error."""
        estate_name = cell_text(row.get(ESTATE))
        building_number = cell_text(row.get(BUILDING))
        unit_number = cell_text(row.get(UNIT))
        room = cell_text(row.get(ROOM))
        for column, value in ((ESTATE, estate_name), (BUILDING, building_number), (UNIT, unit_number), (ROOM, room)):
            if not value:
                error(column, _("Please fill in this column."))
        if not (estate_name and building_number and unit_number and room):
            return None
        region = str(self.region)
        by_number = self._buildings.get(match_key(estate_name))
        if by_number is None:
            error(
                ESTATE,
                _("No estate named %(estate)s has buildings in %(region)s.")
                % {"estate": estate_name, "region": region},
            )
            return None
        candidates = by_number.get(building_key(building_number), [])
        exact = [b for b in candidates if match_key(b.number) == match_key(building_number)]
        candidates = exact or candidates
        if not candidates:
            error(
                BUILDING,
                _(
                    "Estate %(estate)s has no building %(building)s in %(region)s. Buildings come from the "
                    "territory set-up: add the building there first."
                )
                % {"estate": estate_name, "building": building_number, "region": region},
            )
            return None
        if len(candidates) > 1:
            error(
                ESTATE,
                _("Several estates named %(estate)s lie in %(region)s; choose a narrower region on the import form.")
                % {"estate": estate_name, "region": region},
            )
            return None
        building = candidates[0]
        self._load_building(building)
        unit = self._units[building.pk].get(unit_key(unit_number))
        if unit is None and unit_number.isdigit():
            unit_number = f"{unit_number}单元"  # the ledger's own way of writing unit numbers
        household = self._households[unit.pk].get(room_key(room)) if unit is not None else None
        return building, unit, unit_number, household, room
