"""Grid workers (网格员): one row per person serving a grid or micro-grid.

The natural key is the grid's code and the person's name (the model has no unique constraint; a
person holds one post in a grid). When the ledger has several posts of that name in the grid, the
one still open is meant. A blank cell keeps what the ledger has; a new worker without a start date
starts today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.bulk import insert_rows, update_rows
from grids.models import GridWorker, GridWorkerKind, RegionLevel
from grids.resources.roster import match_key

from .. import cells
from ..headers import NAME, Column
from ..models import ChangeAction, ImportChange, RowStatus
from ..pipeline.stale import Stale
from . import register
from .base import Change, Pending, RosterKind
from .buildings import GRID_LEVELS, Scope, check_region, job_prefixes, load_regions, region_code, too_long
from .buildings_apply import referring
from .writing import CHANGE_FIELDS, conflict_message, staged_batches

# Chinese name → kind; the first name of each kind is the one templates and exports write.
KIND_NAMES = {
    "专职网格员": GridWorkerKind.FULL_TIME,
    "兼职网格员": GridWorkerKind.PART_TIME,
    "辅助网格员": GridWorkerKind.AUXILIARY,
    "微网格长": GridWorkerKind.MICROGRID_HEAD,
    "网格长": GridWorkerKind.GRID_HEAD,
    "网格民警": GridWorkerKind.POLICE,
    "健康网格员": GridWorkerKind.HEALTH,
    "人民调解员": GridWorkerKind.MEDIATOR,
    "专职": GridWorkerKind.FULL_TIME,
    "兼职": GridWorkerKind.PART_TIME,
    "网格警员": GridWorkerKind.POLICE,
    "社区民警": GridWorkerKind.POLICE,
    "调解员": GridWorkerKind.MEDIATOR,
}
KIND_LABELS = {kind: name for name, kind in reversed(KIND_NAMES.items())}

KIND = Column(
    "kind",
    gettext_lazy("Type"),
    synonyms=("类型", "网格员类型", "类别", "岗位"),
    required=True,
    choices=tuple(KIND_LABELS[kind] for kind in GridWorkerKind),
)
GRID = Column(
    "grid",
    gettext_lazy("Grid code"),
    synonyms=("网格编码", "网格代码", "所属网格", "网格编号", "微网格编码"),
    required=True,
    text=True,
    help=gettext_lazy("The code of the grid or micro-grid the worker serves."),
)
PHONE = Column(
    "public_phone",
    gettext_lazy("Published phone"),
    synonyms=("公开电话", "公示电话", "联系电话", "电话", "手机", "手机号", "手机号码"),
    text=True,
)
START = Column(
    "start_date",
    gettext_lazy("Start of service"),
    synonyms=("上岗日期", "上岗时间", "开始日期", "任职日期"),
    help=gettext_lazy("A new worker without a start date starts today."),
)
END = Column(
    "end_date",
    gettext_lazy("End of service"),
    synonyms=("离岗日期", "离岗时间", "结束日期", "离任日期"),
    help=gettext_lazy("Leave blank while the worker serves."),
)
WRITTEN = ("kind", "public_phone", "start_date", "end_date")
DATES = ("start_date", "end_date")
FIELDS = ("pk", "region_code", "name", *WRITTEN)
EXPORT_CHUNK = 2000


def _stored(values: dict) -> dict:
    """A worker's fields as staged rows hold them (dates as ISO text)."""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}


def _value(name: str, value):
    return dt.date.fromisoformat(value) if name in DATES and value else value


