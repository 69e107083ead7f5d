"""Party members (党员花名册): one row per member, with the positions they hold.

The file is the one the admin import of ``partyorg.resources`` reads (the same column names,
category names and checks), with two more columns: the member's status and their positions.

- The natural key is the ID number. A member record has no ID number of its own: it is linked to
  the resident ledger, so the ID number must be a resident's, living in the organisation's place
  (as ``partyorg.services`` requires). The name is the resident's; a different name in the file is
  an error. Members not linked to the ledger are kept on the Party pages and are not exported here.
- The organisation is named as on the admin import; an unknown name is an error naming it, and one
  outside the importer's places is "not in your area". A member of another organisation of the
  importer's places is transferred (positions held in the old organisation end that day, as a
  transfer on the pages does); marking a member transferred out or deceased ends their positions.
- Positions (several separated by 、): a listed title the member does not hold is created in
  their organisation from today; a title they hold that the file does not list is left as it is
  (ending a position is done on the pages). Building heads and unit stewards need a building or a
  unit, so the import does not create them. One holder at a time of 书记, 组长 and 网格长.
- A blank status or transfer date keeps the member's; blank phone, workplace or date joined clear them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from grids.models import Resident
from grids.pii import mask_id_number, mask_phone
from grids.resources.roster import match_key, value_name
from partyorg.models import MemberStatus, PartyMember, PartyOrg, Position, PositionTitle
from partyorg.resources.columns import CATEGORY_NAMES, CHOICE_COLUMNS, SEPARATORS, parse_date
from partyorg.services.org import SINGLE_HOLDER_TITLES

from .. import cells
from ..errors import CellError
from ..headers import ID_NUMBER, NAME, PHONE, Column
from . import register
from .base import Change, Pending, RosterKind

STATUS_NAMES = {
    "正常": MemberStatus.ACTIVE, "在册": MemberStatus.ACTIVE,
    "已转出": MemberStatus.TRANSFERRED, "转出": MemberStatus.TRANSFERRED,
    "已去世": MemberStatus.DECEASED, "去世": MemberStatus.DECEASED, "已故": MemberStatus.DECEASED,
}  # fmt: skip
TITLE_NAMES = {
    "书记": PositionTitle.SECRETARY, "副书记": PositionTitle.DEPUTY_SECRETARY, "委员": PositionTitle.COMMITTEE_MEMBER,
    "组长": PositionTitle.GROUP_LEADER, "党小组组长": PositionTitle.GROUP_LEADER,
    "党员楼栋长": PositionTitle.BUILDING_HEAD, "楼栋长": PositionTitle.BUILDING_HEAD,
    "党员中心户": PositionTitle.CENTRAL_HOUSEHOLD, "网格长": PositionTitle.GRID_HEAD,
    "单元红管家": PositionTitle.UNIT_STEWARD, "红管家": PositionTitle.UNIT_STEWARD,
}  # fmt: skip
TITLE_ORDER = {title: index for index, title in enumerate(PositionTitle.values)}
PLACE_TITLES = frozenset({PositionTitle.BUILDING_HEAD, PositionTitle.UNIT_STEWARD})

ORG = Column(
    "org", gettext_lazy("Party organisation"), synonyms=("所属党组织", "所在组织", "党组织名称"), required=True
)
CATEGORY = Column(
    "category",
    pgettext_lazy("party", "Category"),
    synonyms=("党员类别", "类别"),
    required=True,
    choices=CHOICE_COLUMNS["党员类别"],
)
JOINED_PARTY = Column("joined_party_on", gettext_lazy("Joined the Party on"), synonyms=("入党日期", "入党时间"))
JOINED_ORG = Column("joined_org_on", gettext_lazy("Joined this organisation on"), synonyms=("转入日期", "转入时间"))
STATUS = Column(
    "status", gettext_lazy("Status"), synonyms=("状态", "组织关系", "党员状态"), choices=("正常", "已转出", "已去世")
)
POSITIONS = Column(
    "positions",
    gettext_lazy("Positions"),
    synonyms=("职务", "党内职务"),
    choices=tuple(name for name in TITLE_NAMES if name not in {"党小组组长", "楼栋长", "红管家"}),
    help=gettext_lazy("Several positions separated by 、"),
)
WORKPLACE = Column("workplace", gettext_lazy("Workplace"), synonyms=("工作单位", "单位"))
DATES = ("joined_party_on", "joined_org_on")
# Member fields an import writes, in the order changes are shown; region_code follows org_id.
WRITTEN = ("name", "org_id", "category", "status", "joined_party_on", "joined_org_on", "phone", "workplace")
LENGTHS = {"name": 64, "workplace": 100}
EXPORT_CHUNK = 2000


def today() -> dt.date:
    return timezone.localdate()


def held(queryset, day: dt.date):
    """Positions not ended before ``day`` (current ones, and those starting later)."""
    return queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


def stored(values: dict) -> dict:
    """Values as staged and recorded (JSON): dates as ISO text."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def title_sort(titles) -> list[str]:
    return sorted(set(titles), key=TITLE_ORDER.__getitem__)


