"""The imports of Party organisations and members: file checks, then one service call per row."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.results import RowResult

from grids.models import Building, Region, Resident
from grids.resources import RosterFileError
from grids.resources.files import cell_control_errors
from grids.resources.roster import building_key, cell_text, match_key
from grids.resources.roster_import import RosterError
from grids.validators import normalize_id_number

from ..models import PartyMember, PartyOrg, can_edit_party
from ..services import org as services
from .columns import (
    BUILDINGS,
    CATEGORY,
    CATEGORY_NAMES,
    CHOICE_COLUMNS,
    ESTATE,
    FOUNDED_ON,
    ID_NUMBER,
    JOINED_ORG,
    JOINED_PARTY,
    KIND_NAMES,
    MAX_ROWS,
    MEMBER_COLUMNS,
    MEMBER_FIELD_COLUMNS,
    MEMBER_REQUIRED,
    NAME,
    ORG,
    ORG_COLUMNS,
    ORG_FIELD_COLUMNS,
    ORG_KIND,
    ORG_NAME,
    ORG_REQUIRED,
    PARENT,
    PHONE,
    REGION_CODE,
    SEPARATORS,
    WORKPLACE,
    canonical_header,
    column_errors,
    parse_date,
)


class PartyImportResource(resources.ModelResource):
    """Common shape of the two imports: file checks, then one service call per row as `actor`."""

    columns: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    field_columns: dict[str, str] = {}

    def __init__(self, *, actor=None, **kwargs):
        super().__init__(**kwargs)
        self.actor = actor
        self.created = 0
        self._file_rejected = False

    @classmethod
    def get_error_result_class(cls):
        return RosterError

    def get_diff_headers(self) -> list[str]:
        return list(self.columns)

    def before_import(self, dataset, **kwargs) -> None:
        self.created = 0
        self._file_rejected = False
        try:
            self._check_file(dataset)
        except RosterFileError:
            self._file_rejected = True
            raise
        self.load(dataset)

    def _check_file(self, dataset) -> None:
        if self.actor is None:
            raise RosterFileError(_("The import needs the user it is done for."))
        filled = sum(1 for values in dataset if any(cell_text(value) for value in values))
        if filled > MAX_ROWS:
            raise RosterFileError(
                _("The file has %(rows)d rows; import at most %(max)d at a time (split the file).")
                % {"rows": filled, "max": MAX_ROWS}
            )
        headers = [canonical_header(h) for h in dataset.headers or []]
        missing = [column for column in self.required if column not in headers]
        if missing:
            raise RosterFileError(
                _("The file lacks the column(s) %(columns)s. The first row must hold the column names of the template.")
                % {"columns": "、".join(missing)}
            )
        dataset.headers = headers

    def load(self, dataset) -> None:
        """Read what the rows refer to, once per file."""

    def after_import(self, dataset, result, **kwargs) -> None:
        # No ModelResource.after_import: it resets id sequences, which only imports writing ids need.
        result.party_created = self.created

    def import_row(self, row, instance_loader, **kwargs):
        number = kwargs["row_number"]
        row_result = self.get_row_result_class()()
        if self._file_rejected or not any(cell_text(value) for value in row.values()):
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        try:
            control = cell_control_errors(row)  # before any lookup: no column of these files is free text
            if control:
                raise ValidationError(control)
            instance = self.save_row(row)
        except ValidationError as exc:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = ValidationError(column_errors(exc, self.field_columns))
        except PermissionDenied as exc:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = ValidationError({NON_FIELD_ERRORS: [str(exc)]})
        except Exception as exc:  # shown like any import-export row error; the run rolls back
            row_result.import_type = RowResult.IMPORT_TYPE_ERROR
            row_result.errors.append(self.get_error_result_class()(exc, row=row, number=number))
        else:
            self.created += 1
            row_result.import_type = RowResult.IMPORT_TYPE_NEW
            row_result.add_instance_info(instance)
            row_result.instance = instance
            row_result.diff = [cell_text(row.get(column)) for column in self.columns]
        return row_result

    def save_row(self, row: dict):
        raise NotImplementedError

    @staticmethod
    def choice(row: dict, column: str, names: dict[str, str], errors: dict) -> str | None:
        value = match_key(cell_text(row.get(column)))
        if not value:
            errors.setdefault(column, []).append(_("Please fill in this column."))
            return None
        stored = names.get(value)
        if stored is None:
            errors.setdefault(column, []).append(
                _("Unknown value %(value)s; use one of %(choices)s.")
                % {"value": value, "choices": "、".join(CHOICE_COLUMNS[column])}
            )
        return stored

    @staticmethod
    def date(row: dict, column: str, errors: dict) -> dt.date | None:
        try:
            return parse_date(row.get(column))
        except ValueError:
            errors.setdefault(column, []).append(_("Write the date as 2024-07-01."))
            return None


class PartyOrgResource(PartyImportResource):
    """Organisations, parents before children: a parent is named by an organisation already in the
    portal (in the importer's scope) or on an earlier row of the file."""

    name = Field(attribute="name", column_name=ORG_NAME)
    kind = Field(column_name=ORG_KIND)
    parent = Field(column_name=PARENT)
    region = Field(column_name=REGION_CODE)
    estate = Field(column_name=ESTATE)
    buildings = Field(column_name=BUILDINGS)
    founded_on = Field(attribute="founded_on", column_name=FOUNDED_ON)

    columns = ORG_COLUMNS
    required = ORG_REQUIRED
    field_columns = ORG_FIELD_COLUMNS

    class Meta:
        model = PartyOrg
        fields = ("name", "kind", "parent", "region", "estate", "buildings", "founded_on")
        use_transactions = True
        report_skipped = False

    def load(self, dataset) -> None:
        self._orgs: dict[str, list[PartyOrg]] = {}
        for org in PartyOrg.objects.visible_to(self.actor).select_related("region"):
            self._orgs.setdefault(match_key(org.name), []).append(org)
        codes = {match_key(cell_text(v)) for v in dataset[REGION_CODE]} if REGION_CODE in dataset.headers else set()
        self._regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
        self._buildings: dict[tuple[str, str], list[Building]] = {}
        prefixes = set(self._regions)
        if prefixes and ESTATE in dataset.headers:
            query = Building.objects.none()
            for prefix in prefixes:
                query = query | Building.objects.filter(region_code__startswith=prefix)
            for building in query.select_related("estate").distinct():
                key = (match_key(building.estate.name), building_key(building.number))
                self._buildings.setdefault(key, []).append(building)

    def save_row(self, row: dict) -> PartyOrg:
        errors: dict[str, list[str]] = {}
        name = cell_text(row.get(ORG_NAME))
        if not name:
            errors.setdefault(ORG_NAME, []).append(_("Please fill in this column."))
        kind = self.choice(row, ORG_KIND, KIND_NAMES, errors)
        code = match_key(cell_text(row.get(REGION_CODE)))
        region = self._regions.get(code)
        if region is None:
            errors.setdefault(REGION_CODE, []).append(_("No region has the code %(code)s.") % {"code": code or "—"})
        elif not can_edit_party(self.actor, region.code):
            errors.setdefault(REGION_CODE, []).append(
                _("You may not edit Party organisations in %(region)s.") % {"region": region.name}
            )
        parent = None
        parent_name = cell_text(row.get(PARENT))
        if parent_name:
            candidates = self._orgs.get(match_key(parent_name), [])
            if region is not None:
                candidates = [o for o in candidates if region.code.startswith(o.region_code)] or candidates
            if not candidates:
                errors.setdefault(PARENT, []).append(
                    _("No organisation named %(name)s in your places or on an earlier row.") % {"name": parent_name}
                )
            elif len(candidates) > 1:
                errors.setdefault(PARENT, []).append(
                    _("Several organisations are named %(name)s; rename one first.") % {"name": parent_name}
                )
            else:
                parent = candidates[0]
        buildings = []
        numbers = [n for n in SEPARATORS.split(cell_text(row.get(BUILDINGS))) if n.strip()]
        estate = match_key(cell_text(row.get(ESTATE)))
        if numbers and not estate:
            errors.setdefault(ESTATE, []).append(_("Name the estate of the buildings."))
        for number in numbers if estate else ():
            found = self._buildings.get((estate, building_key(number)), [])
            if len(found) != 1:
                errors.setdefault(BUILDINGS, []).append(
                    _("Estate %(estate)s has no building %(building)s in this place.")
                    % {"estate": estate, "building": number}
                )
            else:
                buildings.append(found[0])
        founded_on = self.date(row, FOUNDED_ON, errors)
        if errors:
            raise ValidationError(errors)
        org = services.org_create(
            actor=self.actor,
            name=name,
            kind=kind,
            region=region,
            parent=parent,
            buildings=buildings,
            founded_on=founded_on,
        )
        self._orgs.setdefault(match_key(org.name), []).append(org)
        return org


class PartyMemberResource(PartyImportResource):
    """Members of organisations already in the portal; an ID number links the member to the resident ledger."""

    name = Field(attribute="name", column_name=NAME)
    org = Field(column_name=ORG)
    category = Field(column_name=CATEGORY)
    id_number = Field(column_name=ID_NUMBER)
    phone = Field(attribute="phone", column_name=PHONE)
    joined_party_on = Field(attribute="joined_party_on", column_name=JOINED_PARTY)
    joined_org_on = Field(attribute="joined_org_on", column_name=JOINED_ORG)
    workplace = Field(attribute="workplace", column_name=WORKPLACE)

    columns = MEMBER_COLUMNS
    required = MEMBER_REQUIRED
    field_columns = MEMBER_FIELD_COLUMNS

    class Meta:
        model = PartyMember
        fields = ("name", "org", "category", "id_number", "phone", "joined_party_on", "joined_org_on", "workplace")
        use_transactions = True
        report_skipped = False

    def load(self, dataset) -> None:
        self._orgs: dict[str, list[PartyOrg]] = {}
        for org in PartyOrg.objects.visible_to(self.actor):
            self._orgs.setdefault(match_key(org.name), []).append(org)
        numbers = set()
        if ID_NUMBER in dataset.headers:
            numbers = {normalize_id_number(cell_text(v)) for v in dataset[ID_NUMBER]} - {""}
        self._residents = {
            r.id_number: r for r in Resident.objects.visible_to(self.actor).filter(id_number__in=numbers)
        }

    def save_row(self, row: dict) -> PartyMember:
        errors: dict[str, list[str]] = {}
        org_name = cell_text(row.get(ORG))
        orgs = self._orgs.get(match_key(org_name), [])
        if not org_name:
            errors.setdefault(ORG, []).append(_("Please fill in this column."))
        elif not orgs:
            errors[ORG] = [_("No organisation named %(name)s in your places.") % {"name": org_name}]
        elif len(orgs) > 1:
            errors[ORG] = [_("Several organisations are named %(name)s; rename one first.") % {"name": org_name}]
        category = self.choice(row, CATEGORY, CATEGORY_NAMES, errors)
        resident = None
        raw_id = row.get(ID_NUMBER)
        id_number = normalize_id_number(cell_text(raw_id))
        if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
            errors.setdefault(ID_NUMBER, []).append(
                _("The ID number is stored as a number, so the spreadsheet may have changed its last digits.")
            )
        elif id_number:
            resident = self._residents.get(id_number)
            if resident is None:
                errors.setdefault(ID_NUMBER, []).append(_("No resident of your places has this ID number."))
        joined_party_on = self.date(row, JOINED_PARTY, errors)
        joined_org_on = self.date(row, JOINED_ORG, errors)
        if errors:
            raise ValidationError(errors)
        return services.member_add(
            actor=self.actor,
            org=orgs[0],
            name=cell_text(row.get(NAME)),
            category=category,
            resident=resident,
            phone=cell_text(row.get(PHONE)).replace(" ", ""),
            joined_party_on=joined_party_on,
            joined_org_on=joined_org_on,
            workplace=cell_text(row.get(WORKPLACE)),
        )
