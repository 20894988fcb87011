"""What the REST API reads and writes. Output serializers are read-only views of the models;
input serializers validate only, and the views hand ``validated_data`` to the services."""

import re
import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from guichet.accounts.models import User
from guichet.api.rest.parsers import JSONTooDeep, load_json
from guichet.catalogue.models import Field, FieldKind, RequestType, Theme
from guichet.citizens.models import Citizen, ContactChannel
from guichet.lib import dates
from guichet.lib.dates import validate_in_range
from guichet.lib.submission_keys import parse_submission_key
from guichet.lib.uploads import MultipleAttachmentField
from guichet.organisation.models import Priority, Role, Service
from guichet.places.bbox import Box, InvalidBox, parse_bbox
from guichet.tickets.lifecycle import Channel, ClosingOutcome, Status
from guichet.tickets.models import ENDED_STATUSES, Attachment, Event, Message, Ticket

ORDERINGS = ("-created_at", "created_at", "-updated_at", "updated_at")

# Catalogue ------------------------------------------------------------------------------------


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["slug", "name", "email", "is_active"]


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["slug", "name", "order"]


class FieldSerializer(serializers.ModelSerializer):
    choices = serializers.ListField(source="choice_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Field
        fields = ["code", "label", "help_text", "kind", "required", "choices", "order"]


class RequestTypeSerializer(serializers.ModelSerializer):
    theme: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    service: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = RequestType
        fields = [
            "slug",
            "name",
            "description",
            "theme",
            "service",
            "deadline_days",
            "is_active",
            "requires_account",
            "requires_family_member",
            "updated_at",
        ]

    def get_fields(self) -> dict:
        # "fields" would shadow Serializer.fields as a class attribute.
        return {**super().get_fields(), "fields": FieldSerializer(many=True, read_only=True)}


class AgentSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.SerializerMethodField()
    role = serializers.ChoiceField(source="agent.role", choices=Role.choices)
    services = serializers.SerializerMethodField(help_text=_("Services de l'agent (slugs)."))

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.get_username()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_services(self, user: User) -> list[str]:
        return sorted(service.slug for service in user.agent.services.all())


class AgentFilterSerializer(serializers.Serializer):
    service = serializers.CharField(required=False, max_length=60, help_text=_("Identifiant (slug) du service."))


# Tickets, read --------------------------------------------------------------------------------


class NamedSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class AgentRefSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: User) -> str:
        return user.get_full_name() or user.get_username()


class CitizenSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Citizen
        fields = ["public_id", "first_name", "last_name"]


class CitizenSerializer(serializers.ModelSerializer):
    class Meta:
        model = Citizen
        fields = [
            "public_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "street",
            "postcode",
            "city",
            "preferred_channel",
            "consent_email",
            "consent_sms",
        ]


class LocationSerializer(serializers.Serializer):
    """Where the request is about (issue 17): WGS 84 degrees, the address, its INSEE code, found in the BAN."""

    address = serializers.CharField(source="address_label", read_only=True)
    lat = serializers.FloatField(source="latitude", read_only=True, allow_null=True)
    lon = serializers.FloatField(source="longitude", read_only=True, allow_null=True)
    citycode = serializers.CharField(source="address_citycode", read_only=True)
    in_base = serializers.BooleanField(
        source="address_in_base",
        read_only=True,
        allow_null=True,
        help_text=_("Adresse trouvée dans la Base adresse nationale ; false : saisie libre, à vérifier."),
    )


class TicketSerializer(serializers.ModelSerializer):
    reference_display = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    request_type = NamedSerializer(read_only=True)
    service = NamedSerializer(read_only=True)
    assignee = AgentRefSerializer(read_only=True, allow_null=True)
    citizen = CitizenSummarySerializer(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    priority = NamedSerializer(
        read_only=True, allow_null=True, help_text=_("Priorité de la demande ; ses objectifs suivent.")
    )
    first_response_due = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("Objectif de première réponse (temps ouvré de la mairie).")
    )
    resolution_due = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("Objectif de résolution (temps ouvré de la mairie).")
    )
    location = LocationSerializer(source="*", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "reference",
            "reference_display",
            "subject",
            "status",
            "status_label",
            "channel",
            "request_type",
            "service",
            "assignee",
            "citizen",
            "created_at",
            "updated_at",
            "status_changed_at",
            "closed_at",
            "due_date",
            "is_overdue",
            "implicit_decision_on",
            "decision",
            "priority",
            "first_response_due",
            "resolution_due",
            "location",
            "version",
        ]


class AnswerSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    kind = serializers.CharField()
    value = serializers.JSONField(help_text="Texte, nombre (en texte), date ISO, liste ou adresse.")


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = [
            "public_id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "field_code",
            "is_public",
            "created_at",
        ]


