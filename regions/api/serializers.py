from rest_framework import serializers

from regions.models import Region


class RegionSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_display", "parent", "path_name", "is_tibetan_area", "is_community"]
        read_only_fields = fields
