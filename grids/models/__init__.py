"""The territory (a prefix tree of standard codes) and the resident ledger.

The modules: regions (the tree and its code history), places (estates, buildings, units, households),
residents (the ledger, tags, residence history, the personal-data access log), workers (grid workers
and service stations). Every model is imported here, so the app label and migrations stay those of
one `grids.models` module.
"""

from .places import Building, Estate, EstateKind, Household, PlaceQuerySet, TerritorialQuerySet, Unit
from .regions import DEFAULT_TARGETS, Region, RegionCodeHistory, RegionLevel, RegionQuerySet, code_index
from .residents import (
    ELDERLY_AGE,
    ELDERLY_TAG,
    Gender,
    LedgerColour,
    PiiAccessLog,
    Relation,
    Residence,
    ResidencyType,
    Resident,
    ResidentQuerySet,
    Tag,
)
from .workers import GridWorker, GridWorkerKind, ServiceStation, StationKind

__all__ = [
    "DEFAULT_TARGETS",
    "ELDERLY_AGE",
    "ELDERLY_TAG",
    "Building",
    "Estate",
    "EstateKind",
    "Gender",
    "GridWorker",
    "GridWorkerKind",
    "Household",
    "LedgerColour",
    "PiiAccessLog",
    "PlaceQuerySet",
    "Region",
    "RegionCodeHistory",
    "RegionLevel",
    "RegionQuerySet",
    "Relation",
    "Residence",
    "ResidencyType",
    "Resident",
    "ResidentQuerySet",
    "ServiceStation",
    "StationKind",
    "Tag",
    "TerritorialQuerySet",
    "Unit",
    "code_index",
]
