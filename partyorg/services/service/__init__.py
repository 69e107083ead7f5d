"""Writes of 双报到 and service records, co-building units with "一书三单", and 书记领办项目.

Every function is keyword-only and transactional; bad input raises ValidationError with field
keys, and a user without an editing role at the place raises PermissionDenied.

The modules: common (the edit check and shared date checks), dual (双报到 and service records),
cobuilding (units and agreements), lists (the three lists), projects (书记领办).
"""

from .cobuilding import UNIT_FIELDS, agreement_add, cobuilding_unit_add, cobuilding_unit_update
from .common import require_edit
from .dual import dual_registration_add, dual_registration_end, service_record_add
from .lists import MATCHABLE_STATUSES, UNIT_KINDS, list_item_add, list_item_set_status, need_match, project_from_need
from .projects import holds_secretary, project_update_add, secretary_project_add

__all__ = [
    "MATCHABLE_STATUSES",
    "UNIT_FIELDS",
    "UNIT_KINDS",
    "agreement_add",
    "cobuilding_unit_add",
    "cobuilding_unit_update",
    "dual_registration_add",
    "dual_registration_end",
    "holds_secretary",
    "list_item_add",
    "list_item_set_status",
    "need_match",
    "project_from_need",
    "project_update_add",
    "require_edit",
    "secretary_project_add",
    "service_record_add",
]