class GridWorkersKind(RosterKind):
    slug = "grid_workers"
    label = gettext_lazy("Grid workers")
    title = "网格员花名册"
    columns = (NAME, KIND, GRID, PHONE, START, END)
    example = {
        "name": "张三", "kind": "专职网格员", "grid": "640302001001001", "public_phone": "13800000000",
        "start_date": "2024-01-01", "end_date": "",
    }  # fmt: skip
    key_column = "name"

    def context(self, job) -> Scope:
        return Scope(prefixes=job_prefixes(job))

    # ------------------------------------------------------------------ clean (no database)

    def clean(self, row: Pending, context: Scope) -> None:
        raw, errors, data = row.raw, row.errors, {}
        data["name"], error = cells.clean_text(raw.get("name"))
        if error or data["name"] is None:
            errors.append(f"{NAME.label}：{error}" if error else _("%(column)s: please fill in this column.") % {
                "column": NAME.label
            })  # fmt: skip
        elif message := too_long(NAME, data["name"], 64):
            errors.append(message)
        text = match_key(cells.number_text(raw.get("kind") or ""))
        data["kind"] = KIND_NAMES.get(text) or (text if text in GridWorkerKind.values else None)
        if data["kind"] is None:
            errors.append(
                _("%(column)s: write one of %(values)s.") % {"column": KIND.label, "values": "、".join(KIND.choices)}
            )
        data["region_code"], error = region_code(raw.get("grid"), GRID, RegionLevel.GRID)
        if error or data["region_code"] is None:
            errors.append(error or _("%(column)s: please fill in this column.") % {"column": GRID.label})
        data["public_phone"], error = cells.clean_phone(raw.get("public_phone"))
        errors.extend([f"{PHONE.label}：{error}"] if error else [])
        for column in (START, END):
            value, error = cells.clean_date(raw.get(column.key))
            errors.extend([f"{column.label}：{error}"] if error else [])
            data[column.key] = value.isoformat() if value else None
        self._order(row, data)
        if not errors:
            row.key = f"{data['region_code']}/{match_key(data['name'])}"
            row.data = data

    def _order(self, row: Pending, data: dict) -> None:
        if data["start_date"] and data["end_date"] and data["end_date"] < data["start_date"]:
            row.errors.append(
                _("%(column)s: the end date is before the start date %(date)s.")
                % {"column": END.label, "date": data["start_date"]}
            )

    # ------------------------------------------------------------------ resolve (a batch, a few queries)

    def resolve(self, rows: list[Pending], context: Scope) -> None:
        load_regions({row.data["region_code"] for row in rows}, context)
        for row in rows:
            row.data["region_id"] = check_region(row, row.data["region_code"], GRID, context, GRID_LEVELS)
        rows = [row for row in rows if not row.errors]
        found = defaultdict(list)
        for values in GridWorker.objects.filter(
            region_code__in={row.data["region_code"] for row in rows}, name__in={row.data["name"] for row in rows}
        ).values(*FIELDS):
            found[(values["region_code"], values["name"])].append(_stored(values))
        today = timezone.localdate().isoformat()
        for row in rows:
            candidates = found.get((row.data["region_code"], row.data["name"]), [])
            open_posts = [c for c in candidates if c["end_date"] is None or c["end_date"] >= today]
            if len(candidates) > 1 and len(open_posts) != 1:
                row.errors.append(
                    _("Name: several grid workers named %(name)s serve grid %(code)s; correct them in the ledger "
                      "first.") % {"name": row.data["name"], "code": row.data["region_code"]}
                )  # fmt: skip
                continue
            self._compare(row, (open_posts if len(candidates) > 1 else candidates) or [None], today)

    def _compare(self, row: Pending, candidates: list, today: str) -> None:
        data, current = row.data, candidates[0]
        if current is None:
            data["public_phone"] = data["public_phone"] or ""
            data["start_date"] = data["start_date"] or today
            row.status = RowStatus.NEW
        else:
            row.target_id = current["pk"]
            before = {}
            for name in WRITTEN:
                if data[name] is None:
                    data[name] = current[name]
                elif data[name] != current[name]:
                    before[name] = current[name]
            row.before = before or None
            row.status = RowStatus.CHANGED if before else RowStatus.UNCHANGED
        self._order(row, data)

    # ------------------------------------------------------------------ apply, undo

    def apply(self, job, progress) -> int:
        written = 0
        for chunk in staged_batches(job):
            written += _apply_batch(job, chunk)
            progress(written)
        return written

    def undo(self, job) -> list[str]:
        changes = list(
            ImportChange.objects.filter(job=job).values_list("number", "object_id", "action", "before", "after")
        )
        current = {
            values["pk"]: _stored(values)
            for values in GridWorker.objects.filter(pk__in=[c[1] for c in changes]).values(*FIELDS)
        }
        conflicts = [
            number
            for number, pk, action, _before, after in changes
            if (pk not in current and action == ChangeAction.CHANGED)
            or (pk in current and any(current[pk][k] != v for k, v in after.items()))
        ]
        created = {pk: number for number, pk, action, _b, _a in changes if action == ChangeAction.CREATED}
        conflicts += referring(GridWorker, created)
        if conflicts:
            return conflict_message(conflicts)
        groups = defaultdict(list)
        for _number, pk, action, before, _after in changes:
            if action == ChangeAction.CHANGED:
                names = tuple(sorted(before))
                groups[names].append((pk, *(_value(name, before[name]) for name in names)))
        for names, rows in groups.items():
            update_rows(GridWorker, names, rows)
        GridWorker.objects.filter(pk__in=list(created)).delete()
        return []

    # ------------------------------------------------------------------ preview

    def changes(self, data: dict, before: dict | None, *, user) -> list[Change]:
        labels = {c.key: str(c.label) for c in self.columns}

        def text(name, value) -> str:
            if name == "kind":
                return KIND_LABELS.get(value, value or "")
            return value or ""

        if before is None:  # a new worker
            return [
                Change(labels["name"], "", data["name"]),
                Change(labels["kind"], "", text("kind", data["kind"])),
                Change(labels["grid"], "", data["region_code"]),
            ]
        return [Change(labels[name], text(name, old), text(name, data.get(name))) for name, old in before.items()]

    # ------------------------------------------------------------------ export (the template's columns)

    def export_queryset(self, user):
        today = timezone.localdate()
        serving = Q(end_date__isnull=True) | Q(end_date__gte=today)
        return GridWorker.objects.visible_to(user).filter(serving).order_by("region_code", "kind", "name", "pk")

    def export_rows(self, queryset, *, full: bool = False) -> Iterator[list]:
        """The published phone is public: nothing to mask."""
        values = queryset.values_list("name", "kind", "region_code", "public_phone", "start_date", "end_date")
        for name, kind, code, phone, start, end in values.iterator(chunk_size=EXPORT_CHUNK):
            yield [name, KIND_LABELS.get(kind, kind), code, phone, start.isoformat(), end.isoformat() if end else ""]


