from rest_framework import viewsets

from regions.api.serializers import RegionSerializer
from regions.filters import RegionFilterSet
from regions.models import Region
from regions.scoping import ScopedViewSetMixin


class RegionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Regions in the caller's jurisdiction, by code. Filter by `level`, `parent` or `within` (subtree)."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_class = RegionFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[0-9]{2,12}"
    ordering_fields = ["code", "name", "level"]
    ordering = ["code"]
