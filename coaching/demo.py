"""Demo coaching data for the entrepreneurs and advisors of ``seed_demo``: partners of every kind,
sessions (some people overdue for a call), referrals, financing support and milestones.

Idempotent: each person's records are rebuilt in place from a fixed random seed, so running the demo
twice leaves the same data (dates are relative to today, like the rest of the demo).
"""

import datetime
import random
from decimal import Decimal
from itertools import zip_longest

from django.db import transaction
from django.utils import timezone

from coaching.models import (
    CoachingSession,
    FinancingApplication,
    FinancingKind,
    FinancingStatus,
    FinancingStatusChange,
    Milestone,
    MilestoneKind,
    Partner,
    PartnerContact,
    PartnerKind,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    RevenueBand,
    SessionMode,
    Topic,
)
from coaching.services.positions import caseload_position_refresh
from coaching.services.sessions import _set_topics
from microcredit.accounts.models import BusinessStage, EntrepreneurProfile

SEED = "coaching-demo-2026"
DOMAIN = "demo.microcredit.local"

PARTNERS = [
    # name, kind, services (French, English), phone, contacts (name, role)
    (
        "CDEC Centre-Est",
        PartnerKind.CDEC,
        (
            "Aide au démarrage, réseautage d'affaires, soutien aux projets d'économie sociale.",
            "Start-up help, business networking, support for social economy projects.",
        ),
        "514 555-0201",
        [("Louise Gendron", "Agente de développement")],
    ),
    (
        "SAJE Montréal Centre",
        PartnerKind.SAJE,
        (
            "Accompagnement des jeunes entrepreneurs, formation « Lancement d'une entreprise ».",
            "Coaching for young entrepreneurs, “Starting a business” training.",
        ),
        "514 555-0202",
        [("Maxime Roy", "Conseiller jeunesse")],
    ),
    (
        "CLD de Longueuil",
        PartnerKind.CLD,
        (
            "Plan d'affaires, fonds locaux d'investissement, subventions de démarrage.",
            "Business plans, local investment funds, start-up grants.",
        ),
        "450 555-0203",
        [("Hélène Dubé", "Commissaire au développement économique")],
    ),
    (
        "SACO Montréal",
        PartnerKind.SACO,
        (
            "Mentorat bénévole par des gestionnaires retraités : finances, marketing, production.",
            "Volunteer mentoring by retired managers: finance, marketing, production.",
        ),
        "514 555-0204",
        [("Robert Lapointe", "Mentor bénévole"), ("Ginette Caron", "Coordonnatrice")],
    ),
    (
        "Caisse populaire du Quartier",
        PartnerKind.FINANCIAL_INSTITUTION,
        (
            "Compte d'entreprise, marge de crédit, prêt de démarrage.",
            "Business account, line of credit, start-up loan.",
        ),
        "514 555-0205",
        [("Sylvain Boucher", "Directeur de comptes entreprises")],
    ),
    (
        "Banque solidaire du Québec",
        PartnerKind.FINANCIAL_INSTITUTION,
        (
            "Prêts aux petites entreprises, services bancaires de base.",
            "Small business loans, basic banking services.",
        ),
        "514 555-0206",
        [("Amina Khaled", "Conseillère PME")],
    ),
    (
        "Clinique juridique communautaire",
        PartnerKind.OTHER,
        (
            "Immatriculation, contrats, baux commerciaux : consultations gratuites.",
            "Registration, contracts, commercial leases: free consultations.",
        ),
        "514 555-0207",
        [("Me Julien Paré", "Avocat bénévole")],
    ),
]

SUMMARIES = {
    Topic.MANAGEMENT: "Nous avons fait le point sur l'organisation de ta semaine et tes commandes.",
    Topic.MARKETING: "Nous avons travaillé ta présentation et la liste des premiers clients à joindre.",
    Topic.FINANCES: "Nous avons revu ton budget de démarrage et ton suivi des revenus et dépenses.",
    Topic.LEGAL: "Nous avons parlé de l'immatriculation de l'entreprise et des permis nécessaires.",
    Topic.DIGITAL: "Nous avons créé ta page d'entreprise et configuré le paiement en ligne.",
    Topic.OTHER: "Nous avons fait le point sur ta situation et tes priorités du mois.",
}
NEXT_STEPS = [
    "Envoyer trois soumissions d'ici la prochaine rencontre.",
    "Remplir le tableau des dépenses chaque semaine.",
    "Prendre rendez-vous avec le partenaire proposé.",
    "Préparer les documents pour la demande de prêt.",
    "Tester le nouveau prix auprès de cinq clients.",
]
STAFF_NOTES = [
    "Situation familiale difficile ce mois-ci : garder le rythme des suivis léger.",
    "Retard de paiement du loyer évoqué ; proposer le budget d'urgence.",
    "Très motivée ; prête pour un premier prêt après le plan d'affaires.",
    "Hésite à continuer ; valider son intérêt à la prochaine rencontre.",
    "",
]
REFERRAL_PATHS = [
    [ReferralStatus.PROPOSED],
    [ReferralStatus.PROPOSED, ReferralStatus.SENT],
    [ReferralStatus.PROPOSED, ReferralStatus.SENT, ReferralStatus.IN_PROGRESS],
    [ReferralStatus.PROPOSED, ReferralStatus.SENT, ReferralStatus.COMPLETED],
    [ReferralStatus.PROPOSED, ReferralStatus.DECLINED],
    [ReferralStatus.SENT, ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED],
]
GRANT_PROGRAMS = [
    "Soutien au travail autonome",
    "Fonds jeunes entrepreneurs",
    "Subvention de démarrage du CLD",
]
FINANCING_PATHS = [
    [FinancingStatus.PREPARING],
    [FinancingStatus.PREPARING, FinancingStatus.SUBMITTED],
    [FinancingStatus.PREPARING, FinancingStatus.SUBMITTED, FinancingStatus.APPROVED],
    [FinancingStatus.PREPARING, FinancingStatus.SUBMITTED, FinancingStatus.REFUSED],
]


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _sync(existing, wanted, make):
    """Rewrite ``existing`` rows (oldest first) with ``wanted`` field values; create or delete the rest."""
    kept = []
    for obj, values in zip_longest(existing, wanted):
        if values is None:
            obj.delete()
            continue
        obj = obj or make()
        for name, value in values.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        kept.append(obj)
    return kept


