"""API shapes of campaigns, leads, imports, and the campaign scope of Do-Not-Call checks."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import serializers

from callcenter.api import IdField
from callcenter.schema import LocalTimeField
from crm.serializers import DncCheckSerializer, PhoneNumberSerializerField

from . import selectors
from .models import Campaign, Lead, LeadImport


class CountersSerializer(serializers.Serializer):
    dialed = serializers.IntegerField()
    ringing = serializers.IntegerField()
    connected = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    abandonment_rate = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    abandonment_over_target = serializers.BooleanField()
    contacts = serializers.IntegerField()
    conversions = serializers.IntegerField()
    leads_total = serializers.IntegerField()
    leads_left = serializers.IntegerField()
    leads_no_consent = serializers.IntegerField(
        help_text="Leads skipped because the customer has not given the consent needed."
    )


class CampaignSerializer(serializers.ModelSerializer):
    counters = serializers.SerializerMethodField()
    window_start = LocalTimeField(read_only=True, help_text="Daily, in the lead's local time.")
    window_end = LocalTimeField(read_only=True, help_text="Daily, in the lead's local time.")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "kind",
            "dial_mode",
            "status",
            "caller_id",
            "queue",
            "agents",
            "starts_on",
            "ends_on",
            "window_start",
            "window_end",
            "max_attempts",
            "abandonment_target_percent",
            "pacing_boldness",
            "created_at",
            "started_at",
            "stopped_at",
            "counters",
        ]
        read_only_fields = fields

    def get_counters(self, campaign: Campaign) -> dict:
        return CountersSerializer(selectors.campaign_counters(campaign=campaign)).data


class LeadSerializer(serializers.ModelSerializer):
    # When the campaign's Do-Not-Call scrub stopped the lead (it is not dialled), or null.
    scrub_stopped_at = serializers.DateTimeField(
        source="scrub_stop.stopped_at", default=None, read_only=True
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "campaign",
            "customer",
            "phone",
            "line_type",
            "name",
            "time_zones",
            "data",
            "status",
            "attempts",
            "next_attempt_at",
            "last_outcome",
            "disposition",
            "import_batch",
            "created_at",
            "scrub_stopped_at",
        ]
        read_only_fields = fields


class LeadFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Lead.Status.choices, required=False)
    phone = PhoneNumberSerializerField(required=False)
    import_batch = IdField(required=False)


class LeadImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadImport
        fields = [
            "id",
            "campaign",
            "original_name",
            "mapping",
            "default_time_zone",
            "status",
            "total_rows",
            "processed_rows",
            "imported",
            "duplicates",
            "rejected",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class LeadUploadSerializer(serializers.Serializer):
    """A lead file and how its columns map to lead fields."""

    file = serializers.FileField()
    mapping = serializers.JSONField(
        help_text='{"column": "phone" | "name" | "time_zone" | "account_number" | "email"}; '
        "as a JSON string in multipart requests."
    )
    default_time_zone = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_mapping(self, value: object) -> dict[str, Any]:
        # Multipart forms carry the mapping as text.
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise serializers.ValidationError("Give the mapping as a JSON object.") from None
        if not isinstance(value, dict):
            raise serializers.ValidationError("Give the mapping as a JSON object.")
        return value


class CampaignDncCheckSerializer(DncCheckSerializer):
    """The check's query, scoped to a campaign: its lists bind as well."""

    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all(), required=False)
