"""The database side of ``bench_repayments.py`` (run by it, in its own process):

bench_repayments_check.py URL loans          today, the last payment id, then active loan ids
bench_repayments_check.py URL check N AFTER  the payments after id AFTER against N accepted confirmations
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_report


def main() -> None:
    url, mode = sys.argv[1], sys.argv[2]
    bench_report.setup_django(url, migrate=False)
    from django.db.models import Count, F, Max, Sum
    from django.utils import timezone

    from loans.models import Allocation, Loan, Payment
    from loans.services.ledger import ledger_differences

    if mode == "loans":
        last = Payment.objects.aggregate(last=Max("pk"))["last"] or 0
        loans = Loan.objects.filter(status="active").order_by("pk").values_list("pk", flat=True)[:5000]
        print(timezone.localdate().isoformat(), last, *loans)
        return
    accepted, after = int(sys.argv[3]), int(sys.argv[4])
    payments = Payment.objects.filter(pk__gt=after)
    recorded = payments.count()
    doubled = payments.values("submission_key").annotate(n=Count("pk")).filter(n__gt=1).count()
    allocated = payments.annotate(total=Sum(F("allocations__principal") + F("allocations__interest")))
    unbalanced = allocated.exclude(total=F("amount")).count()
    allocations = Allocation.objects.filter(payment__pk__gt=after).count()
    differences = ledger_differences()
    print(
        f"database: {recorded} payments for {accepted} accepted confirmations, {doubled} submission keys "
        f"twice, {allocations} allocations, {unbalanced} payments unlike their allocations; "
        f"rebuild_ledger --check: {len(differences)} differences"
    )
    for line in differences[:10]:
        print("  ", line)
    sys.exit(0 if recorded == accepted and not doubled and not unbalanced and not differences else 1)


if __name__ == "__main__":
    main()