@dataclass
class Org:
    pk: int
    name: str
    code: str
    active: bool


@dataclass
class Context:
    prefixes: list[str]
    orgs: dict[str, list[Org]]  # name match key → organisations
    claimed: dict[tuple[int, str], int] = field(default_factory=dict)  # (org, one-holder title) → file row

    def covers(self, code: str) -> bool:
        return any(code.startswith(prefix) for prefix in self.prefixes)


def _choice(names: dict, value) -> tuple[str | None, bool]:
    text = match_key(cells.number_text(value)) if value is not None else ""
    if not text:
        return None, True
    if text in names:
        return names[text], True
    return (text, True) if text in names.values() else (None, False)


def _date(value) -> cells.Result:
    """A date as the centre reads it, or as the admin import does (2024.07 and 2024年7月: the first day)."""
    day, error = cells.clean_date(value)
    if error and not isinstance(value, CellError):
        with contextlib.suppress(ValueError):
            day, error = parse_date(value), None
    return day, error


class PartyMembersKind(RosterKind):
    slug = "party_members"
    label = gettext_lazy("Party members")
    title = "党员花名册"
    columns = (NAME, ID_NUMBER, ORG, CATEGORY, JOINED_PARTY, JOINED_ORG, STATUS, POSITIONS, PHONE, WORKPLACE)
    example = {
        "name": "张三", "id_number": "640302199001011232", "org": "金塔社区党委", "category": "退休党员",
        "joined_party_on": "1985-07-01", "joined_org_on": "2020-03-01", "status": "正常", "positions": "委员",
        "phone": "13800000000", "workplace": "",
    }  # fmt: skip
    key_column = "id_number"
    writer = "imports.kinds.partymembers_apply"

    # ------------------------------------------------------------------ clean (no database)

    def context(self, job) -> Context:
        prefixes = [p for p in job.allowed_prefixes if p.startswith(job.place_code) or job.place_code.startswith(p)]
        orgs: dict[str, list[Org]] = {}
        day = today()
        for pk, name, code, dissolved in PartyOrg.objects.values_list("pk", "name", "region_code", "dissolved_on"):
            orgs.setdefault(match_key(name), []).append(Org(pk, name, code, dissolved is None or dissolved > day))
        return Context(prefixes=[max(p, job.place_code, key=len) for p in prefixes], orgs=orgs)

    def clean(self, row: Pending, context: Context) -> None:
        raw, errors, data = row.raw, row.errors, {}
        labels = {column.key: column.label for column in self.columns}

        def take(key: str, result, *, required: bool = False):
            value, error = result
            if error:
                errors.append(f"{labels[key]}：{error}")
            elif value is None and required:
                errors.append(_("%(column)s: please fill in this column.") % {"column": labels[key]})
            elif key in LENGTHS and len(value or "") > LENGTHS[key]:
                errors.append(
                    _("%(column)s: at most %(count)s characters.") % {"column": labels[key], "count": LENGTHS[key]}
                )
                return None
            return value

        data["name"] = take("name", cells.clean_text(raw.get("name")))
        data["id_number"] = row.key = (
            take("id_number", cells.clean_id_number(raw.get("id_number")), required=True) or ""
        )
        data["org"] = take("org", cells.clean_text(raw.get("org")), required=True)
        for column, names in ((CATEGORY, CATEGORY_NAMES), (STATUS, STATUS_NAMES)):
            if column.key in raw:
                value, ok = _choice(names, raw.get(column.key))
                if not ok:
                    errors.append(
                        _("%(column)s: write one of %(values)s.")
                        % {"column": column.label, "values": "、".join(column.choices)}
                    )
                elif value is None and column.required:
                    errors.append(_("%(column)s: please fill in this column.") % {"column": column.label})
                data[column.key] = value
        for key in DATES:
            if key in raw:
                day = take(key, _date(raw.get(key)))
                data[key] = day.isoformat() if day else None
        if data.get("joined_party_on") and data["joined_party_on"] > today().isoformat():
            future = _("This date lies in the future.")
            errors.append(f"{JOINED_PARTY.label}：{future}")
        if "positions" in raw:
            text = take("positions", cells.clean_text(raw.get("positions"))) or ""
            names = [name for name in SEPARATORS.split(text) if match_key(name)]
            unknown = [name for name in names if match_key(name) not in TITLE_NAMES]
            if unknown:
                errors.append(
                    _("%(column)s: there is no position %(names)s; write one of %(values)s.")
                    % {"column": POSITIONS.label, "names": "、".join(unknown), "values": "、".join(POSITIONS.choices)}
                )
            data["positions"] = title_sort(TITLE_NAMES[match_key(n)] for n in names if match_key(n) in TITLE_NAMES)
        if "phone" in raw:
            data["phone"] = take("phone", cells.clean_phone(raw.get("phone"))) or ""
        if "workplace" in raw:
            data["workplace"] = take("workplace", cells.clean_text(raw.get("workplace"))) or ""
        row.data = data

    # ------------------------------------------------------------------ resolve (a batch, a few queries)

    def _org(self, row: Pending, resident: dict, context: Context) -> Org | None:
        name = row.data["org"]
        found = context.orgs.get(match_key(name), [])
        mine = [org for org in found if context.covers(org.code)]
        if not found:
            row.errors.append(_("Party organisation: there is no organisation named %(org)s.") % {"org": name})
        elif not mine:
            row.errors.append(_("Not in your area: %(org)s.") % {"org": name})
        elif not (mine := [org for org in mine if resident["region_code"].startswith(org.code)]):
            row.errors.append(
                _("%(name)s does not live in the place of %(org)s.") % {"name": resident["name"], "org": name}
            )
        elif len(mine) > 1:
            row.errors.append(_("Several organisations are named %(name)s; rename one first.") % {"name": name})
        else:
            return mine[0]
        return None

    def resolve(self, rows: list[Pending], context: Context) -> None:
        residents = {
            values["id_number"]: values
            for values in Resident.objects.filter(id_number__any=[row.key for row in rows]).values(
                "pk", "id_number", "name", "region_code"
            )
        }
        placed = []
        for row in rows:
            resident = residents.get(row.key)
            if resident is None:
                row.errors.append(
                    _("%(column)s: no resident of the ledger has this ID number; add them to the ledger first.")
                    % {"column": ID_NUMBER.label}
                )
            elif not context.covers(resident["region_code"]):
                row.errors.append(_("Not in your area: this person lives elsewhere in the ledger."))
            elif row.data["name"] and match_key(row.data["name"]) != match_key(resident["name"]):
                row.errors.append(
                    _("%(column)s: the resident with this ID number is %(name)s.")
                    % {"column": NAME.label, "name": resident["name"]}
                )
            elif org := self._org(row, resident, context):
                placed.append((row, resident, org))
        members: dict[int, list[dict]] = {}
        for values in PartyMember.objects.filter(resident_id__any=[r["pk"] for _row, r, _o in placed]).values(
            "pk", "resident_id", "region_code", "org__name", *WRITTEN
        ):
            members.setdefault(values["resident_id"], []).append(stored(values))
        day = today()
        positions: dict[int, list[dict]] = {}
        member_ids = [m["pk"] for found in members.values() for m in found]
        for values in held(Position.objects.filter(member_id__any=member_ids), day).values(
            "pk", "member_id", "org_id", "title", "start_date", "end_date"
        ):
            positions.setdefault(values["member_id"], []).append(values)
        holders = {
            (values["org_id"], values["title"]): values
            for values in held(Position.objects.filter(org_id__any=list({o.pk for *_r, o in placed})), day)
            .filter(title__in=SINGLE_HOLDER_TITLES)
            .values("org_id", "title", "member_id", "member__name", "start_date", "end_date")
        }
        from .partymembers_apply import compare

        for row, resident, org in placed:
            found = members.get(resident["pk"], [])
            current = next((m for m in found if m["org_id"] == org.pk), found[0] if len(found) == 1 else None)
            if len(found) > 1 and current is None:
                row.errors.append(
                    _("%(name)s is a member of several organisations (%(orgs)s); correct them on the Party pages.")
                    % {"name": resident["name"], "orgs": "、".join(m["org__name"] for m in found)}
                )
            elif current is not None and not context.covers(current["region_code"]):
                row.errors.append(_("Not in your area: %(org)s.") % {"org": current["org__name"]})
            else:
                row.data.update(resident_id=resident["pk"], name=resident["name"], org_id=org.pk, region_code=org.code)
                held_now = positions.get(current["pk"], []) if current else []
                compare(row, org, current, held_now, holders, context)

    # ------------------------------------------------------------------ apply, undo

    # ------------------------------------------------------------------ preview

    def changes(self, data: dict, before: dict | None, *, user) -> list[Change]:
        labels = {c.key: str(c.label) for c in self.columns}
        labels["org_id"] = labels["org"]
        org_names = {}
        if before and "org_id" in before:
            org_names = dict(
                PartyOrg.objects.filter(pk__in=[before["org_id"], data["org_id"]]).values_list("pk", "name")
            )

        def text(name, value) -> str:
            if name == "phone":
                return mask_phone(value)
            if name == "org_id":
                return org_names.get(value, "")
            if name == "category":
                return value_name(CATEGORY_NAMES, value)
            if name == "status":
                return value_name(STATUS_NAMES, value)
            if name == "positions":
                return "、".join(value_name(TITLE_NAMES, title) for title in value or [])
            return "" if value is None else str(value)

        if before is None:  # a new member
            shown = [
                Change(labels["id_number"], "", mask_id_number(data["id_number"])),
                Change(labels["org"], "", data["org"]),
            ]
            if data.get("positions"):
                shown.append(Change(labels["positions"], "", text("positions", data["positions"])))
            return shown
        return [
            Change(labels[name], text(name, old), text(name, data.get(name)))
            for name, old in before.items()
            if name != "region_code"
        ]

    # ------------------------------------------------------------------ export (the template's columns)

    def export_queryset(self, user):
        return (
            PartyMember.objects.visible_to(user).filter(resident__isnull=False).order_by("region_code", "org_id", "pk")
        )

    def export_rows(self, queryset, *, full: bool) -> Iterator[list]:
        """The members linked to the ledger in the template's columns; ``full``: ID numbers and phones unmasked."""
        values = queryset.values_list(
            "pk", "resident__name", "resident__id_number", "org__name", "category", "joined_party_on",
            "joined_org_on", "status", "phone", "workplace",
        ).iterator(chunk_size=EXPORT_CHUNK)  # fmt: skip
        day = today()
        while chunk := list(islice(values, EXPORT_CHUNK)):
            titles: dict[int, list[str]] = {}
            for member, title in held(Position.objects.filter(member_id__any=[r[0] for r in chunk]), day).values_list(
                "member_id", "title"
            ):
                titles.setdefault(member, []).append(title)
            for pk, name, number, org, category, joined, moved_in, status, phone, workplace in chunk:
                yield [
                    name,
                    number if full else mask_id_number(number),
                    org,
                    value_name(CATEGORY_NAMES, category),
                    joined.isoformat() if joined else "",
                    moved_in.isoformat() if moved_in else "",
                    value_name(STATUS_NAMES, status),
                    "、".join(value_name(TITLE_NAMES, t) for t in title_sort(titles.get(pk, []))),
                    phone if full else mask_phone(phone),
                    workplace,
                ]


register(PartyMembersKind())