def _partners() -> dict[str, Partner]:
    partners = {}
    for index, (name, kind, (services, services_en), phone, contacts) in enumerate(PARTNERS):
        slug = name.lower().split()[0].replace("é", "e")
        partner, _created = Partner.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "services_fr": services,
                "services_en": services_en,
                "phone": phone,
                "email": f"info.{slug}{index}@{DOMAIN}",
                "website": "",
                "address": "Montréal (Québec)",
                "is_active": True,
            },
        )
        _sync(
            list(partner.contacts.order_by("pk")),
            [
                {"name": person, "title": role, "email": f"contact{index}{n}@{DOMAIN}", "phone": phone}
                for n, (person, role) in enumerate(contacts)
            ],
            lambda partner=partner: PartnerContact(partner=partner),
        )
        partners[name] = partner
    return partners


def _history(model, parent_field, parent, path, days, staff):
    _sync(
        list(model.objects.filter(**{parent_field: parent}).order_by("pk")),
        [
            {
                "from_status": path[n - 1] if n else "",
                "to_status": status,
                "changed_at": _at(day),
                "changed_by": staff,
                "note": "Appel fait au partenaire." if n == 1 else "",
            }
            for n, (status, day) in enumerate(zip(path, days, strict=True))
        ],
        lambda: model(**{parent_field: parent}),
    )


def _sessions(profile, rng, today) -> None:
    count = rng.choice([0, 1, 2, 3, 3, 4, 5])
    latest = today - datetime.timedelta(days=rng.randint(1, 50))
    days = [
        latest - datetime.timedelta(days=sum(rng.randint(14, 35) for _ in range(n))) for n in range(count)
    ]
    days = sorted(day for day in days if day >= profile.intake_date)
    wanted, topics = [], []
    for n, day in enumerate(days):
        chosen = rng.sample(Topic.values, k=rng.randint(1, 3))
        follow_up = (
            days[n + 1] if n + 1 < len(days) else day + datetime.timedelta(days=rng.choice([14, 21, 30, 45]))
        )
        wanted.append(
            {
                "advisor": profile.advisor,
                "held_on": day,
                "duration_minutes": rng.choice([30, 45, 60, 90]),
                "mode": rng.choice(SessionMode.values),
                "staff_notes": rng.choice(STAFF_NOTES),
                "shared_summary": " ".join(SUMMARIES[Topic(topic)] for topic in chosen),
                "next_steps": rng.choice(NEXT_STEPS),
                "next_follow_up_on": follow_up,
                "created_by": profile.advisor,
            }
        )
        topics.append(chosen)
    sessions = _sync(
        list(CoachingSession.objects.filter(profile=profile).order_by("pk")),
        wanted,
        lambda: CoachingSession(profile=profile),
    )
    for session, chosen in zip(sessions, topics, strict=True):
        _set_topics(session, sorted(chosen))


