"""Benchmark of importing an organization's entrepreneurs from a CSV file, alone (a script to rerun, not a
test): the file of ``bench_import.py``, read as a stream through ``import_run`` in one transaction, as the
screens, the worker and ``manage.py import_file`` do. Prints the wall time and rows per second; run it at two
sizes in the same session to see whether it grows faster than the file.

    .venv/bin/python benchmarks/bench_import_people.py --people 1000
    .venv/bin/python benchmarks/bench_import_people.py --people 4000
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    import bench_import
    import bench_report

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", bench_import.DEFAULT_SERVER)
    )
    parser.add_argument("--database-name", default="microcredit_bench_people")
    parser.add_argument("--people", type=int, default=1000)
    args = parser.parse_args()
    url = urlunsplit(urlsplit(args.database_url)._replace(path=f"/{args.database_name}"))
    bench_report.recreate_database(url)
    bench_report.setup_django(url, migrate=True)
    from django.utils import translation

    from imports.kinds import get_kind
    from imports.services import import_run
    from microcredit.accounts.models import Role, User

    coordinator = User.objects.create(username="bench-coordinator", role=Role.COORDINATOR)
    User.objects.create(username="bench-advisor", role=Role.ADVISOR)
    with tempfile.TemporaryDirectory(prefix="bench-people-") as directory:
        path = Path(directory, "personnes.csv")
        path.write_bytes(bench_import.entrepreneurs_csv(args.people))
        load = os.getloadavg()[0]
        started = time.perf_counter()
        with translation.override("fr-ca"), path.open("rb") as handle:
            report = import_run(
                kind=get_kind("entrepreneurs"), name=path.name, data=handle, actor=coordinator, commit=True
            )
        elapsed = time.perf_counter() - started
    if not report.is_valid:
        sys.exit(f"{len(report.problems)} errors, first: {report.problems[0]}")
    print(
        f"{args.people:,} people: {elapsed:.1f} s, {args.people / elapsed:.1f} rows/s, {report.counts()}; "
        f"load average {load:.1f} → {os.getloadavg()[0]:.1f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
