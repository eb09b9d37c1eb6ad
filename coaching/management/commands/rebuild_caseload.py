"""Recompute the caseload positions (last contact, next follow-up, open referrals per entrepreneur) from the
coaching sessions and referrals, then the caseload counters the homes read (``coaching.services.counts``):
after a manual repair of the database or a change of the no-contact delay, or to check them (``--check``)."""

from coaching.services import caseload_differences, rebuild_caseload
from microcredit.core.rebuild import RebuildCommand


class Command(RebuildCommand):
    help = __doc__
    check_help = "Only compare the stored positions with the sessions and referrals; change nothing."
    differ = "{count} caseload positions, tallies or counters differ from a recount:"
    agree = "The caseload positions and counters agree with a recount."
    rebuilt = "Caseload positions rebuilt ({rows} entrepreneurs)."

    differences = staticmethod(caseload_differences)
    rebuild = staticmethod(rebuild_caseload)
