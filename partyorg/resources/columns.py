"""The Party files' format: Chinese column names and values, dates as people write them, the templates."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from grids.resources import ROSTER_FORMATS
from grids.resources.roster import cell_text, match_key

from ..models import MemberCategory, OrgKind

ORG_NAME = "组织名称"
ORG_KIND = "组织类型"
PARENT = "上级组织"
REGION_CODE = "区划编码"
ESTATE = "小区"
BUILDINGS = "楼栋"
FOUNDED_ON = "成立日期"
ORG_COLUMNS = (ORG_NAME, ORG_KIND, PARENT, REGION_CODE, ESTATE, BUILDINGS, FOUNDED_ON)
ORG_REQUIRED = (ORG_NAME, ORG_KIND, REGION_CODE)
# Member file.
NAME = "姓名"
ORG = "所在组织"
CATEGORY = "党员类别"
ID_NUMBER = "身份证号"
PHONE = "电话"
JOINED_PARTY = "入党日期"
JOINED_ORG = "转入日期"
WORKPLACE = "工作单位"
MEMBER_COLUMNS = (NAME, ORG, CATEGORY, ID_NUMBER, PHONE, JOINED_PARTY, JOINED_ORG, WORKPLACE)
MEMBER_REQUIRED = (NAME, ORG, CATEGORY)
TEXT_COLUMNS = (ID_NUMBER, PHONE, REGION_CODE, BUILDINGS)

HEADER_ALIASES = {
    "组织": ORG_NAME,
    "党组织名称": ORG_NAME,
    "类型": ORG_KIND,
    "上级党组织": PARENT,
    "编码": REGION_CODE,
    "网格编码": REGION_CODE,
    "所属党组织": ORG,
    "党组织": ORG,
    "类别": CATEGORY,
    "身份证号码": ID_NUMBER,
    "联系电话": PHONE,
    "手机号": PHONE,
    "手机": PHONE,
    "入党时间": JOINED_PARTY,
    "转入时间": JOINED_ORG,
    "单位": WORKPLACE,
}
KIND_NAMES = {
    "党工委": OrgKind.WORKING_COMMITTEE,
    "街道党工委": OrgKind.WORKING_COMMITTEE,
    "党委": OrgKind.COMMITTEE,
    "社区党委": OrgKind.COMMITTEE,
    "党总支": OrgKind.GENERAL_BRANCH,
    "党支部": OrgKind.BRANCH,
    "党小组": OrgKind.GROUP,
    "联合党委": OrgKind.JOINT_COMMITTEE,
    "大工委": OrgKind.JOINT_COMMITTEE,
    "物业企业党支部": OrgKind.PROPERTY_BRANCH,
    "业委会党支部": OrgKind.OWNERS_BRANCH,
    "行业协会党支部": OrgKind.ASSOCIATION_BRANCH,
    "新就业群体党支部": OrgKind.NEW_EMPLOYMENT_BRANCH,
}
CATEGORY_NAMES = {
    "直管党员": MemberCategory.DIRECT,
    "直管": MemberCategory.DIRECT,
    "在职党员": MemberCategory.IN_SERVICE,
    "在职": MemberCategory.IN_SERVICE,
    "退休党员": MemberCategory.RETIRED,
    "退休": MemberCategory.RETIRED,
    "流动党员": MemberCategory.MOBILE,
    "流动": MemberCategory.MOBILE,
}
CHOICE_COLUMNS = {
    ORG_KIND: tuple(name for name in KIND_NAMES if name not in {"街道党工委", "社区党委", "大工委"}),
    CATEGORY: ("直管党员", "在职党员", "退休党员", "流动党员"),
}
MAX_ROWS = 3000
SEPARATORS = re.compile(r"[、,，;；/]+")
DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?$")

# Service field -> column, for each file.
ORG_FIELD_COLUMNS = {
    "name": ORG_NAME, "kind": ORG_KIND, "parent": PARENT, "region": REGION_CODE,
    "buildings": BUILDINGS, "founded_on": FOUNDED_ON,
}  # fmt: skip
MEMBER_FIELD_COLUMNS = {
    "name": NAME, "org": ORG, "category": CATEGORY, "resident": ID_NUMBER, "phone": PHONE,
    "joined_party_on": JOINED_PARTY, "joined_org_on": JOINED_ORG, "workplace": WORKPLACE,
}  # fmt: skip
FORMATS = ROSTER_FORMATS


def canonical_header(header) -> str:
    text = match_key(cell_text(header))
    return HEADER_ALIASES.get(text, text)


def parse_date(value) -> dt.date | None:
    """A date cell: an Excel date, 2024-07-01, 2024/7/1, 2024.07 or 2024年7月1日 (a month alone is its first day)."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = DATE_RE.match(match_key(cell_text(value)))
    if not match:
        raise ValueError
    year, month, day = match.groups()
    return dt.date(int(year), int(month), int(day or 1))


def column_errors(exc: ValidationError, columns: dict[str, str]) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {NON_FIELD_ERRORS: exc.messages}
    errors: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        errors.setdefault(columns.get(name, name if name in columns.values() else NON_FIELD_ERRORS), []).extend(
            messages
        )
    return errors


def template_file(columns: tuple[str, ...], file_format: str, title: str) -> bytes:
    """An empty file with the import columns: CSV (UTF-8 with BOM) or XLSX with drop-downs."""
    if file_format == "csv":
        return ("\ufeff" + ",".join(columns) + "\r\n").encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(columns))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, 1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = 22 if column in (ORG_NAME, ORG, ID_NUMBER, WORKPLACE) else 14
        if column in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
        if column in CHOICE_COLUMNS:
            rule = DataValidation(type="list", formula1='"' + ",".join(CHOICE_COLUMNS[column]) + '"', allow_blank=True)
            rule.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(rule)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
