import pytest
from cases import services
from cases.models import CaseState, CaseLevel, CaseEvent
from notifications.models import Notification
from tests.case_factories import file_case
from django.utils import timezone
import datetime as dt

@pytest.mark.django_db
def test_flow(case_world):
    w = case_world
    c = file_case(w, building=w.t.building_a1)
    assert c.number.startswith("640302-")
    assert c.region_code == w.t.micro_a1.code
    c = services.case_accept(case=c, actor=w.u.grid_a1)
    c = services.case_dispatch(case=c, actor=w.u.grid_a1)
    c = services.case_resolve(case=c, actor=w.u.grid_a1, resolution="清理完毕")
    c = services.case_verify(case=c, actor=w.u.community, ok=True)
    assert c.state == CaseState.CLOSED and c.closed_level == "grid"
    f = services.case_follow_up(case=c, actor=w.u.community, satisfaction="unsatisfied")
    c.refresh_from_db(); assert c.state == CaseState.IN_PROGRESS
    c2 = file_case(w)
    r = services.sweep_deadlines(now=timezone.now() + dt.timedelta(days=30))
    print(r)
    c2.refresh_from_db(); print(c2.level, c2.state, c2.due_at)
    assert c2.level == CaseLevel.COMMUNITY
    print(list(c2.events.values_list("action", flat=True)))
    print(Notification.objects.count())
    s = services.case_summon(case=c2, actor=w.street, departments=[w.department])
    services.summons_report(summons=s[0], actor=w.dept_user, report="已处理")