class MessageSerializer(serializers.ModelSerializer):
    author = AgentRefSerializer(read_only=True, allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices, allow_blank=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["created_at", "author_kind", "author", "visibility", "channel", "body", "attachments"]


class EventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor = AgentRefSerializer(read_only=True, allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices, allow_blank=True, read_only=True)
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    to_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)
    data = serializers.DictField(read_only=True)  # type: ignore[assignment]  # a declared field, not Serializer.data

    class Meta:
        model = Event
        fields = [
            "created_at",
            "kind",
            "kind_label",
            "actor_kind",
            "actor",
            "channel",
            "from_status",
            "to_status",
            "data",
        ]


class HouseholdMemberSerializer(serializers.Serializer):
    public_id = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    birth_date = serializers.DateField()
    relationship = serializers.CharField()


class TicketDetailSerializer(TicketSerializer):
    citizen = CitizenSerializer(read_only=True, allow_null=True)  # type: ignore[assignment]  # the full record here
    household_member = HouseholdMemberSerializer(
        read_only=True, allow_null=True, help_text="Le membre du foyer que la demande concerne (espace famille)."
    )
    api_application = serializers.CharField(
        source="api_key.name",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Application partenaire qui l'a déposée.",
    )
    entered_by = AgentRefSerializer(read_only=True, allow_null=True)
    closing_outcome = serializers.ChoiceField(
        choices=ClosingOutcome.choices,
        allow_blank=True,
        read_only=True,
        help_text="Issue d'une demande clôturée ou classée sans suite ; vide tant qu'elle est ouverte.",
    )
    duplicate_of = serializers.CharField(
        source="duplicate_of.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Numéro de la demande conservée, pour un doublon.",
    )
    answers = AnswerSerializer(many=True, read_only=True)
    form_attachments = AttachmentSerializer(many=True, read_only=True)
    messages = MessageSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "household_member",
            "api_application",
            "entered_by",
            "closing_outcome",
            "competent_body",
            "duplicate_of",
            "answers",
            "form_attachments",
            "messages",
            "events",
        ]


# Query parameters -----------------------------------------------------------------------------


class CommaSeparatedChoices(serializers.ListField):
    """``?status=received,in_progress`` or ``?status=received&status=in_progress``."""

    def get_value(self, dictionary):
        values = dictionary.getlist(self.field_name) if hasattr(dictionary, "getlist") else []
        if not values:
            return serializers.empty
        return [item.strip() for value in values for item in value.split(",") if item.strip()]


class QueryDateField(serializers.DateField):
    """A day within lib.dates' range: year 1 or 9999 would overflow once compared in another time zone."""

    default_validators = [validate_in_range]


class BoxField(serializers.CharField):
    """``lon_min,lat_min,lon_max,lat_max`` in WGS 84, read as Open311's ``bbox`` (``places.bbox``)."""

    def to_internal_value(self, data) -> Box:  # type: ignore[override]  # the filter takes the parsed box
        try:
            return parse_bbox(super().to_internal_value(data))
        except InvalidBox as problem:
            raise serializers.ValidationError(str(problem), code="invalid_bbox") from None


class QueryDateTimeField(serializers.DateTimeField):
    """An unencoded ``+01:00`` offset reaches us as `` 01:00`` (a query string's "+" is a space): put it back.
    Within lib.dates' range, checked before any time zone conversion."""

    UNENCODED_OFFSET = re.compile(r"(T[\d:.]+) (\d{2}:?\d{2})$")

    def to_internal_value(self, value):
        if isinstance(value, str):
            value = self.UNENCODED_OFFSET.sub(r"\1+\2", value.strip())
            try:
                dates.parse_moment(value)
            except dates.DateOutOfRange as problem:
                raise serializers.ValidationError(str(problem), code="date_out_of_range") from None
            except dates.InvalidDate:
                pass  # DRF says what it expects
        return super().to_internal_value(value)


class TicketFilterSerializer(serializers.Serializer):
    status = CommaSeparatedChoices(
        child=serializers.ChoiceField(choices=Status.choices), required=False, help_text=_("Un ou plusieurs statuts.")
    )
    service = serializers.SlugField(required=False, help_text=_("Identifiant (slug) du service."))
    request_type = serializers.SlugField(required=False, help_text=_("Identifiant (slug) de la démarche."))
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    assignee = serializers.CharField(
        required=False, max_length=150, help_text=_("Identifiant de l'agent, « me » pour soi, « none » : non assignée.")
    )
    due_before = QueryDateField(required=False, help_text=_("Échéance au plus tard ce jour."))
    due_after = QueryDateField(required=False, help_text=_("Échéance au plus tôt ce jour."))
    overdue = serializers.BooleanField(required=False, default=None, allow_null=True)
    updated_after = QueryDateTimeField(required=False, help_text=_("Modifiées strictement après (ISO 8601)."))
    created_after = QueryDateTimeField(required=False)
    created_before = QueryDateTimeField(required=False)
    q = serializers.CharField(required=False, max_length=200, help_text=_("Recherche plein texte."))
    bbox = BoxField(
        required=False,
        help_text=_(
            "Demandes localisées dans ce rectangle : longitude min, latitude min, longitude max, latitude max "
            "(WGS 84, degrés décimaux), par exemple 5.72,45.18,5.73,45.19."
        ),
    )
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="-created_at")


