"""议事协商 services: topics through the six steps, meetings and votes, publication, objections, implementation.

Who may do what:
- propose a topic: community workers and street staff (editors) and the grid roles working inside the
  community (grid members collect topics from residents);
- every other step, meetings, publications, answers and implementation: editors (`can_edit_party`);
- objections: anyone, through the public page, while the publication runs.
A step that is not the topic's current one raises TopicConflict (409); a broken rule raises ValidationError.

The modules: common (access, the state machine, events), votes, topics, meetings, publication (公示 and
objections), case_links (cases sent to deliberation and follow-up cases).
"""

from .case_links import case_send_to_deliberation, topic_create_case
from .common import (
    AGENDA_STEPS,
    PROPOSE_ROLES,
    PUBLICATION_MIN_DAYS,
    TRANSITIONS,
    TopicConflict,
    allowed_moves,
    can_edit_deliberation,
    can_propose_at,
)
from .meetings import meeting_record
from .publication import objection_add, objection_answer, publication_start
from .topics import (
    implementation_update_add,
    topic_archive,
    topic_create,
    topic_move,
    topic_record_decision,
    topic_set_plan,
)
from .votes import VoteResult, meeting_present, topic_passed_options, vote_counts_passed, vote_result

__all__ = [
    "AGENDA_STEPS",
    "PROPOSE_ROLES",
    "PUBLICATION_MIN_DAYS",
    "TRANSITIONS",
    "TopicConflict",
    "VoteResult",
    "allowed_moves",
    "can_edit_deliberation",
    "can_propose_at",
    "case_send_to_deliberation",
    "implementation_update_add",
    "meeting_present",
    "meeting_record",
    "objection_add",
    "objection_answer",
    "publication_start",
    "topic_archive",
    "topic_create",
    "topic_create_case",
    "topic_move",
    "topic_passed_options",
    "topic_record_decision",
    "topic_set_plan",
    "vote_counts_passed",
    "vote_result",
]
