"""Party organisations as a tree whose depth is data, their members and the positions they hold."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grids.models import Building, Region, Resident, Unit, code_index

from .scoping import ScopedQuerySet


class OrgKind(models.TextChoices):
    WORKING_COMMITTEE = "working_committee", _("Party working committee (党工委)")
    COMMITTEE = "committee", _("Party committee (党委)")
    GENERAL_BRANCH = "general_branch", _("General Party branch (党总支)")
    BRANCH = "branch", _("Party branch (党支部)")
    GROUP = "group", _("Party group (党小组)")
    JOINT_COMMITTEE = "joint_committee", _("Joint Party committee (联合党委)")
    PROPERTY_BRANCH = "property_branch", _("Property firm Party branch (物业企业党支部)")
    OWNERS_BRANCH = "owners_branch", _("Owners' committee Party branch (业委会党支部)")
    ASSOCIATION_BRANCH = "association_branch", _("Trade association Party branch (行业协会党支部)")
    NEW_EMPLOYMENT_BRANCH = "new_employment_branch", _("New-employment workers' Party branch (新就业群体党支部)")


# Kinds that stand for a place of the territory (community, grid, buildings); the others are
# attached to a place only for scoping (a firm's branch belongs to the community it serves).
TERRITORIAL_KINDS = frozenset(
    {OrgKind.WORKING_COMMITTEE, OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH, OrgKind.GROUP}
)


class PartyOrg(models.Model):
    """One Party organisation; `parent` makes the chain (three to five levels, as each place has it)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=24, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="party_orgs",
        verbose_name=_("place"),
        help_text=_("The street, community or grid the organisation stands for or serves."),
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    buildings = models.ManyToManyField(
        Building, blank=True, related_name="party_orgs", verbose_name=_("buildings (for building groups)")
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Party organisation")
        verbose_name_plural = _("Party organisations")
        ordering = ["region_code", "sort_order", "name"]
        indexes = [code_index("partyorg")]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="partyorg_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_territorial(self) -> bool:
        return self.kind in TERRITORIAL_KINDS

    @property
    def is_active(self) -> bool:
        return self.dissolved_on is None or self.dissolved_on >= timezone.localdate()


class MemberCategory(models.TextChoices):
    DIRECT = "direct", _("Directly managed (直管党员)")
    IN_SERVICE = "in_service", _("In-service (在职党员)")
    RETIRED = "retired", _("Retired (退休党员)")
    MOBILE = "mobile", _("Mobile (流动党员)")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    TRANSFERRED = "transferred", _("Transferred out")
    DECEASED = "deceased", _("Deceased")


class PartyMember(models.Model):
    """A Party member of an organisation, linked to the resident ledger where they live here."""

    org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="members", verbose_name=_("organisation"))
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    resident = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_memberships",
        verbose_name=_("resident"),
    )
    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    category = models.CharField(pgettext_lazy("party", "category"), max_length=12, choices=MemberCategory.choices)
    joined_party_on = models.DateField(_("joined the Party on"), null=True, blank=True)
    joined_org_on = models.DateField(_("joined this organisation on"), default=timezone.localdate)
    status = models.CharField(_("status"), max_length=12, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    workplace = models.CharField(_("workplace"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("Party member")
        verbose_name_plural = _("Party members")
        ordering = ["region_code", "org_id", "name", "id"]
        indexes = [code_index("partymember")]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "resident"], condition=Q(resident__isnull=False), name="partymember_once_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PositionTitle(models.TextChoices):
    SECRETARY = "secretary", _("Secretary (书记)")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary (副书记)")
    COMMITTEE_MEMBER = "committee_member", _("Committee member (委员)")
    GROUP_LEADER = "group_leader", _("Group leader (组长)")
    BUILDING_HEAD = "building_head", _("Party member building head (党员楼栋长)")
    CENTRAL_HOUSEHOLD = "central_household", _("Party member central household (党员中心户)")
    GRID_HEAD = "grid_head", _("Grid head (网格长)")
    UNIT_STEWARD = "unit_steward", _("Unit red steward (单元红管家)")


class PositionQuerySet(ScopedQuerySet):
    def current(self, on=None):
        day = on or timezone.localdate()
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


class Position(models.Model):
    """A position held by a member for a period: in an organisation, at a building or at a unit."""

    member = models.ForeignKey(
        PartyMember, on_delete=models.CASCADE, related_name="positions", verbose_name=_("member")
    )
    org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, related_name="positions", verbose_name=_("organisation")
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    title = models.CharField(_("position"), max_length=20, choices=PositionTitle.choices)
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="party_positions",
        verbose_name=_("building"),
    )  # fmt: skip
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="party_positions", verbose_name=_("unit")
    )
    start_date = models.DateField(pgettext_lazy("party", "from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["org_id", "title", "start_date"]
        indexes = [code_index("position")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="position_end_after_start",
                violation_error_message=_("A position cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(title="unit_steward") | Q(unit__isnull=False),
                name="position_steward_has_unit",
                violation_error_message=_("A unit red steward is assigned to a unit."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_title_display()}"


class CrossAppointment(models.Model):
    """双向进入、交叉任职: a person holding a role in the community organisation and in a firm or committee."""

    class OrganisationKind(models.TextChoices):
        PROPERTY_FIRM = "property_firm", _("Property firm")
        OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
        OTHER = "other", _("Other organisation")

    community_org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, related_name="cross_appointments", verbose_name=_("community organisation")
    )
    region_code = models.CharField(_("region code"), max_length=17, editable=False)
    member = models.ForeignKey(
        PartyMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="cross_appointments",
        verbose_name=_("member"),
    )  # fmt: skip
    person_name = models.CharField(_("name"), max_length=64)
    community_role = models.CharField(_("role in the community"), max_length=64)
    organisation_kind = models.CharField(_("kind of organisation"), max_length=20, choices=OrganisationKind.choices)
    organisation_name = models.CharField(_("organisation"), max_length=100)
    organisation_role = models.CharField(_("role there"), max_length=64)
    start_date = models.DateField(pgettext_lazy("party", "from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cross-appointment")
        verbose_name_plural = _("cross-appointments")
        ordering = ["region_code", "person_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="crossappointment_end_after_start",
                violation_error_message=_("An appointment cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_name} · {self.organisation_name}"


__all__ = [
    "TERRITORIAL_KINDS",
    "CrossAppointment",
    "MemberCategory",
    "MemberStatus",
    "OrgKind",
    "PartyMember",
    "PartyOrg",
    "Position",
    "PositionTitle",
]
