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
# Derived or kept by the ledger: exported, never imported.
GENDER = "性别"
BIRTH_DATE = "出生日期"
REGION_CODE = "网格编码"

IMPORT_COLUMNS = (NAME, ID_NUMBER, PHONE, ESTATE, BUILDING, UNIT, ROOM, RESIDENCY, RELATION, COLOUR, TAGS, NOTE)
# Columns Excel must keep as text: an 18-digit ID typed into a number cell loses its last digits.
TEXT_COLUMNS = (ID_NUMBER, PHONE, BUILDING, UNIT, ROOM)

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
# The values a roster offers for its choice columns (the import centre's templates and checks).
CHOICE_COLUMNS = {
    RESIDENCY: ("户籍", "常住", "流动", "寄住"),
    RELATION: ("户主", "配偶", "子女", "父母", "孙子女", "祖父母", "兄弟姐妹", "女婿儿媳", "租户", "其他"),
    COLOUR: ("红", "黄", "蓝", "橙"),
}
TAG_SEPARATORS = re.compile(r"[、,，;；/]+")


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
