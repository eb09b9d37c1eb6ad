"""Fund sources: the investors and funds committed to the loan fund, one row each. The model belongs to the
funds app, read through the app registry (``apps.get_model("funds", "FundSource")``) so that this kind
does not depend on where that app lives; there is no service for fund sources (they are kept in the admin),
so the row is validated with the model's own rules (``full_clean``) and saved."""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.kinds import register
from imports.kinds.base import Column, Kind, RowOutcome, parse_bool, parse_date, parse_money, text
from imports.kinds.common import check_unique_in_file
from imports.readers import normalize_header

FUND_SOURCES = "fund_sources"
FIELDS = ("name", "kind", "amount_committed", "committed_on", "terms", "is_active")
ALIASES = {
    "investisseur": "investor",
    "fonds": "fund",
    "fondation": "foundation",
    "gouvernement": "government",
    "autre": "other",
}


def fund_source_model():
    return apps.get_model("funds", "FundSource")


def parse_fund_kind(value) -> str:
    """investor, fund, foundation, government or other: by code, by name in French or English."""
    from django.utils import translation

    choices = fund_source_model()._meta.get_field("kind").choices
    table = {normalize_header(alias): code for alias, code in ALIASES.items()}
    for code, label in choices:
        table[normalize_header(code)] = code
        for language in ("fr", "en"):
            with translation.override(language):
                table[normalize_header(str(label))] = code
    wanted = normalize_header(value)
    if wanted in table:
        return table[wanted]
    raise ValidationError(
        _("“%(value)s” is not one of: %(choices)s.")
        % {"value": text(value), "choices": ", ".join(str(label) for _code, label in choices)}
    )


def parse_positive_money(value):
    amount = parse_money(value)
    if amount <= 0:
        raise ValidationError(_("The amount must be more than zero."))
    return amount


class FundSourcesKind(Kind):
    key = FUND_SOURCES
    title = gettext_lazy("Fund sources")
    description = gettext_lazy(
        "One row per investor or fund committed to the loan fund: what it committed and when, and its terms."
    )
    columns = (
        Column(
            "external_id",
            "identifiant de la source",
            "fund source id",
            gettext_lazy("Your own id for the fund source."),
            required=True,
            example="FS-01",
        ),
        Column(
            "name",
            "nom",
            "name",
            gettext_lazy("Name of the investor or fund."),
            required=True,
            example="Fonds communautaire de Montréal",
        ),
        Column(
            "kind",
            "type",
            "kind",
            gettext_lazy("investor, fund, foundation, government or other."),
            required=True,
            parse=parse_fund_kind,
            example="fonds",
        ),
        Column(
            "amount_committed",
            "montant engagé",
            "amount committed",
            gettext_lazy("Amount committed, in dollars."),
            required=True,
            parse=parse_positive_money,
            example="250 000,00",
        ),
        Column(
            "committed_on",
            "date d'engagement",
            "committed on",
            gettext_lazy("Date of the commitment."),
            required=True,
            parse=parse_date,
            example="2022-01-15",
        ),
        Column(
            "terms",
            "modalités",
            "terms",
            gettext_lazy("Terms: repayment, restrictions, share of losses."),
            example="Remboursable en 10 ans, sans intérêt",
        ),
        Column(
            "is_active",
            "actif",
            "active",
            gettext_lazy("yes or no (yes if empty)."),
            parse=parse_bool,
            example="oui",
        ),
    )

    def apply(self, values: dict, row: int, context: dict) -> RowOutcome:
        from imports.services import external_id_record, external_object_id

        model = fund_source_model()
        external_id = values["external_id"]
        check_unique_in_file(context, "id", external_id, row, "external_id")
        wanted = {
            "name": values["name"],
            "kind": values["kind"],
            "amount_committed": values["amount_committed"],
            "committed_on": values["committed_on"],
            "terms_fr": values["terms"] or "",  # the French terms (an English version is typed in the admin)
            "is_active": True if values["is_active"] is None else values["is_active"],
        }
        pk = external_object_id(FUND_SOURCES, external_id)
        source = model.objects.select_for_update().filter(pk=pk).first() if pk else None
        if source is None:
            if model.objects.filter(name__iexact=wanted["name"]).exists():
                raise ValidationError({"name": _("A fund source with this name is already recorded.")})
            source, action = model(**wanted), "create"
        elif any(getattr(source, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(source, name, value)
            action = "update"
        else:
            return RowOutcome(row=row, action="unchanged", label=wanted["name"])
        source.full_clean()
        source.save()
        if action == "create":
            external_id_record(FUND_SOURCES, external_id, source.pk, context["batch"])
        return RowOutcome(row=row, action=action, label=wanted["name"])


register(FundSourcesKind())
