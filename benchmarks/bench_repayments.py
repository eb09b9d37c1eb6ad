"""HTTP repayment load: concurrent clients record repayments through the real payment form (a script to rerun,
not a test).

    .venv/bin/python benchmarks/bench_repayments.py                 # on bench_pages.py's 100,000 loans
    .venv/bin/python benchmarks/bench_repayments.py --size 1000 --clients 50 --payments 2800

It uses the database ``bench_pages.py`` generated (``microcredit_bench_fast_<size>``: run that first, or
with ``--reuse`` afterwards) and serves it with gunicorn on the production settings on 127.0.0.1:``--port``.
``--clients`` threads each sign in as the coordinator and record ``--payments / --clients`` repayments of
5.00 $ on active loans (each client its own loans), each as a person does: GET the form (CSRF token and the
one-time ``submission_key``), POST it (the confirmation page comes back with the signed ``reviewed``
fingerprint), POST ``step=confirm``; a redirect is an accepted payment. Then it checks the database:
payments recorded = accepted confirmations, no submission key twice, each payment's allocations sum to its
amount, and ``rebuild_ledger --check`` finds no difference. It prints the POST times (p50, p95).
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_pages

AMOUNT = "5,00"  # typed as a French speaker does (the bench accounts speak fr-ca)


class FormFields(HTMLParser):
    """The fields a browser would send from the page's POST forms: inputs, the selected option of each
    select (else its first non-empty one)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "checkbox", "radio"):
            self.fields.setdefault(name, attrs.get("value") or "")
        elif tag == "select" and name:
            self._select, self._first = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            if "selected" in attrs:
                self.fields[self._select] = value
            elif value and self._first is None:
                self._first = value

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            self.fields.setdefault(self._select, self._first or "")
            self._select = None


def fields_of(page: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(page)
    return parser.fields


def repay(port: int, loans: list[int], today: str, barrier, lock, outcome: dict) -> None:
    browser = bench_pages.Browser(port, "bench-0")
    barrier.wait()
    for loan in loans:
        path = f"/loans/{loan}/payments/new/"
        status, page = browser.get(path)
        data = fields_of(page)
        data.update({"amount": AMOUNT, "paid_on": today, "method": "cash"})
        data.pop("language", None)
        started = time.perf_counter()
        status, page = browser.post(path, data)
        first = time.perf_counter() - started
        confirm = fields_of(page)
        confirm.pop("language", None)
        confirm["step"] = "confirm"
        started = time.perf_counter()
        status, _page = browser.post(path, confirm)
        second = time.perf_counter() - started
        with lock:
            outcome["times"] += [first, second]
            outcome["accepted" if status == 302 else f"answered {status}"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=bench_pages.DEFAULT_SERVER)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=18732)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--payments", type=int, default=2800)
    args = parser.parse_args()
    url = bench_pages.database_url(args.database_url, args.size)
    check = subprocess.run(  # noqa: S603
        [sys.executable, __file__.replace("bench_repayments", "bench_repayments_check"), url, "loans"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    today, after, loans = check[0], check[1], [int(pk) for pk in check[2:]][: args.payments]
    if len(loans) < args.payments:
        loans = (loans * (args.payments // max(len(loans), 1) + 1))[: args.payments]
    per_client = [loans[index :: args.clients] for index in range(args.clients)]
    workdir = Path(tempfile.mkdtemp(prefix="bench_fast_pay_"))
    server = bench_pages.serve(url, args.port, workdir)
    outcome = defaultdict(int, {"times": [], "accepted": 0})
    try:
        lock, barrier = threading.Lock(), threading.Barrier(args.clients)
        threads = [
            threading.Thread(target=repay, args=(args.port, mine, today, barrier, lock, outcome))
            for mine in per_client
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        bench_pages.stop(server)
    times = outcome.pop("times")
    print(f"{args.clients} clients, {args.payments} repayments in {elapsed:.0f} s: {dict(outcome)}")
    print(
        f"POST (form, then confirm): p50 {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {bench_pages.percentile(times, 0.95) * 1000:.0f} ms"
    )
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            __file__.replace("bench_repayments", "bench_repayments_check"),
            url,
            "check",
            str(outcome["accepted"]),
            after,
        ],
        capture_output=True,
        text=True,
    )
    print(result.stdout.strip())
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
