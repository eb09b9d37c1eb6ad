"""Circles and their members: one row per membership (the circle's columns repeated on each of its rows; a
row without a member creates the circle alone). Memberships that ended are added first and closed on their
date, then the current ones, then the circles marked active are started: the circles' services check every
rule (7 members at most, one active circle per person, dates in order)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from circles import services as circles
from circles.models import (
    Circle,
    CircleNetwork,
    CircleStatus,
    LeaveReason,
    MeetingRhythm,
    MemberRole,
    Membership,
)
from imports.kinds import register
from imports.kinds.base import Column, Kind, Report, RowOutcome, choice_parser, parse_date
from imports.kinds.common import check_same_as_first, check_unique_in_file, find_advisor, find_entrepreneur

CIRCLES = "circles"
CIRCLE_FIELDS = ("name", "advisor", "network", "meeting_place", "meeting_rhythm", "created_on", "status")

parse_status = choice_parser(
    CircleStatus, {"en formation": "forming", "actif": "active", "formation": "forming"}
)


class CirclesKind(Kind):
    key = CIRCLES
    title = gettext_lazy("Circles and members")
    description = gettext_lazy(
        "One row per member of a circle, the circle's columns repeated on each of its rows (a row without a "
        "member creates the circle alone). Import the entrepreneurs first: members are given by their id."
    )
    columns = (
        Column(
            "external_id",
            "identifiant du cercle",
            "circle id",
            gettext_lazy("Your own id for the circle."),
            required=True,
            example="C-01",
        ),
        Column(
            "name",
            "nom du cercle",
            "circle name",
            gettext_lazy("Name of the circle (unique)."),
            required=True,
            example="Les Bâtisseuses",
        ),
        Column(
            "advisor",
            "conseiller",
            "advisor",
            gettext_lazy("Login or email of the circle's advisor."),
            required=True,
            example="amelie",
        ),
        Column(
            "network",
            "réseau",
            "network",
            gettext_lazy("Name of an existing circle network (may be empty)."),
            example="",
        ),
        Column(
            "meeting_place",
            "lieu des rencontres",
            "meeting place",
            gettext_lazy("Usual meeting place."),
            example="Centre communautaire",
        ),
        Column(
            "meeting_rhythm",
            "rythme",
            "rhythm",
            gettext_lazy("weekly, biweekly or monthly (monthly if empty)."),
            parse=choice_parser(MeetingRhythm),
            example="monthly",
        ),
        Column(
            "created_on",
            "date de création",
            "creation date",
            gettext_lazy("Date the circle was formed."),
            required=True,
            parse=parse_date,
            example="2023-09-01",
        ),
        Column(
            "status",
            "statut",
            "status",
            gettext_lazy("forming or active (an active circle needs at least 4 current members)."),
            parse=parse_status,
            example="active",
        ),
        Column(
            "member",
            "identifiant du membre",
            "member id",
            gettext_lazy("Id of the entrepreneur, as in the entrepreneurs file."),
            example="E-001",
        ),
        Column(
            "role",
            "rôle",
            "role",
            gettext_lazy("member, facilitator, treasurer or secretary."),
            parse=choice_parser(
                MemberRole,
                {
                    "membre": "member",
                    "animatrice": "facilitator",
                    "tresoriere": "treasurer",
                    "secretaire": "secretary",
                },
            ),
            example="member",
        ),
        Column(
            "joined_on",
            "date d'entrée",
            "joined on",
            gettext_lazy("Date the member joined (the circle's creation date if empty)."),
            parse=parse_date,
            example="2023-09-01",
        ),
        Column(
            "left_on",
            "date de départ",
            "left on",
            gettext_lazy("Date the member left (empty: still a member)."),
            parse=parse_date,
            example="",
        ),
    )
    field_columns = {"profile": "member"}

    def start(self, context: dict) -> None:
        context["circles"] = {}  # external id → (row, values, circle or None)
        context["memberships"] = []  # (row, values, label)

    def apply(self, values: dict, row: int, context: dict) -> RowOutcome | None:
        from imports.services import external_id_record, external_object_id

        external_id = values["external_id"]
        wanted = self._wanted(values, context)
        member = None
        if values["member"]:
            # The member's part is checked first: a refused row leaves nothing behind (its savepoint).
            profile = find_entrepreneur(values["member"], "member")
            check_unique_in_file(context, "member", (external_id, values["member"]), row, "member")
            joined_on = values["joined_on"] or wanted["created_on"]
            if values["left_on"] and values["left_on"] < joined_on:
                raise ValidationError({"left_on": _("A member cannot leave before the day they joined.")})
            member = (profile, joined_on)
        seen = context["circles"].get(external_id)
        if seen is not None:
            first_row, first_values, circle = seen
            differs = _("Differs from row %(row)s for the same circle.")
            check_same_as_first(wanted, first_values, CIRCLE_FIELDS, first_row, differs)
        else:
            pk = external_object_id(CIRCLES, external_id)
            circle = Circle.objects.filter(pk=pk).first() if pk else None
            fields = {name: wanted[name] for name in CIRCLE_FIELDS if name not in ("status", "created_on")}
            if circle is None:
                circle = circles.circle_create(
                    **fields, created_on=wanted["created_on"], created_by=context["actor"]
                )
                external_id_record(CIRCLES, external_id, circle.pk, context["batch"])
                context.setdefault("created", set()).add(row)
            elif any(getattr(circle, name) != value for name, value in fields.items()):
                circle = circles.circle_update(circle=circle, changed_by=context["actor"], **fields)
                context.setdefault("updated", set()).add(row)
            context["circles"][external_id] = (row, wanted, circle)
        if member is not None:
            context["memberships"].append((row, circle, *member, values))
            return None
        return self._outcome(row, context, values["name"])

    @staticmethod
    def _wanted(values: dict, context: dict) -> dict:
        network = None
        if values["network"]:
            network = CircleNetwork.objects.filter(name__iexact=values["network"]).first()
            if network is None:
                raise ValidationError(
                    {"network": _("Unknown circle network “%(name)s”.") % {"name": values["network"]}}
                )
        return {
            "name": values["name"],
            "advisor": find_advisor(values["advisor"], context),
            "network": network,
            "meeting_place": values["meeting_place"] or "",
            "meeting_rhythm": values["meeting_rhythm"] or MeetingRhythm.MONTHLY,
            "created_on": values["created_on"],
            "status": values["status"] or CircleStatus.FORMING,
        }

    @staticmethod
    def _outcome(row: int, context: dict, label: str) -> RowOutcome:
        if row in context.get("created", ()):
            action = "create"
        elif row in context.get("updated", ()) or row in context.get("member_changed", ()):
            action = "update" if row not in context.get("member_created", ()) else "create"
        else:
            action = "create" if row in context.get("member_created", ()) else "unchanged"
        return RowOutcome(row=row, action=action, label=label)

    def finish(self, context: dict, report: Report) -> None:
        # Ended memberships first (in date order), so that a person who moved from one circle to another
        # is free when their current membership is added.
        pending = sorted(context["memberships"], key=lambda item: (item[4]["left_on"] is None, item[3]))
        for row, circle, profile, joined_on, values in pending:
            try:
                with transaction.atomic():
                    self._membership(row, circle, profile, joined_on, values, context)
            except ValidationError as error:
                column = values["_headers"].get("member", "")
                for message in error.messages:
                    report.add_error(row, column, message)
                continue
            report.add(self._outcome(row, context, f"{values['name']} · {profile}"))
        for _external_id, (row, wanted, circle) in context["circles"].items():
            if circle is None or wanted["status"] != CircleStatus.ACTIVE:
                continue
            circle.refresh_from_db()
            if circle.status == CircleStatus.ACTIVE:
                continue
            try:
                with transaction.atomic():
                    circles.circle_activate(circle=circle, activated_by=context["actor"])
            except ValidationError as error:
                report.add_error(row, self.column("status").french, error)
        report.rows.sort(key=lambda outcome: outcome.row)

    @staticmethod
    def _membership(row, circle, profile, joined_on, values, context) -> None:
        existing = Membership.objects.filter(circle=circle, profile=profile, joined_on=joined_on).first()
        if existing is None:
            existing = circles.circle_member_add(
                circle=circle,
                profile=profile,
                added_by=context["actor"],
                role=values["role"] or MemberRole.MEMBER,
                joined_on=joined_on,
            )
            context.setdefault("member_created", set()).add(row)
        if values["left_on"] and existing.left_on is None:
            circles.circle_member_remove(
                membership=existing,
                removed_by=context["actor"],
                reason=LeaveReason.LEFT,
                left_on=values["left_on"],
            )
            context.setdefault("member_changed", set()).add(row)


register(CirclesKind())
