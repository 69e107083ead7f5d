"""The roster file (居民花名册): Chinese column names and values, as communities keep them in Excel.

The headers and values below are the file format, shared with other government spreadsheets;
they are not translated. Messages about a file go through gettext like every other text.
"""

from __future__ import annotations

import re
import unicodedata

from grids.models import Gender, LedgerColour, Relation, ResidencyType

NAME = "姓名"
ID_NUMBER = "身份证号"
PHONE = "电话"
ESTATE = "小区"
BUILDING = "楼栋"
UNIT = "单元"
ROOM = "房号"
RESIDENCY = "人口类型"
RELATION = "与户主关系"
COLOUR = "台账颜色"
TAGS = "特殊群体"
NOTE = "备注"
# Derived or kept by the ledger: exported (and previewed), never imported.
GENDER = "性别"
BIRTH_DATE = "出生日期"
REGION_CODE = "网格编码"

IMPORT_COLUMNS = (NAME, ID_NUMBER, PHONE, ESTATE, BUILDING, UNIT, ROOM, RESIDENCY, RELATION, COLOUR, TAGS, NOTE)
REQUIRED_COLUMNS = (NAME, ID_NUMBER, ESTATE, BUILDING, UNIT, ROOM)
PREVIEW_COLUMNS = (
    NAME,
    ID_NUMBER,
    GENDER,
    BIRTH_DATE,
    PHONE,
    ESTATE,
    BUILDING,
    UNIT,
    ROOM,
    RESIDENCY,
    RELATION,
    COLOUR,
    TAGS,
)
# Columns Excel must keep as text: an 18-digit ID typed into a number cell loses its last digits.
TEXT_COLUMNS = (ID_NUMBER, PHONE, BUILDING, UNIT, ROOM)

# Headers as communities write them in their own spreadsheets.
HEADER_ALIASES = {
    "身份证号码": ID_NUMBER,
    "身份证": ID_NUMBER,
    "公民身份号码": ID_NUMBER,
    "联系电话": PHONE,
    "手机": PHONE,
    "手机号": PHONE,
    "手机号码": PHONE,
    "小区名称": ESTATE,
    "楼号": BUILDING,
    "楼栋号": BUILDING,
    "单元号": UNIT,
    "房间号": ROOM,
    "门牌号": ROOM,
    "户主关系": RELATION,
    "与户主的关系": RELATION,
    "颜色": COLOUR,
    "特殊人群": TAGS,
}

# Chinese value -> stored value; the first name of each value is the one written on export.
RESIDENCY_NAMES = {
    "户籍": ResidencyType.REGISTERED,
    "常住": ResidencyType.PERMANENT,
    "流动": ResidencyType.FLOATING,
    "寄住": ResidencyType.LODGER,
}
RELATION_NAMES = {
    "户主": Relation.HEAD,
    "本人": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "父母": Relation.PARENT,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "孙子女": Relation.GRANDCHILD,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙子女": Relation.GRANDCHILD,
    "祖父母": Relation.GRANDPARENT,
    "外祖父母": Relation.GRANDPARENT,
    "兄弟姐妹": Relation.SIBLING,
    "女婿儿媳": Relation.CHILD_IN_LAW,
    "女婿": Relation.CHILD_IN_LAW,
    "儿媳": Relation.CHILD_IN_LAW,
    "租户": Relation.TENANT,
    "其他": Relation.OTHER,
}
COLOUR_NAMES = {
    "红": LedgerColour.RED,
    "黄": LedgerColour.YELLOW,
    "蓝": LedgerColour.BLUE,
    "橙": LedgerColour.ORANGE,
}
GENDER_NAMES = {Gender.MALE: "男", Gender.FEMALE: "女"}
# The values offered in the template's drop-downs and on the import page.
CHOICE_COLUMNS = {
    RESIDENCY: ("户籍", "常住", "流动", "寄住"),
    RELATION: ("户主", "配偶", "子女", "父母", "孙子女", "祖父母", "兄弟姐妹", "女婿儿媳", "租户", "其他"),
    COLOUR: ("红", "黄", "蓝", "橙"),
}
TAG_SEPARATORS = re.compile(r"[、,，;；/]+")
# Each of the two requests (preview, then import) runs every row through the services: about
# 2 ms a row on SQLite and 4-5 ms on PostgreSQL, so 3,000 rows stay well inside gunicorn's 60 s.
MAX_ROWS = 3000


def value_name(names: dict[str, str], value: str) -> str:
    return next((name for name, stored in names.items() if stored == value), value)


def cell_text(value) -> str:
    """A cell as text: Excel's 101.0 becomes 101, full-width digits and letters become ASCII."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def match_key(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))


def building_key(number: str) -> str:
    """'1号楼', '1栋', '1幢' and '1' name the same building."""
    return re.sub(r"(号楼|号|栋|幢|楼)$", "", match_key(number))


def unit_key(number: str) -> str:
    return re.sub(r"单元$", "", match_key(number))


def room_key(room: str) -> str:
    return re.sub(r"(室|号)$", "", match_key(room))


def canonical_header(header) -> str:
    text = match_key(cell_text(header))
    return HEADER_ALIASES.get(text, text)


def roster_template(file_format: str) -> bytes:
    """An empty roster with the import columns: CSV (UTF-8 with BOM) or XLSX with drop-downs."""
    if file_format == "csv":
        return ("\ufeff" + ",".join(IMPORT_COLUMNS) + "\r\n").encode("utf-8")
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "居民花名册"
    sheet.append(list(IMPORT_COLUMNS))
    sheet.freeze_panes = "A2"
    last_row = MAX_ROWS + 1
    for index, column in enumerate(IMPORT_COLUMNS, 1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = {ID_NUMBER: 22, NOTE: 30, TAGS: 20}.get(column, 12)
        if column in TEXT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"  # the column's style: new entries are text
        if column in CHOICE_COLUMNS:
            rule = DataValidation(type="list", formula1='"' + ",".join(CHOICE_COLUMNS[column]) + '"', allow_blank=True)
            rule.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(rule)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
