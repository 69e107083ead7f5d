"""Admin screens: territory and ledger tables, the roster export and region re-coding.

Importing the modules registers their screens: regions (the tree and re-coding), places (estates to
households, grid workers, stations), residents (the ledger, the roster export, tags, the access log).
"""

from .places import BuildingAdmin, EstateAdmin, GridWorkerAdmin, HouseholdAdmin, ServiceStationAdmin, UnitAdmin
from .regions import BOUNDARY_FIELDS, CENTRE_FIELDS, RegionAdmin, RegionCodeHistoryAdmin, RegionRecodeForm
from .residents import PiiAccessLogAdmin, ResidenceInline, ResidentAdmin, TagAdmin

__all__ = [
    "BOUNDARY_FIELDS",
    "CENTRE_FIELDS",
    "BuildingAdmin",
    "EstateAdmin",
    "GridWorkerAdmin",
    "HouseholdAdmin",
    "PiiAccessLogAdmin",
    "RegionAdmin",
    "RegionCodeHistoryAdmin",
    "RegionRecodeForm",
    "ResidenceInline",
    "ResidentAdmin",
    "ServiceStationAdmin",
    "TagAdmin",
    "UnitAdmin",
]