def _referrals(profile, number, rng, today, partners) -> None:
    wanted, paths = [], []
    if number % 3 == 0:
        partner = partners[PARTNERS[(number // 3) % len(PARTNERS)][0]]
        path = REFERRAL_PATHS[(number // 3) % len(REFERRAL_PATHS)]
        start = max(profile.intake_date, today - datetime.timedelta(days=rng.randint(20, 120)))
        closed = path[-1] in (ReferralStatus.COMPLETED, ReferralStatus.DECLINED)
        wanted.append(
            {
                "partner": partner,
                "reason": f"Besoin d'un accompagnement spécialisé : {partner.get_kind_display()}.",
                "referred_on": start,
                "status": path[-1],
                "outcome": "Rencontre faite, suivi en place."
                if path[-1] == ReferralStatus.COMPLETED
                else ("Ne souhaite pas y donner suite pour l'instant." if closed else ""),
                "created_by": profile.advisor,
            }
        )
        paths.append((path, [min(today, start + datetime.timedelta(days=7 * n)) for n in range(len(path))]))
    referrals = _sync(
        list(Referral.objects.filter(profile=profile).order_by("pk")),
        wanted,
        lambda: Referral(profile=profile),
    )
    for referral, (path, days) in zip(referrals, paths, strict=True):
        _history(ReferralStatusChange, "referral", referral, path, days, profile.advisor)


def _financing(profile, number, rng, today, partners) -> None:
    wanted, paths = [], []
    banks = [p for p in partners.values() if p.kind == PartnerKind.FINANCIAL_INSTITUTION]
    if number % 4 == 0:
        path = FINANCING_PATHS[(number // 4) % len(FINANCING_PATHS)]
        kind, partner = FinancingKind.GRANT, partners["CLD de Longueuil"] if number % 8 == 0 else None
        program = GRANT_PROGRAMS[number % len(GRANT_PROGRAMS)]
        requested = Decimal(rng.choice([1500, 3000, 5000, 8000]))
    elif number % 7 == 0:
        path = FINANCING_PATHS[(number // 7) % len(FINANCING_PATHS)]
        kind, partner = FinancingKind.INTRODUCTION, banks[number % len(banks)]
        program, requested = "Marge de crédit d'entreprise", Decimal(rng.choice([5000, 10000]))
    else:
        path = None
    if path:
        start = max(profile.intake_date, today - datetime.timedelta(days=rng.randint(40, 150)))
        days = [min(today, start + datetime.timedelta(days=15 * n)) for n in range(len(path))]
        approved = path[-1] == FinancingStatus.APPROVED
        wanted.append(
            {
                "kind": kind,
                "partner": partner,
                "program": program,
                "amount_requested": requested.quantize(Decimal("0.01")),
                "status": path[-1],
                "amount_obtained": (requested * Decimal("0.8")).quantize(Decimal("0.01"))
                if approved
                else None,
                "started_on": start,
                "submitted_on": days[1] if len(path) > 1 else None,
                "decided_on": days[2] if len(path) > 2 else None,
                "created_by": profile.advisor,
            }
        )
        paths.append((path, days))
    applications = _sync(
        list(FinancingApplication.objects.filter(profile=profile).order_by("pk")),
        wanted,
        lambda: FinancingApplication(profile=profile),
    )
    for application, (path, days) in zip(applications, paths, strict=True):
        _history(FinancingStatusChange, "application", application, path, days, profile.advisor)


def _milestones(profile, rng, today) -> None:
    wanted = []
    if profile.business_stage in (BusinessStage.OPERATING, BusinessStage.GROWING):
        registered = min(today, profile.intake_date + datetime.timedelta(days=rng.randint(10, 60)))
        first_sale = min(today, registered + datetime.timedelta(days=rng.randint(5, 40)))
        wanted += [
            {
                "kind": MilestoneKind.BUSINESS_REGISTERED,
                "achieved_on": registered,
                "jobs_count": None,
                "revenue_band": "",
            },
            {
                "kind": MilestoneKind.FIRST_SALE,
                "achieved_on": first_sale,
                "jobs_count": None,
                "revenue_band": "",
            },
            {
                "kind": MilestoneKind.REVENUE_BAND,
                "achieved_on": min(today, first_sale + datetime.timedelta(days=90)),
                "jobs_count": None,
                "revenue_band": rng.choice(RevenueBand.values[:3]),
            },
        ]
        if profile.business_stage == BusinessStage.GROWING:
            wanted.append(
                {
                    "kind": MilestoneKind.JOBS_CREATED,
                    "achieved_on": min(today, first_sale + datetime.timedelta(days=120)),
                    "jobs_count": rng.randint(1, 3),
                    "revenue_band": "",
                }
            )
    # Matched by kind (each kind at most once here), so that no row ever takes the kind of another one.
    existing = {}
    for milestone in Milestone.objects.filter(profile=profile).order_by("pk"):
        if milestone.kind in existing:
            milestone.delete()
        else:
            existing[milestone.kind] = milestone
    for values in wanted:
        values.update({"note": "", "recorded_by": profile.advisor})
        _sync([existing.pop(values["kind"], None)], [values], lambda: Milestone(profile=profile))
    for leftover in existing.values():
        leftover.delete()


@transaction.atomic
def seed() -> None:
    today = timezone.localdate()
    partners = _partners()
    profiles = (
        EntrepreneurProfile.objects.filter(user__username__startswith="entrepreneur", advisor__isnull=False)
        .select_related("user", "advisor")
        .order_by("user__username")
    )
    for profile in profiles:
        number = int(profile.user.username.removeprefix("entrepreneur") or 0)
        rng = random.Random(f"{SEED}-{profile.user.username}")
        _sessions(profile, rng, today)
        _referrals(profile, number, rng, today, partners)
        _financing(profile, number, rng, today, partners)
        _milestones(profile, rng, today)
    # The demo writes sessions and referrals as rows (to be rerunnable): the positions follow them here.
    caseload_position_refresh(profile_ids=[profile.pk for profile in profiles])
