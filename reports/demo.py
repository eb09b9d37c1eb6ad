"""Demonstration fund sources (idempotent: keyed by name)."""

import datetime
from decimal import Decimal

from reports.models import FundSource, FundSourceKind

SOURCES = [
    (
        "Caisse solidaire du quartier",
        FundSourceKind.INVESTOR,
        "150000.00",
        datetime.date(2022, 3, 1),
        "10 years, 1 % a year, repaid at term.",
    ),
    (
        "Fonds communautaire Centre-Est",
        FundSourceKind.FUND,
        "100000.00",
        datetime.date(2023, 1, 15),
        "Patient capital, no interest, renewable every 5 years.",
    ),
    (
        "Fondation pour l'inclusion",
        FundSourceKind.FOUNDATION,
        "50000.00",
        datetime.date(2023, 9, 1),
        "Loss reserve: may absorb write-offs.",
    ),
    (
        "Programme régional d'entrepreneuriat",
        FundSourceKind.GOVERNMENT,
        "75000.00",
        datetime.date(2024, 4, 1),
        "Interest-free for 7 years.",
    ),
]


def seed() -> None:
    for name, kind, amount, committed_on, terms in SOURCES:
        FundSource.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "amount_committed": Decimal(amount),
                "committed_on": committed_on,
                "terms": terms,
                "is_active": True,
            },
        )