class RequestTypeFilterSerializer(serializers.Serializer):
    theme = serializers.SlugField(required=False)
    service = serializers.SlugField(required=False)
    active = serializers.BooleanField(required=False, default=None, allow_null=True)


# Writes ---------------------------------------------------------------------------------------


class SlugLookupField(serializers.SlugRelatedField):
    """A slug that is not one (a NUL byte, which PostgreSQL cannot even compare) is unknown, without a query."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=2_147_483_647, help_text=_("La version de la demande que vous avez lue (409 sinon).")
    )


class CitizenInputSerializer(serializers.Serializer):
    public_id = serializers.CharField(
        required=False, max_length=20, help_text=_("Usager déjà connu ; sinon nom et courriel ou téléphone.")
    )
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30, default="")
    preferred_channel = serializers.ChoiceField(
        choices=ContactChannel.choices,
        required=False,
        help_text=_(
            "Sans valeur, un usager déjà connu garde ses préférences ; une nouvelle fiche prend le courriel "
            "s'il est donné, sinon le SMS."
        ),
    )

    def validate(self, data: dict) -> dict:
        if data.get("public_id"):
            citizen = Citizen.objects.filter(public_id=data["public_id"]).first()
            if citizen is None:
                raise serializers.ValidationError({"public_id": [_("Aucun usager avec cet identifiant.")]})
            return {"existing": citizen}
        if not data["last_name"].strip():
            raise serializers.ValidationError({"last_name": [_("Indiquez le nom de l'usager.")]})
        if not data["email"] and not data["phone"].strip():
            raise serializers.ValidationError(_("Indiquez un courriel ou un téléphone pour pouvoir répondre."))
        return data


class SubmissionKeyField(serializers.UUIDField):
    """A UUID, read by the same parser as the forms' hidden ``submission_key``."""

    def to_internal_value(self, data: object) -> uuid.UUID:
        key = parse_submission_key(data)
        if key is None:
            self.fail("invalid", value=data)
        return key


class LocationInputSerializer(serializers.Serializer):
    address = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        default="",
        help_text=_("Adresse : cherchée dans la BAN (trouvée : position et code INSEE), sinon gardée telle quelle."),
    )
    lat = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-180, max_value=180)

    def validate(self, data: dict) -> dict:
        if (data["lat"] is None) != (data["lon"] is None):
            raise serializers.ValidationError(_("Indiquez la latitude et la longitude, ou aucune des deux."))
        if data["lat"] is None and not data["address"].strip():
            raise serializers.ValidationError(_("Indiquez une adresse, une position (lat, lon) ou les deux."))
        return data


class TicketCreateSerializer(serializers.Serializer):
    request_type = SlugLookupField(
        slug_field="slug", queryset=RequestType.objects.active(), help_text=_("Démarche (slug), active.")
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text=_("Réponses par code de champ ; une adresse : {street, postcode, city}."),
    )
    citizen = CitizenInputSerializer(required=False, allow_null=True, default=None)
    acknowledge = serializers.BooleanField(
        required=False, default=True, help_text=_("Envoyer l'accusé de réception à l'usager.")
    )
    submission_key = SubmissionKeyField(
        required=False, allow_null=True, default=None, help_text=_("Rejouer la même clé renvoie la même demande.")
    )
    location = LocationInputSerializer(
        required=False, allow_null=True, default=None, help_text=_("Le lieu de la demande : {address, lat, lon}.")
    )


FILE_PART = re.compile(r"file\[([^\]]+)\]")


@extend_schema_field(OpenApiTypes.STR)
class JSONTextField(serializers.Field):
    """A multipart text field holding JSON, then validated by ``inner`` like the JSON body's value."""

    def __init__(self, inner: serializers.Field, **kwargs) -> None:
        self.inner = inner
        super().__init__(**kwargs)

    def bind(self, field_name: str, parent) -> None:
        super().bind(field_name, parent)
        self.inner.bind(field_name, parent)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Texte JSON attendu."))
        if not data.strip():
            return self.inner.run_validation(self.inner.get_default())
        try:
            value = load_json(data)
        except JSONTooDeep as problem:
            raise serializers.ValidationError(str(problem)) from None
        except ValueError:
            raise serializers.ValidationError(_("JSON invalide.")) from None
        return self.inner.run_validation(value)


