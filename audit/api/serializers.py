from rest_framework import serializers

from audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "ip_address",
            "action",
            "action_display",
            "outcome",
            "outcome_display",
            "object_type",
            "object_id",
            "object_repr",
            "region_code",
            "changes",
            "message",
        ]
        read_only_fields = fields
