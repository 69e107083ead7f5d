"""The dashboards' figures through the API: /api/v1/stats/… (summary, children, trend, categories, map).

Every endpoint takes `place` (a region code the user may see a dashboard of; empty for the user's
first place), a period (`period` = month | 30d | quarter | year | custom with `start` and `end`)
and optionally `category` (a category code). Out-of-scope and missing places answer 404.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.stat_selectors import open_case_points

from .context import FilterError, read_filters
from .figures import compute
from .figures.definitions import FIGURES, LIVE_FIGURES
from .places import child_regions, region_names, resolve_place
from .rollup.job import data_as_of

PARAMS = [
    OpenApiParameter("place", str, description="Region code (2–17 digits); empty: your first place."),
    OpenApiParameter("period", str, enum=["month", "30d", "quarter", "year", "custom"], description="Default month."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day, with period=custom."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, with period=custom."),
    OpenApiParameter("category", str, description="A case category code (a top category covers its subcategories)."),
]
ERRORS = {
    400: OpenApiResponse(description="A bad period or category."),
    404: OpenApiResponse(description="No such place among yours."),
}


class FiguresSerializer(serializers.Serializer):
    filed = serializers.IntegerField()
    concluded = serializers.IntegerField()
    in_grid_rate = serializers.FloatField(allow_null=True)
    in_community_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    avg_hours = serializers.FloatField(allow_null=True)
    median_hours = serializers.FloatField(allow_null=True)
    reopen_rate = serializers.FloatField(allow_null=True)
    unresolvable = serializers.IntegerField()
    rejected = serializers.IntegerField()
    escalated = serializers.IntegerField()
    check_in_rate = serializers.FloatField(allow_null=True)


class SummaryResponse(serializers.Serializer):
    place = serializers.CharField()
    name = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    figures = FiguresSerializer()
    previous = FiguresSerializer(help_text="The same figures for the period of the same length just before.")
    open_now = serializers.IntegerField()
    overdue_now = serializers.IntegerField()
    reminders_due = serializers.IntegerField()
    enough_sample = serializers.BooleanField(help_text="At least 20 cases concluded in the period.")
    data_as_of = serializers.DateTimeField(allow_null=True)
    definitions = serializers.DictField(child=serializers.CharField(), help_text="How each figure is computed.")


class ChildSerializer(serializers.Serializer):
    place = serializers.CharField()
    name = serializers.CharField()
    figures = FiguresSerializer()
    open_now = serializers.IntegerField()
    overdue_now = serializers.IntegerField()
    enough_sample = serializers.BooleanField()


class TrendPointSerializer(serializers.Serializer):
    start = serializers.DateField()
    filed = serializers.IntegerField()
    concluded = serializers.IntegerField()
    in_grid_rate = serializers.FloatField(allow_null=True)
    previous_filed = serializers.IntegerField(allow_null=True)
    previous_concluded = serializers.IntegerField(allow_null=True)


class TrendResponse(serializers.Serializer):
    granularity = serializers.ChoiceField(choices=["day", "week", "month"])
    points = TrendPointSerializer(many=True)


class CategoryRowSerializer(serializers.Serializer):
    category = serializers.CharField(allow_null=True, help_text="Null for all other categories together.")
    name = serializers.CharField(allow_null=True)
    filed = serializers.IntegerField()
    concluded = serializers.IntegerField()


def _figures(values: dict) -> dict:
    return {key: values[key] for key in FIGURES}


class _StatsView(APIView):
    def place_and_filters(self, request):
        try:
            place = resolve_place(request.user, request.query_params.get("place") or None)
        except Http404:
            raise NotFound() from None
        try:
            period, category_id, _code = read_filters(request.query_params)
        except FilterError as error:
            raise ValidationError({"detail": str(error)}) from None
        return place, period, category_id


class SummaryView(_StatsView):
    @extend_schema(summary="Headline figures of a place", parameters=PARAMS, responses={200: SummaryResponse, **ERRORS})
    def get(self, request):
        place, period, category_id = self.place_and_filters(request)
        head = compute.summary(place.code, period, category_id=category_id)
        definitions = {key: str(figure.formula) for key, figure in FIGURES.items()}
        definitions.update({key: str(formula) for key, (_label, formula) in LIVE_FIGURES.items()})
        return Response(
            {
                "place": place.code,
                "name": place.name,
                "start": period.start,
                "end": period.end,
                "figures": _figures(head.figures),
                "previous": _figures(head.previous_figures),
                "open_now": head.open_now,
                "overdue_now": head.overdue_now,
                "reminders_due": head.reminders_due,
                "enough_sample": head.enough_sample,
                "data_as_of": data_as_of(),
                "definitions": definitions,
            }
        )


class ChildrenView(_StatsView):
    @extend_schema(
        summary="The figures of each child place (the drill-down table)",
        parameters=PARAMS,
        responses={200: ChildSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        place, period, category_id = self.place_and_filters(request)
        rows = {row["code"]: row for row in compute.children(place.code, period, category_id=category_id)}
        regions = child_regions(place.code)
        names = region_names(set(rows) - set(regions))
        result = []
        for code in sorted(set(rows) | set(regions)):
            row = rows.get(code) or compute.empty_child_row(code)
            name = regions[code].name if code in regions else names.get(code, code)
            result.append(
                {
                    "place": code,
                    "name": name,
                    "figures": _figures(row["figures"]),
                    "open_now": row["open_now"],
                    "overdue_now": row["overdue_now"],
                    "enough_sample": row["enough_sample"],
                }
            )
        return Response(result)


class TrendView(_StatsView):
    @extend_schema(
        summary="Filed and concluded per day, week or month, beside the previous period",
        parameters=PARAMS,
        responses={200: TrendResponse, **ERRORS},
    )
    def get(self, request):
        place, period, category_id = self.place_and_filters(request)
        return Response(compute.trend(place.code, period, category_id=category_id))


class CategoriesView(_StatsView):
    @extend_schema(
        summary="Cases by category: the ten largest and the rest",
        parameters=PARAMS,
        responses={200: CategoryRowSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        from cases.stat_selectors import category_codes

        place, period, category_id = self.place_and_filters(request)
        codes = category_codes()
        rows = compute.categories(place.code, period, category_id=category_id)
        return Response(
            [
                {
                    "category": codes.get(row["category_id"]) if row["category_id"] else None,
                    "name": row["name"],
                    "filed": row["filed"],
                    "concluded": row["concluded"],
                }
                for row in rows
            ]
        )


GEOJSON = OpenApiResponse(description="A GeoJSON FeatureCollection.")


class MapPointsView(_StatsView):
    @extend_schema(
        summary="Open cases of a place with a position, as GeoJSON points (at most 2,000, most urgent first)",
        parameters=PARAMS[:1],
        responses={200: GEOJSON, 404: ERRORS[404]},
    )
    def get(self, request):
        try:
            place = resolve_place(request.user, request.query_params.get("place") or None)
        except Http404:
            raise NotFound() from None
        points = open_case_points(place.code, now=timezone.now())
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p["longitude"], p["latitude"]]},
                "properties": {
                    "number": p["number"],
                    "title": p["title"],
                    "overdue": p["overdue"],
                    "url": f"/cases/{p['id']}/",
                },
            }
            for p in points
        ]
        return Response({"type": "FeatureCollection", "features": features})


class MapRegionsView(_StatsView):
    @extend_schema(
        summary="Child places with their boundary and a rate in percent (`figure`, default in_grid_rate)",
        parameters=[*PARAMS, OpenApiParameter("figure", str, enum=[k for k, f in FIGURES.items() if f.kind == "rate"])],
        responses={200: GEOJSON, **ERRORS},
    )
    def get(self, request):
        from django.urls import reverse

        from dashboards.templatetags.dashboard_tags import pct

        place, period, category_id = self.place_and_filters(request)
        key = request.query_params.get("figure") or "in_grid_rate"
        if key not in FIGURES or FIGURES[key].kind != "rate":
            raise ValidationError({"figure": "Unknown figure."})
        rows = {row["code"]: row for row in compute.children(place.code, period, category_id=category_id)}
        features = []
        for code, region in sorted(child_regions(place.code).items()):
            if not region.boundary:
                continue
            row = rows.get(code)
            value = row["figures"][key] if row and row["enough_sample"] else None
            features.append(
                {
                    "type": "Feature",
                    "geometry": region.boundary,
                    "properties": {
                        "code": code,
                        "name": region.name,
                        "value": None if value is None else round(value * 100, 1),
                        "label": pct(value) if value is not None else str(_too_few()),
                        "url": reverse("dashboards:place", args=[code]),
                    },
                }
            )
        return Response({"type": "FeatureCollection", "features": features})


def _too_few():
    from django.utils.translation import gettext

    return gettext("Too few cases")


urlpatterns = [
    path("stats/summary/", SummaryView.as_view(), name="stats-summary"),
    path("stats/children/", ChildrenView.as_view(), name="stats-children"),
    path("stats/trend/", TrendView.as_view(), name="stats-trend"),
    path("stats/categories/", CategoriesView.as_view(), name="stats-categories"),
    path("stats/map-points/", MapPointsView.as_view(), name="stats-map-points"),
    path("stats/map-regions/", MapRegionsView.as_view(), name="stats-map-regions"),
]