def _apply_batch(job, chunk) -> int:
    """Write one batch of new and changed rows, after making sure the ledger has not moved since the check."""
    new = [(number, data) for number, data, target, _b in chunk if target is None]
    changed = [(number, data, target, before or {}) for number, data, target, before in chunk if target is not None]
    codes, names = {d["region_code"] for _n, d in new}, {d["name"] for _n, d in new}
    taken = set(GridWorker.objects.filter(region_code__in=codes, name__in=names).values_list("region_code", "name"))
    stale = [number for number, data in new if (data["region_code"], data["name"]) in taken]
    current = {
        values["pk"]: _stored(values)
        for values in GridWorker.objects.filter(pk__any=[t for _n, _d, t, _b in changed]).values(*FIELDS)
    }
    for number, data, target, before in changed:
        expected = {name: data[name] for name in ("region_code", "name", *WRITTEN)} | before
        now = current.get(target)
        if now is None or any(now[name] != value for name, value in expected.items()):
            stale.append(number)
    if stale:
        raise Stale(sorted(stale))
    insert_rows(
        GridWorker,
        ("region", "region_code", "user", "name", *WRITTEN),
        [(d["region_id"], d["region_code"], None, d["name"], *(_value(k, d[k]) for k in WRITTEN)) for _n, d in new],
    )
    numbers = {(d["region_code"], d["name"]): (n, d) for n, d in new}
    changes = []
    for pk, code, name in GridWorker.objects.filter(region_code__in=codes, name__in=names).values_list(
        "pk", "region_code", "name"
    ):
        if (code, name) in numbers:
            number, data = numbers[(code, name)]
            after = {k: data[k] for k in WRITTEN}
            changes.append((job.pk, number, "gridworker", pk, ChangeAction.CREATED, None, after))
    rows = []
    for number, data, target, before in changed:
        rows.append((target, *(_value(k, data[k]) for k in WRITTEN)))
        after = {k: data[k] for k in WRITTEN}  # what the row wrote, changed or not
        changes.append((job.pk, number, "gridworker", target, ChangeAction.CHANGED, before, after))
    update_rows(GridWorker, WRITTEN, rows)
    insert_rows(ImportChange, CHANGE_FIELDS, changes)
    return len(chunk)


register(GridWorkersKind())