class TicketUploadSerializer(TicketCreateSerializer):
    """The same ticket as multipart/form-data: ``answers`` and ``citizen`` as JSON text, and one part
    ``file[<code>]`` per file field of the request type (checked by content by the type's form)."""

    answers = JSONTextField(  # type: ignore[assignment]  # the same field, sent as JSON text
        serializers.DictField(child=serializers.JSONField(), default=dict),
        required=False,
        default=dict,
        help_text=_("Réponses par code de champ, en JSON (sans les fichiers)."),
    )
    citizen = JSONTextField(  # type: ignore[assignment]  # the same field, sent as JSON text
        CitizenInputSerializer(allow_null=True, default=None),
        required=False,
        default=None,
        help_text=_("L'usager, en JSON, comme dans le corps JSON."),
    )
    location = JSONTextField(  # type: ignore[assignment]  # the same field, sent as JSON text
        LocationInputSerializer(allow_null=True, default=None),
        required=False,
        default=None,
        help_text=_("Le lieu, en JSON, comme dans le corps JSON."),
    )

    def validate(self, data: dict) -> dict:
        files = self.context.get("files", {})
        codes = {field.code for field in data["request_type"].fields.all() if field.kind == FieldKind.FILE}
        errors: dict[str, list[Any]] = {}
        for name in self.initial_data:
            match = FILE_PART.fullmatch(name)
            if name not in files:
                if match:
                    errors[name] = [_("Cette partie doit être un fichier.")]
            elif not match or match[1] not in codes:
                errors[name] = [
                    _("Cette démarche n'a pas de champ fichier pour la partie « %(name)s ».") % {"name": name}
                ]
            elif len(files.getlist(name)) > 1:
                errors[name] = [_("Un seul fichier par champ.")]
        if errors:
            raise serializers.ValidationError(errors)
        return {**data, "files": {match[1]: files[name] for name in files if (match := FILE_PART.fullmatch(name))}}


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000, help_text=_("Texte du message ou de la note."))
    internal = serializers.BooleanField(default=False, help_text=_("Note interne, jamais montrée à l'usager."))
    then = serializers.ChoiceField(
        choices=[Status.AWAITING_CITIZEN, Status.ANSWERED],
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Statut après une réponse : demander un complément ou marquer répondue."),
    )
    version = serializers.IntegerField(min_value=1, max_value=2_147_483_647, required=False, allow_null=True)

    def validate(self, data: dict) -> dict:
        if data["internal"] and data.get("then"):
            raise serializers.ValidationError({"then": [_("Une note interne ne change pas le statut.")]})
        return data


class MessageUploadSerializer(MessageCreateSerializer):
    """A message sent as multipart/form-data, with files (PDF, JPEG, PNG, WebP, HEIC) checked by content."""

    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text=_("Pièces jointes.")
    )

    def validate_files(self, files: list) -> list:
        try:
            return MultipleAttachmentField().clean(files)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class StatusChangeSerializer(VersionedSerializer):
    status = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    outcome = serializers.ChoiceField(
        choices=ClosingOutcome.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Issue, obligatoire pour closed et rejected."),
    )
    competent_body = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        default="",
        help_text=_("Organisme compétent, obligatoire avec l'issue not_for_town_hall."),
    )
    duplicate_of = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        default="",
        help_text=_("Numéro de suivi de la demande conservée, obligatoire avec l'issue duplicate."),
    )

    def validate(self, data: dict) -> dict:
        if data["status"] in ENDED_STATUSES and not data["outcome"]:
            raise serializers.ValidationError(
                {"outcome": [_("Indiquez l’issue de la demande pour la clôturer ou la classer sans suite.")]}
            )
        return data


class AssignSerializer(VersionedSerializer):
    assignee = serializers.CharField(
        allow_null=True, max_length=150, help_text=_("Identifiant de l'agent, ou null pour personne.")
    )

    def validate_assignee(self, username: str | None) -> User | None:
        if username is None:
            return None
        user = User.objects.filter(username=username, is_active=True, agent__isnull=False).first()
        if user is None:
            raise serializers.ValidationError(_("Aucun agent avec cet identifiant."))
        return user


class PriorityChangeSerializer(VersionedSerializer):
    priority = SlugLookupField(
        slug_field="slug", queryset=Priority.objects.all(), help_text=_("Priorité (slug), voir /api/v1/priorities/.")
    )


class PrioritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Priority
        fields = [
            "slug",
            "name",
            "order",
            "is_default",
            "first_response_target",
            "first_response_unit",
            "resolution_target",
            "resolution_unit",
        ]


class TransferSerializer(VersionedSerializer):
    service = SlugLookupField(slug_field="slug", queryset=Service.objects.filter(is_active=True))
    reason = serializers.CharField(max_length=500)
