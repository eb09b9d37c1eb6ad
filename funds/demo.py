"""Demonstration fund sources and the money they paid in (idempotent: keyed by name and date)."""

import datetime
from decimal import Decimal

from funds.models import FundSource, FundSourceKind, Population, Tranche

# name, kind, amount, committed on, terms (French, English), other fields
SOURCES = [
    (
        "Caisse solidaire du quartier",
        FundSourceKind.INVESTOR,
        "150000.00",
        datetime.date(2022, 3, 1),
        ("10 ans, 1\u00a0% par année, remboursé à l'échéance.", "10 years, 1 % a year, repaid at term."),
        {"annual_return_rate": Decimal("1.00"), "repayable_on": datetime.date(2032, 3, 1)},
    ),
    (
        "Fonds communautaire Centre-Est",
        FundSourceKind.FUND,
        "100000.00",
        datetime.date(2023, 1, 15),
        (
            "Capital patient, sans intérêt, renouvelable aux 5 ans.",
            "Patient capital, no interest, renewable every 5 years.",
        ),
        {"postal_prefixes": "H1, H2"},
    ),
    (
        "Fondation pour l'inclusion",
        FundSourceKind.FOUNDATION,
        "50000.00",
        datetime.date(2023, 9, 1),
        ("Réserve pour pertes\u00a0: peut absorber les radiations.", "Loss reserve: may absorb write-offs."),
        {"bears_losses": True, "language": "en"},
    ),
    (
        "Programme régional d'entrepreneuriat",
        FundSourceKind.GOVERNMENT,
        "75000.00",
        datetime.date(2024, 4, 1),
        (
            "Sans intérêt pendant 7 ans, pour les entrepreneurs de moins de 35 ans.",
            "Interest-free for 7 years, for entrepreneurs under 35.",
        ),
        {"population": Population.YOUTH, "max_per_loan": Decimal("5000.00")},
    ),
    (
        "Fonds propre de l'organisme",
        FundSourceKind.OWN,
        "20000.00",
        datetime.date(2022, 1, 1),
        ("Le capital propre de l'organisme.", "The organization's own capital."),
        {},
    ),
]
# (source, date, amount): what each one paid in so far.
TRANCHES = [
    ("Caisse solidaire du quartier", datetime.date(2022, 3, 15), "100000.00"),
    ("Caisse solidaire du quartier", datetime.date(2023, 3, 15), "50000.00"),
    ("Fonds communautaire Centre-Est", datetime.date(2023, 2, 1), "60000.00"),
    ("Fondation pour l'inclusion", datetime.date(2023, 9, 15), "50000.00"),
    ("Programme régional d'entrepreneuriat", datetime.date(2024, 4, 15), "40000.00"),
    ("Fonds propre de l'organisme", datetime.date(2022, 1, 1), "20000.00"),
]


def seed() -> None:
    for name, kind, amount, committed_on, (terms, terms_en), extra in SOURCES:
        FundSource.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "amount_committed": Decimal(amount),
                "committed_on": committed_on,
                "terms_fr": terms,
                "terms_en": terms_en,
                "is_active": True,
                **extra,
            },
        )
    for name, received_on, amount in TRANCHES:
        Tranche.objects.get_or_create(
            fund=FundSource.objects.get(name=name),
            received_on=received_on,
            defaults={"amount": Decimal(amount)},
        )
