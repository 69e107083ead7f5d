"""Import of the resident roster: every row through grids.services, lookups cached per file."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.results import Error, RowResult

from grids import services
from grids.models import Building, Household, LedgerColour, Region, Relation, ResidencyType, Resident, Tag, Unit
from grids.pii import mask_id_number, mask_phone
from grids.validators import normalize_id_number

from .files import RosterFileError, cell_control_errors
from .roster import (
    BUILDING,
    CHOICE_COLUMNS,
    COLOUR,
    COLOUR_NAMES,
    ESTATE,
    GENDER_NAMES,
    ID_NUMBER,
    IMPORT_COLUMNS,
    MAX_ROWS,
    NAME,
    NOTE,
    PHONE,
    PREVIEW_COLUMNS,
    RELATION,
    RELATION_NAMES,
    REQUIRED_COLUMNS,
    RESIDENCY,
    RESIDENCY_NAMES,
    ROOM,
    TAG_SEPARATORS,
    TAGS,
    UNIT,
    canonical_header,
    cell_text,
    match_key,
    room_key,
    unit_key,
    value_name,
)
from .roster_places import RosterPlaces


class RosterError(Error):
    """An import error; a problem with the file is a message for the user, not a traceback."""

    @cached_property
    def traceback(self) -> str:
        if isinstance(self.error, RosterFileError):
            return ""
        return super().traceback


@dataclass
class RowPlan:
    """A row after its checks: where the resident goes and what is to be created."""

    number: int
    data: dict
    tags: list[Tag]
    building: Building
    unit: Unit | None
    unit_number: str
    household: Household | None
    room: str


@dataclass
class RosterSummary:
    residents: int = 0
    units: int = 0
    households: int = 0
    # (row number, column, message)
    warnings: list[tuple[int, str, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


class ResidentRosterResource(RosterPlaces, resources.ModelResource):
    """The resident roster: each row becomes a resident of a household found (or created) by
    estate name + building + unit + room under the region chosen on the import form.

    Estates, buildings, units, households and tags are read once per import, not once per row.
    """

    name = Field(attribute="name", column_name=NAME)
    id_number = Field(attribute="id_number", column_name=ID_NUMBER)
    phone = Field(attribute="phone", column_name=PHONE)
    estate = Field(column_name=ESTATE)
    building = Field(column_name=BUILDING)
    unit = Field(column_name=UNIT)
    room = Field(column_name=ROOM)
    residency_type = Field(attribute="residency_type", column_name=RESIDENCY)
    relation = Field(attribute="relation", column_name=RELATION)
    ledger_colour = Field(attribute="ledger_colour", column_name=COLOUR)
    tags = Field(column_name=TAGS)
    note = Field(attribute="note", column_name=NOTE)

    class Meta:
        model = Resident
        fields = (
            "name",
            "id_number",
            "phone",
            "estate",
            "building",
            "unit",
            "room",
            "residency_type",
            "relation",
            "ledger_colour",
            "tags",
            "note",
        )
        use_transactions = True
        report_skipped = False  # blank lines of a spreadsheet

    def __init__(self, *, region: Region | None = None, **kwargs):
        super().__init__(**kwargs)
        self.region = region
        self._reset()

    def _reset(self) -> None:
        self.summary = RosterSummary()
        self._file_rejected = False
        self._id_rows: dict[str, list[int]] = {}
        # estate key -> building key -> buildings
        self._buildings: dict[str, dict[str, list[Building]]] = {}
        self._units: dict[int, dict[str, Unit]] = {}
        self._households: dict[int, dict[str, Household]] = {}
        self._tags: dict[str, Tag] = {}

    @classmethod
    def get_error_result_class(cls):
        return RosterError

    def get_diff_headers(self) -> list[str]:
        return list(PREVIEW_COLUMNS)

    # ------------------------------------------------------------ whole file

    def before_import(self, dataset, **kwargs) -> None:
        self._reset()
        try:
            self._check_file(dataset)
        except RosterFileError:
            self._file_rejected = True
            raise
        self._load_places()
        self._tags = {}
        for tag in Tag.objects.all():
            self._tags[match_key(tag.slug)] = tag
            self._tags[match_key(tag.name)] = tag

    def _check_file(self, dataset) -> None:
        if self.region is None:
            raise RosterFileError(_("Choose the region whose roster this is."))
        filled = sum(1 for values in dataset if any(cell_text(value) for value in values))
        if filled > MAX_ROWS:
            raise RosterFileError(
                _("The file has %(rows)d rows; import at most %(max)d at a time (split the file).")
                % {"rows": filled, "max": MAX_ROWS}
            )
        headers = [canonical_header(h) for h in dataset.headers or []]
        repeated = sorted({h for h in headers if h and headers.count(h) > 1})
        if repeated:
            raise RosterFileError(
                _("The column(s) %(columns)s appear more than once.") % {"columns": "、".join(repeated)}
            )
        missing = [column for column in REQUIRED_COLUMNS if column not in headers]
        if missing:
            raise RosterFileError(
                _("The file lacks the column(s) %(columns)s. The first row must hold the column names of the template.")
                % {"columns": "、".join(missing)}
            )
        dataset.headers = headers
        self.summary.ignored_columns = [h for h in headers if h and h not in IMPORT_COLUMNS]
        id_rows: dict[str, list[int]] = defaultdict(list)
        for number, value in enumerate(dataset[ID_NUMBER], 1):
            number_text = normalize_id_number(cell_text(value))
            if number_text:
                id_rows[number_text].append(number)
        self._id_rows = dict(id_rows)

    def after_import(self, dataset, result, **kwargs) -> None:
        # Read by the admin's confirm page and success message. No call to ModelResource.after_import:
        # it resets the id sequence to max(id), which only imports that write ids need, and which
        # can hand out ids again beside concurrent inserts.
        result.roster_summary = self.summary
        result.roster_region = self.region

    # ------------------------------------------------------------ one row

    def import_row(self, row, instance_loader, **kwargs):
        """Check one row and create its resident through grids.services."""
        number = kwargs["row_number"]
        row_result = self.get_row_result_class()()
        if self._file_rejected or not any(cell_text(value) for value in row.values()):
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        try:
            plan = self._plan(row, number)
            resident = self._save(plan)
        except ValidationError as exc:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = exc
        except Exception as exc:  # shown on the page like any import-export row error; the run rolls back
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            row_result.errors.append(self.get_error_result_class()(exc, row=row, number=number))
        else:
            row_result.import_type = RowResult.IMPORT_TYPE_NEW
            row_result.add_instance_info(resident)
            row_result.instance = resident
            row_result.diff = self._preview(plan, resident)
        return row_result

    def _plan(self, row: dict, number: int) -> RowPlan:
        # Before any lookup: a control character is refused as on the ledger form (and NUL cannot be stored).
        control = cell_control_errors(row, multiline=(NOTE,))
        if control:
            raise ValidationError(control)
        errors: dict[str, list[str]] = {}

        def error(column: str, message: str) -> None:
            errors.setdefault(column, []).append(message)

        raw_id = row.get(ID_NUMBER)
        id_number = normalize_id_number(cell_text(raw_id))
        if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
            error(
                ID_NUMBER,
                _(
                    "The ID number is stored as a number, so the spreadsheet may have changed its last digits. "
                    "Format the column as text and type the number again."
                ),
            )
        others = [n for n in self._id_rows.get(id_number, ()) if n != number]
        if others:
            error(
                ID_NUMBER,
                _("The same ID number is also on row(s) %(rows)s of this file.")
                % {"rows": ", ".join(str(n) for n in others)},
            )
        data = {
            "name": str(row.get(NAME) or "").strip(),
            "id_number": id_number,
            "phone": cell_text(row.get(PHONE)).replace(" ", ""),
            "residency_type": self._choice(row, RESIDENCY, RESIDENCY_NAMES, ResidencyType.REGISTERED, error),
            "relation": self._choice(row, RELATION, RELATION_NAMES, Relation.HEAD, error),
            "ledger_colour": self._choice(row, COLOUR, COLOUR_NAMES, LedgerColour.ORANGE, error),
            "note": str(row.get(NOTE) or "").strip(),
        }
        tags = self._find_tags(cell_text(row.get(TAGS)), error)
        place = self._find_place(row, error)
        if errors or place is None:
            # Report the ledger's own rules too, so one upload shows everything wrong with the row.
            try:
                services.resident_validate(data=data)
            except ValidationError as exc:
                for column, messages in _column_errors(exc).items():
                    errors.setdefault(column, []).extend(messages)
            raise ValidationError(errors)
        building, unit, unit_number, household, room = place
        return RowPlan(
            number=number,
            data=data,
            tags=tags,
            building=building,
            unit=unit,
            unit_number=unit_number,
            household=household,
            room=room,
        )

    @staticmethod
    def _choice(row: dict, column: str, names: dict[str, str], default: str, error) -> str:
        value = match_key(cell_text(row.get(column)))
        if not value:
            return default
        stored = names.get(value) or names.get(re.sub(r"(人口|色)$", "", value))
        if stored is None:
            error(
                column,
                _("Unknown value %(value)s; use one of %(choices)s.")
                % {"value": value, "choices": "、".join(CHOICE_COLUMNS[column])},
            )
            return default
        return stored

    def _find_tags(self, text: str, error) -> list[Tag]:
        found, unknown = [], []
        for name in TAG_SEPARATORS.split(text):
            name = match_key(name)
            if not name:
                continue
            tag = self._tags.get(name)
            if tag is None:
                unknown.append(name)
            elif tag not in found:
                found.append(tag)
        if unknown:
            known = "、".join(sorted({tag.name for tag in self._tags.values()})) or "—"
            error(
                TAGS,
                _("Unknown special group(s) %(names)s; the ledger knows %(known)s.")
                % {"names": "、".join(unknown), "known": known},
            )
        return found

    def _save(self, plan: RowPlan) -> Resident:
        """Create the unit and household when missing, then the resident.

        No savepoint of its own: a failed row fails the whole import, which is rolled back. The
        caches follow each write at once, so later rows of the same run see the same state as
        the database.
        """
        unit = plan.unit
        if unit is None:
            try:
                unit = services.unit_create(building=plan.building, number=plan.unit_number)
            except ValidationError as exc:
                raise ValidationError({UNIT: exc.messages}) from exc
            self._units[plan.building.pk][unit_key(unit.number)] = unit
            self._households[unit.pk] = {}
            self.summary.units += 1
        household = plan.household
        if household is None:
            try:
                household = services.household_create(unit=unit, room=plan.room)
            except ValidationError as exc:
                raise ValidationError({ROOM: exc.messages}) from exc
            self._households[unit.pk][room_key(household.room)] = household
            self.summary.households += 1
        try:
            resident, warnings = services.resident_create(household=household, data=plan.data, tags=plan.tags)
        except ValidationError as exc:
            raise ValidationError(_column_errors(exc)) from exc
        self.summary.residents += 1
        self.summary.warnings.extend((plan.number, ID_NUMBER, message) for message in warnings)
        plan.unit, plan.household = unit, household
        return resident

    @staticmethod
    def _preview(plan: RowPlan, resident: Resident) -> list[str]:
        """The preview row, with the ID number and phone masked like everywhere else."""
        return [
            resident.name,
            mask_id_number(resident.id_number),
            GENDER_NAMES.get(resident.gender, ""),
            resident.birth_date.isoformat(),
            mask_phone(resident.phone),
            plan.building.estate.name,
            plan.building.number,
            plan.unit.number,
            plan.household.room,
            value_name(RESIDENCY_NAMES, resident.residency_type),
            value_name(RELATION_NAMES, resident.relation),
            value_name(COLOUR_NAMES, resident.ledger_colour),
            "、".join(tag.name for tag in plan.tags),
        ]


SERVICE_COLUMNS = {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "note": NOTE}


def _column_errors(exc: ValidationError) -> dict[str, list[str]]:
    """A service's errors keyed by model field, re-keyed by the file's column names."""
    if not hasattr(exc, "error_dict"):
        return {NON_FIELD_ERRORS: exc.messages}
    errors: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        errors.setdefault(SERVICE_COLUMNS.get(name, NON_FIELD_ERRORS), []).extend(messages)
    return errors
