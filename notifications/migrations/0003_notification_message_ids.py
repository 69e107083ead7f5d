"""Give existing notifications a message id, so they too are shown in the reader's language.

Rows written before message ids existed hold only their text, in the language that was active
when they were written (the default, Simplified Chinese, or English). Each text that matches one
of the known templates below gets that template's id and the values it was made with; any other
text keeps having no id and is shown as it was stored. The stored text stays as the fallback.
The templates are copied here as they were, so later changes to the catalogue do not change what
this migration does.
"""

from __future__ import annotations

import re

from django.db import migrations

# message id -> the templates its text was made from (English msgid, Simplified Chinese, older forms).
KNOWN = {
    "case.new_in_grid": ["New case in your grid: %(title)s", "您的网格有新事件：%(title)s"],
    "case.accepted": ["Your case was accepted: %(title)s", "您上报的事件已受理：%(title)s"],
    "case.given": ["A case was given to you: %(title)s", "有事件派给您：%(title)s"],
    "case.returned": ["A case was returned to you: %(title)s", "有事件退回给您：%(title)s"],
    "case.rejected": ["Your case was not taken up: %(title)s", "您上报的事件不予受理：%(title)s"],
    "case.escalated": ["A case was escalated to you: %(title)s", "有事件上报给您：%(title)s"],
    "case.resolved": ["Resolved, please verify: %(title)s", "事件已办结，请核查：%(title)s"],
    "case.closed": ["Closed: %(title)s", "已结案：%(title)s"],
    "case.verify_failed": ["Verification failed, please handle again: %(title)s", "核查不通过，请重新办理：%(title)s"],
    "case.unresolvable": ["Filed as unable to resolve: %(title)s", "已挂账：%(title)s"],
    "case.reported_again": ["Reported again: %(title)s", "重复上报：%(title)s"],
    "case.reopened": ["Reopened, the reporter was not satisfied: %(title)s", "反映人不满意，已重新办理：%(title)s"],
    "case.summoned": [
        "Your department is called in: %(title)s",
        "Your department is summoned (吹哨): %(title)s",
        "街道吹哨，请本部门报到：%(title)s",
    ],
    "case.summons_checked_in": ["%(dept)s checked in: %(title)s", "%(dept)s已报到：%(title)s"],
    "case.summons_reported": ["%(dept)s reported back: %(title)s", "%(dept)s已反馈：%(title)s"],
    "case.overdue_escalated": [
        "Overdue, escalated to you: %(number)s %(title)s",
        "超期事件已上报给您：%(number)s %(title)s",
    ],
    "case.overdue": ["Overdue: %(number)s %(title)s", "已超期：%(number)s %(title)s"],
    "case.due_soon": ["Due soon (%(due)s): %(number)s %(title)s", "即将到期（%(due)s）：%(number)s %(title)s"],
    "case.summons_late": [
        "%(dept)s has not checked in in time: %(number)s",
        "%(dept)s has not checked in (报到) in time: %(number)s",
        "%(dept)s未按时报到：%(number)s",
    ],
}

BATCH = 2000
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# A case number has no blank (640302-2026-000123); a due time is "YYYY-MM-DD HH:MM".
_GROUPS = {"number": r"\S+", "due": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"}


def _pattern(template: str) -> re.Pattern:
    parts, last = [], 0
    names = _PLACEHOLDER.findall(template)
    for index, match in enumerate(_PLACEHOLDER.finditer(template)):
        parts.append(re.escape(template[last : match.start()]))
        name = match.group(1)
        greedy = index == len(names) - 1
        parts.append(f"(?P<{name}>{_GROUPS.get(name, '.+' if greedy else '.+?')})")
        last = match.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts), re.DOTALL)


PATTERNS = [(message_id, _pattern(t)) for message_id, templates in KNOWN.items() for t in templates]


def identify(text: str) -> tuple[str, dict] | None:
    """(message id, parameters) of a stored text made from one of the known templates."""
    for message_id, pattern in PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return message_id, match.groupdict()
    return None


def forwards(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    last_pk = 0
    while True:
        rows = list(
            Notification.objects.filter(pk__gt=last_pk, message_id="")
            .order_by("pk")
            .only("pk", "title", "message_id", "params")[:BATCH]
        )
        if not rows:
            return
        last_pk = rows[-1].pk
        changed = []
        for row in rows:
            found = identify(row.title)
            if found:
                row.message_id, row.params = found
                changed.append(row)
        Notification.objects.bulk_update(changed, ["message_id", "params"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_message_id")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
