"""Random case histories played through the real services on a simulated clock, for the figure tests.

Each step picks a case, a person and one of the actions that person may take now (the same list
the pages show), so every history is one the portal could really produce: escalations by hand and
by the sweep, returns, holds, rejections with reasons, duplicates, verification failures, 挂账,
follow-ups that reopen, unreasonable tags, summonses and late check-ins.
"""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Assignment
from accounts.roles import Role
from cases import services
from cases.models import Case, CaseCategory, Channel, FollowUp, RejectReason, Satisfaction, Summons
from cases.services import access
from cases.services.errors import CaseConflict
from cases.services.escalation import sweep_deadlines
from fixtures.demo.cases.clock import simulated_clock
from tests.factories import UserFactory, assign

CHANNELS = list(Channel.values)


def _cast(w: SimpleNamespace) -> list:
    grid_b1 = UserFactory(username="grid_b1")
    assign(grid_b1, Role.GRID_MEMBER_FULL, w.t.grid_b1)
    w.other_department.staff.add(w.dept_user)
    # The histories start weeks ago: everybody held their post by then.
    Assignment.objects.update(start_date=timezone.localdate() - dt.timedelta(days=400))
    return [w.u.grid_a1, w.u.grid_a2, grid_b1, w.u.community, w.verifier, w.u.outsider, w.street, w.dept_user]


def _act(rng: random.Random, action: str, case: Case, actor, w: SimpleNamespace) -> None:
    v = case.version
    if action == "accept":
        services.case_accept(case=case, actor=actor, expected_version=v)
    elif action == "dispatch":
        services.case_dispatch(case=case, actor=actor, expected_version=v)
    elif action == "reject":
        code = rng.choice(RejectReason.values)
        services.case_reject(case=case, actor=actor, reason="不属于受理范围", reason_code=code, expected_version=v)
    elif action == "duplicate":
        others = Case.objects.filter(region_code__startswith=case.region_code[:12]).exclude(pk=case.pk)
        ids = sorted(others.values_list("pk", flat=True))
        if ids:
            original = Case.objects.get(pk=rng.choice(ids))
            services.case_mark_duplicate(case=case, actor=actor, original=original, expected_version=v)
    elif action == "return":
        services.case_return(case=case, actor=actor, reason="请网格继续处理", expected_version=v)
    elif action == "resolve":
        services.case_resolve(case=case, actor=actor, resolution="已处理", expected_version=v)
    elif action == "hold":
        services.case_hold(case=case, actor=actor, reason="等待配件", expected_version=v)
    elif action == "resume":
        services.case_resume(case=case, actor=actor, expected_version=v)
    elif action == "escalate":
        services.case_escalate(case=case, actor=actor, reason="需要上级协调", expected_version=v)
    elif action == "verify":
        ok = rng.random() < 0.8
        services.case_verify(case=case, actor=actor, ok=ok, note="" if ok else "未处理到位", expected_version=v)
    elif action == "unresolvable":
        services.case_mark_unresolvable(case=case, actor=actor, reason="历史遗留问题", expected_version=v)
    elif action == "tag_unreasonable":
        services.case_tag_unreasonable(case=case, actor=actor, reason="诉求不合理", expected_version=v)
    elif action == "summon":
        departments = rng.sample([w.department, w.other_department], rng.randint(1, 2))
        services.case_summon(case=case, actor=actor, departments=departments, expected_version=v)
    elif action == "follow_up":
        satisfaction = rng.choice(Satisfaction.values)
        follow_up = services.case_follow_up(case=case, actor=actor, satisfaction=satisfaction, expected_version=v)
        # The model's default reads the real clock; the history's own time is the simulated one.
        FollowUp.objects.filter(pk=follow_up.pk).update(created_at=timezone.now())


PLAYED = {
    "accept",
    "dispatch",
    "reject",
    "duplicate",
    "return",
    "resolve",
    "hold",
    "resume",
    "escalate",
    "verify",
    "unresolvable",
    "tag_unreasonable",
    "summon",
    "follow_up",
}


# Steps that move a case on are likelier than the detours, so histories reach their endings.
WEIGHTS = {"accept": 3, "dispatch": 3, "resolve": 4, "verify": 4, "follow_up": 2, "escalate": 0.8}


def play_histories(w: SimpleNamespace, *, seed: int, cases: int = 60, steps: int = 500, days: int = 50) -> dict:
    """File `cases` cases over `days` days and play `steps` random steps; returns what was done, by action."""
    rng = random.Random(seed)
    cast = _cast(w)
    reporters = {
        w.t.grid_a1.code: w.u.grid_a1,
        w.t.micro_a1.code: w.u.grid_a1,
        w.t.grid_a2.code: w.u.grid_a2,
        w.t.grid_b1.code: cast[2],
    }
    places = [w.t.grid_a1, w.t.micro_a1, w.t.grid_a2, w.t.grid_b1]
    categories = list(CaseCategory.objects.filter(parent__code__in=["GA03", "GA02"]).order_by("code")[:6])
    moment = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=days)
    end = moment + dt.timedelta(days=days - 1)
    done: dict[str, int] = {}
    per_case_gap = dt.timedelta(days=days) / (cases + steps)
    filed = 0
    for step in range(cases + steps):
        moment += per_case_gap * rng.uniform(0.2, 1.8)
        moment = min(moment, end)
        with simulated_clock(moment):
            if filed < cases and (step % ((cases + steps) // cases) == 0 or rng.random() < 0.1):
                region = rng.choice(places)
                services.case_create(
                    reporter=reporters[region.code],
                    region=region,
                    category=rng.choice(categories),
                    title=f"事件{filed}",
                    channel=rng.choice(CHANNELS),
                    reporter_name="张三",
                    reporter_phone="13912345678",
                )
                filed += 1
                done["submit"] = done.get("submit", 0) + 1
                continue
            if rng.random() < 0.03:
                sweep_deadlines(now=moment)
                continue
            if rng.random() < 0.05:
                pending = sorted(Summons.objects.filter(checked_in_at__isnull=True).values_list("pk", flat=True))
                if pending:
                    summons = Summons.objects.get(pk=rng.choice(pending))
                    services.summons_check_in(summons=summons, actor=w.dept_user)
                    done["check_in"] = done.get("check_in", 0) + 1
                continue
            ids = sorted(Case.objects.values_list("pk", flat=True))
            if not ids:
                continue
            case = Case.objects.get(pk=rng.choice(ids))
            options = [(a, act) for a in cast for act in sorted(access.allowed_actions(a, case) & PLAYED)]
            if not options:
                continue
            actor, action = rng.choices(options, weights=[WEIGHTS.get(act, 0.5) for _a, act in options])[0]
            try:
                _act(rng, action, case, actor, w)
            except (PermissionDenied, ValidationError, CaseConflict):
                continue
            done[action] = done.get(action, 0) + 1
    return done
