"""API representations of CRM records. Validation here mirrors the forms; services write."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from .models import (
    Case,
    CaseEvent,
    Customer,
    DncEntry,
    DncList,
    EmailAddress,
    Interaction,
    PhoneNumber,
)
from .phones import normalize_phone
from .services import CUSTOMER_FIELDS


class PhoneNumberSerializerField(serializers.CharField):
    """Accepts a number in any format, returns E.164."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_internal_value(self, data: str) -> str:
        text = super().to_internal_value(data)
        try:
            return normalize_phone(text)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class PhoneNumberSerializer(serializers.ModelSerializer):
    number = PhoneNumberSerializerField()

    class Meta:
        model = PhoneNumber
        fields = ["id", "number", "label", "is_primary"]


class EmailAddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = EmailAddress
        fields = ["id", "email", "label"]


class CustomerSerializer(serializers.ModelSerializer):
    phone_numbers = PhoneNumberSerializer(many=True, required=False)
    email_addresses = EmailAddressSerializer(many=True, required=False)
    account_number = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Generated when left out.",
    )

    class Meta:
        model = Customer
        fields = [
            "id",
            *CUSTOMER_FIELDS,
            "phone_numbers",
            "email_addresses",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate_account_number(self, value: str) -> str:
        value = value.strip().upper()
        taken = Customer.objects.filter(account_number=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if value and taken.exists():
            raise serializers.ValidationError("A customer with this account number exists.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Contact points are added through the customer's create call only; changing them
        # afterwards goes through their own admin or pages, so PATCH cannot drop them.
        if self.instance is not None and ("phone_numbers" in attrs or "email_addresses" in attrs):
            raise serializers.ValidationError(
                {"phone_numbers": ["Contact points cannot be changed through this endpoint."]}
            )
        return attrs


class CaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "customer",
            "subject",
            "description",
            "category",
            "priority",
            "status",
            "owner",
            "due_at",
            "resolution",
            "allowed_transitions",
            "created_at",
            "updated_at",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = [
            "status",
            "resolution",
            "created_at",
            "updated_at",
            "resolved_at",
            "closed_at",
        ]

    def get_allowed_transitions(self, case: Case) -> list[str]:
        return list(case.allowed_transitions())

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (
            self.instance is not None
            and "customer" in attrs
            and attrs["customer"] != self.instance.customer
        ):
            raise serializers.ValidationError(
                {"customer": ["A case cannot move to another customer."]}
            )
        return attrs


class CaseTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Case.Status.choices)
    resolution = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class CaseEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor", "changes", "created_at"]


# Calls and case changes are appended by telephony and the case workflow, not by hand.
# Plain values: the schema names each enum by these lists (ENUM_NAME_OVERRIDES).
INTERACTION_KINDS = [str(kind) for kind in Interaction.Kind]
ADDABLE_KINDS = [
    str(kind) for kind in (Interaction.Kind.NOTE, Interaction.Kind.EMAIL, Interaction.Kind.SMS)
]


class InteractionKindField(serializers.ChoiceField):
    """Every kind on the way out; only the kinds people add by hand on the way in."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Interaction.Kind.choices, **kwargs)

    def to_internal_value(self, data: str | int | tuple) -> str:
        kind = str(super().to_internal_value(data))
        if kind not in ADDABLE_KINDS:
            self.fail("invalid_choice", input=data)
        return kind


class InteractionKindFieldSchema(OpenApiSerializerFieldExtension):
    """The schema of InteractionKindField: its enum depends on the direction."""

    target_class = InteractionKindField

    def map_serializer_field(self, auto_schema: object, direction: str) -> dict[str, Any]:
        kinds = INTERACTION_KINDS if direction == "response" else ADDABLE_KINDS
        return {"type": "string", "enum": kinds}


class InteractionSerializer(serializers.ModelSerializer):
    kind = InteractionKindField()
    # DRF's metaclass takes declared fields off the class: this is the output's "source"
    # key, not the Field.source attribute the stubs see it overriding.
    source = serializers.SerializerMethodField()  # type: ignore[assignment]

    class Meta:
        model = Interaction
        fields = [
            "id",
            "customer",
            "kind",
            "direction",
            "occurred_at",
            "actor",
            "summary",
            "body",
            "source",
        ]
        read_only_fields = ["actor"]
        extra_kwargs = {"occurred_at": {"required": False}}

    def get_source(self, interaction: Interaction) -> dict | None:
        source_type = interaction.source_type  # None, with no query, when source_type_id is
        if source_type is None:
            return None
        return {
            "type": f"{source_type.app_label}.{source_type.model}",
            "id": interaction.source_id,
            "url": interaction.source_url(),
        }


class DncEntrySerializer(serializers.ModelSerializer):
    dnc_list = serializers.PrimaryKeyRelatedField(
        queryset=DncList.objects.all(), required=False, help_text="Default: the internal list."
    )
    phone = PhoneNumberSerializerField()

    class Meta:
        model = DncEntry
        fields = ["id", "dnc_list", "phone", "source", "reason", "added_at", "added_by"]
        read_only_fields = ["id", "source", "added_at", "added_by"]
        # Adding a number already listed is not an error: dnc_add returns the entry.
        validators: list = []


class DncRemoveSerializer(serializers.Serializer):
    phone = PhoneNumberSerializerField()
    reason = serializers.CharField(max_length=255)
    dnc_list = serializers.PrimaryKeyRelatedField(queryset=DncList.objects.all(), required=False)


class DncCheckSerializer(serializers.Serializer):
    phone = PhoneNumberSerializerField()


class DncListBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = DncList
        fields = ["id", "name", "kind", "as_of"]


class DncCheckResultSerializer(serializers.Serializer):
    phone = serializers.CharField()
    on_dnc = serializers.BooleanField(
        help_text="May not be called (also by the lists of the scope given, if any)."
    )
    lists = DncListBriefSerializer(many=True)
