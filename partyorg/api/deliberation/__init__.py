"""REST API of 议事协商: topics with their steps, meetings with nested attendees and votes, publications."""

from .views import MeetingViewSet, PublicationViewSet, TopicViewSet

__all__ = ["MeetingViewSet", "PublicationViewSet", "TopicViewSet", "register"]


def register(router) -> None:
    """Add this module's viewsets to the /api/v1/ router."""
    router.register("topics", TopicViewSet, basename="topic")
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("publications", PublicationViewSet, basename="publication")
