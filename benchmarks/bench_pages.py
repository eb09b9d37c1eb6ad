"""Benchmark of the pages staff open all day, at two portfolio sizes (a script to rerun, not a test).

    .venv/bin/python benchmarks/bench_pages.py                       # 1,000 and 100,000 loans
    .venv/bin/python benchmarks/bench_pages.py --reuse               # measure again on the same data
    .venv/bin/python benchmarks/bench_pages.py --sizes 1000,10000 --port 18731 --clients 20
    .venv/bin/python benchmarks/bench_pages.py --database-prefix mc_speed_bench_   # other databases

For each size it DROPS and creates again a database named ``microcredit_bench_fast_<size>`` (or
``--database-prefix`` then the size; on the server of ``--database-url``), generates the portfolio with
``bench_report.py``'s generator (50 % as many entrepreneurs as loans, 2,000 circles, 20 advisors, 10 monthly
instalments a loan, 80 % paid on time, 10 % 35 days late, 10 % stopped), gives each entrepreneur an advisor
(the 20 advisors share them) and three accounts a password, then:

1. counts each page's SQL queries with Django's query capture (the test client, in a child process);
2. serves the app with gunicorn on the production settings (``microcredit.settings.production``, 2 workers,
   on 127.0.0.1:``--port``; plain HTTP on loopback, so ``DJANGO_SECURE_SSL_REDIRECT=false``);
3. signs in through the login form and requests each page ``--requests`` times, one at a time (p50, p95),
   both sizes served at once (ports ``--port`` and ``--port`` + 1) and requested in the same rounds, page by
   page and size by size, so that the shared machine's noise weighs on both sizes alike;
4. at the largest size, ``--clients`` concurrent clients (threads on loopback, each signed in, a bounded
   number of requests each) request each page (p50, p95 under load).

It prints per page the times at each size, the SQL time (median of 5 requests through the test client,
Django's query capture) and the ratios largest / smallest (the goal: at most 1.5) and loaded p95 /
single-user p50 (the goal: at most 3).
"""

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench-pages-password"  # noqa: S105 (throw-away data on loopback)

# The pages: (name, login, path). Paths with {circle} / {loan} are filled from the data.
PAGES = [
    ("arrears list", "bench-0", "/loans/arrears/"),
    ("coordinator home", "bench-0", "/"),
    ("advisor home", "bench-1", "/"),
    ("entrepreneur home", "bench-21", "/"),
    ("circle page", "bench-1", "/circles/{circle}/"),
    ("loan list", "bench-0", "/loans/"),
    ("advisor caseload", "bench-1", "/coaching/caseload/"),
    ("loan page", "bench-0", "/loans/{loan}/"),
]

# Coaching: four entrepreneurs in five had three sessions with their advisor, 40 days apart, the latest within
# the last 50 days, planning a follow-up 0 to 28 days later (so some are overdue, some due this week).
SESSIONS_SQL = """
    INSERT INTO coaching_coachingsession (held_on, duration_minutes, mode, staff_notes, shared_summary,
        next_steps, next_follow_up_on, created_at, updated_at, advisor_id, created_by_id, profile_id)
    SELECT current_date - (p.id %% 50)::int - 40 * k, 60, 'in_person', '', '', '',
           current_date - (p.id %% 50)::int - 40 * k + CASE WHEN k = 0 THEN (p.id %% 29)::int ELSE 30 END,
           now(), now(), p.advisor_id, p.advisor_id, p.id
    FROM accounts_entrepreneurprofile p CROSS JOIN generate_series(0, 2) k
    WHERE p.id %% 5 <> 0 AND p.advisor_id IS NOT NULL"""

# After the generator: each entrepreneur has one of the 20 advisors; three accounts can sign in.
ASSIGN_SQL = [
    """UPDATE accounts_entrepreneurprofile p SET advisor_id = a.id
       FROM accounts_user a WHERE a.username = 'bench-' || (1 + p.id %% 20)""",
    "UPDATE accounts_user SET password = %(password)s WHERE username IN ('bench-0', 'bench-1', 'bench-21')",
    SESSIONS_SQL,
    "ANALYZE",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument(
        "--database-prefix",
        default="microcredit_bench_fast_",
        help="Database names: this prefix, then the size (it must contain 'bench').",
    )
    parser.add_argument("--port", type=int, default=18731)
    parser.add_argument("--requests", type=int, default=15, help="Requests per page, one at a time.")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--per-client", type=int, default=3, help="Requests per client and page, loaded with no think time."
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (processes) per size.")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="Threads per gunicorn worker (more than 1: the gthread worker).",
    )
    parser.add_argument(
        "--think",
        type=float,
        default=5.0,
        help="Mean think time (s, exponential) of the --clients users of the realistic run; 0: no such run.",
    )
    parser.add_argument(
        "--think-requests",
        type=int,
        default=16,
        help="Requests per user in the think-time run (pages in turn).",
    )
    parser.add_argument(
        "--profile", metavar="PAGE", help="Only print a cProfile of PAGE at the largest size."
    )
    parser.add_argument(
        "--explain",
        metavar="PAGE",
        help="Only print the SQL of PAGE with EXPLAIN ANALYZE at the largest size.",
    )
    parser.add_argument("--reuse", action="store_true", help="Keep the existing databases and their data.")
    parser.add_argument(
        "--child", choices=["generate", "count", "profile", "explain"], help=argparse.SUPPRESS
    )
    parser.add_argument("--page", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def database_url(server: str, size: int, prefix: str = "microcredit_bench_fast_") -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{prefix}{size}"))


# --- In a child process (one Django setup per database) -------------------------------------------------


def child_generate(url: str, size: int) -> None:
    import bench_report

    bench_report.recreate_database(url)
    bench_report.setup_django(url, migrate=True)
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    bench_report.generate(size)
    from coaching.services import rebuild_caseload

    with connection.cursor() as cursor:
        for statement in ASSIGN_SQL:
            cursor.execute(statement, {"password": make_password(PASSWORD)})
    rebuild_caseload()  # the caseload positions, as the coaching services keep them
    # The arrears tallies follow each borrower's advisor, set in SQL above (the services would move them).
    from loans.services.arrears_counts import rebuild_arrears_counts

    rebuild_arrears_counts()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def targets() -> dict:
    """The circle with the most loans and one late loan, for the paths."""
    from django.db.models import Count

    from circles.models import Circle
    from loans.models import Loan

    circle = Circle.objects.annotate(n=Count("loans")).order_by("-n", "pk").values_list("pk", flat=True)[0]
    loan = Loan.objects.filter(status="defaulted").order_by("pk").values_list("pk", flat=True).first()
    return {"circle": circle, "loan": loan or 1}


def child_count(url: str) -> None:
    """Print ``name<TAB>status<TAB>queries`` per page (the test client, Django's query capture)."""
    import bench_report

    bench_report.setup_django(url, migrate=False)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from microcredit.accounts.models import User

    paths = targets()
    print(f"#targets\t{paths['circle']}\t{paths['loan']}", flush=True)
    for name, login, path in PAGES:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=login))
        client.get(path.format(**paths))  # warm
        sql_times = []
        for _run in range(5):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path.format(**paths))
            sql_times.append(sum(float(query["time"]) for query in queries.captured_queries))
        print(f"{name}\t{response.status_code}\t{len(queries)}\t{statistics.median(sql_times)}", flush=True)


def _page_client(name: str):
    """The test client signed in as the page ``name``'s user, and the page's path (warmed once)."""
    from django.test import Client

    from microcredit.accounts.models import User

    login, path = next((login, path) for page, login, path in PAGES if page == name)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=login))
    path = path.format(**targets())
    client.get(path)
    return client, path


def child_profile(url: str, name: str) -> None:
    """cProfile of the page ``name`` (the test client, 5 requests): the heaviest functions by cumulative
    time, the project's and Django's."""
    import cProfile
    import pstats

    import bench_report

    bench_report.setup_django(url, migrate=False)
    client, path = _page_client(name)
    profile = cProfile.Profile()
    for _run in range(5):
        profile.runcall(client.get, path)
    stats = pstats.Stats(profile).sort_stats("cumulative")
    stats.print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def child_explain(url: str, name: str) -> None:
    """The SQL of the page ``name`` (Django's query capture), each query with its EXPLAIN ANALYZE."""
    import bench_report

    bench_report.setup_django(url, migrate=False)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, path = _page_client(name)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    for number, query in enumerate(queries.captured_queries, 1):
        print(f"\n--- {number}. {float(query['time']) * 1000:.1f} ms\n{query['sql']}")
        if query["sql"].lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))


# --- The server and the HTTP clients ---------------------------------------------------------------------


def serve(url: str, port: int, workdir: Path, workers: int = 2, threads: int = 1) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "microcredit.settings.production",
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if not (workdir / "static" / "staticfiles.json").exists():
        subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True
        )
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "microcredit.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _attempt in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    sys.exit("gunicorn did not answer")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


class Browser:
    """One signed-in person over plain HTTP on loopback: cookies kept by hand, one connection reused."""

    def __init__(self, port: int, login: str):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        page = self.get("/accounts/login/")[1]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _body = self.post(
            "/accounts/login/", {"csrfmiddlewaretoken": token, "username": login, "password": PASSWORD}
        )
        if status != 302:
            sys.exit(f"sign-in of {login} answered {status}")

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The gthread worker closes a kept-alive connection left idle (--keepalive, 2 s): as a browser
            # does, open another and send the request again.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> tuple[int, str]:
        return self.request("POST", path, urlencode(data).encode())

    def timed(self, path: str) -> float:
        started = time.perf_counter()
        status, _text = self.get(path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def single_user(servers: dict[int, tuple[int, dict]], requests: int) -> dict[int, dict[str, list[float]]]:
    """Each page at each size (``servers``: {size: (port, paths)}) ``requests`` times, one request at a
    time, in rounds: each round requests every page at every size in turn, so that a noisy moment of the
    shared machine weighs on both sizes alike (the ratios are of the same rounds)."""
    browsers = {}
    times = {size: {name: [] for name, _login, _path in PAGES} for size in servers}
    for size, (port, paths) in servers.items():
        for _name, login, path in PAGES:
            browser = browsers.get((size, login)) or browsers.setdefault((size, login), Browser(port, login))
            browser.timed(path.format(**paths))  # warm
    for _round in range(requests):
        for name, login, path in PAGES:
            for size, (_port, paths) in servers.items():
                times[size][name].append(browsers[(size, login)].timed(path.format(**paths)))
    return times


def _client_run(browser: Browser, path: str, count: int, barrier, lock, results: list) -> None:
    barrier.wait()
    for _request in range(count):
        elapsed = browser.timed(path)
        with lock:
            results.append(elapsed)


def sign_in(port: int, clients: int) -> dict[str, list[Browser]]:
    """``clients`` signed-in browsers per account of the pages (a sign-in hashes the password: done once)."""
    logins = sorted({login for _name, login, _path in PAGES})
    return {login: [Browser(port, login) for _client in range(clients)] for login in logins}


def loaded(pool: dict, paths: dict, per_client: int) -> dict[str, tuple[list[float], float]]:
    """Closed loop, no think time: one thread per browser of ``pool`` (signed in) requests one page
    ``per_client`` times at once, each the next as soon as the last answered; page by page. {page: (times,
    requests per second)}: the throughput is the requests over the wall time of the page's run."""
    times = {}
    for name, login, path in PAGES:
        browsers = pool[login]
        clients = len(browsers)
        results: list[float] = []
        lock, barrier = threading.Lock(), threading.Barrier(clients + 1)
        threads = [
            threading.Thread(
                target=_client_run, args=(browser, path.format(**paths), per_client, barrier, lock, results)
            )
            for browser in browsers
        ]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        throughput = len(results) / (time.perf_counter() - started)
        times[name] = (results, throughput)
        print(
            f"  closed loop {name}: p95 {percentile(results, 0.95) * 1000:.0f} ms, {throughput:.1f} req/s",
            flush=True,
        )
    return times


def _user_run(
    browsers: dict, paths: dict, first: int, count: int, think: float, seed: int, lock, results
) -> None:
    """One person at work: ``count`` pages in turn from the page ``first``, a random think time (exponential,
    mean ``think`` seconds) after each; the first after a uniform delay, so users do not start at once."""
    rng = random.Random(seed)  # noqa: S311 (think times, not secrets)
    time.sleep(rng.uniform(0, think))
    for step in range(count):
        name, login, path = PAGES[(first + step) % len(PAGES)]
        elapsed = browsers[login].timed(path.format(**paths))
        with lock:
            results.append((name, elapsed, time.perf_counter()))
        time.sleep(rng.expovariate(1 / think))


def thinking(pool: dict, paths: dict, count: int, think: float) -> tuple[dict[str, list[float]], float]:
    """As many people as ``pool`` has browsers per account, signed in at once, each requesting ``count``
    pages in turn with a random think time (mean ``think`` s) between them, as staff at work do: {page:
    times} and the arrival rate achieved (requests per second over the run)."""
    users = min(len(browsers) for browsers in pool.values())
    people = [{login: browsers[user] for login, browsers in pool.items()} for user in range(users)]
    results: list[tuple[str, float, float]] = []
    lock = threading.Lock()
    threads = [
        threading.Thread(
            target=_user_run, args=(browsers, paths, index, count, think, 1000 + index, lock, results)
        )
        for index, browsers in enumerate(people)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rate = len(results) / (max(finished for _name, _elapsed, finished in results) - started)
    times = {
        name: [elapsed for page, elapsed, _at in results if page == name] for name, _login, _path in PAGES
    }
    return times, rate


def child(
    args: argparse.Namespace, kind: str, size: int, page: str | None = None, **kwargs
) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [
            PYTHON,
            __file__,
            "--child",
            kind,
            "--size",
            str(size),
            "--database-url",
            args.database_url,
            "--database-prefix",
            args.database_prefix,
            *(["--page", page] if page else []),
        ],
        check=True,
        text=True,
        **kwargs,
    )


def main() -> None:
    args = parse_args()
    if args.child:
        url = database_url(args.database_url, args.size, args.database_prefix)
        {
            "generate": lambda: child_generate(url, args.size),
            "count": lambda: child_count(url),
            "profile": lambda: child_profile(url, args.page),
            "explain": lambda: child_explain(url, args.page),
        }[args.child]()
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.profile or args.explain:
        kind, page = ("profile", args.profile) if args.profile else ("explain", args.explain)
        child(args, kind, max(sizes), page=page)
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench_fast_"))
    results, targets_of = {}, {}
    print(f"Load average at the start: {' '.join(f'{load:.2f}' for load in os.getloadavg())}", flush=True)
    try:
        for size in sizes:
            url = database_url(args.database_url, size, args.database_prefix)
            if not args.reuse:
                print(f"Generating {size:,} loans in {urlsplit(url).path[1:]}…", flush=True)
                started = time.perf_counter()
                child(args, "generate", size, stdout=subprocess.DEVNULL)
                print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
            counts, paths = {}, {}
            for line in child(args, "count", size, capture_output=True).stdout.splitlines():
                name, status, queries, *sql = line.split("\t")
                if name == "#targets":
                    paths = {"circle": int(status), "loan": int(queries)}
                else:
                    counts[name] = (int(status), int(queries), float(sql[0]))
                    if counts[name][0] != 200:
                        sys.exit(f"{name} answered {status} at {size:,} loans")
            targets_of[size] = (url, counts, paths)
        # Both sizes served at once (one gunicorn each, on ``--port`` and the next ports) and measured in
        # the same rounds.
        servers = {}
        large = max(sizes)
        think = {}
        try:
            for index, size in enumerate(sizes):
                url, _counts, paths = targets_of[size]
                servers[size] = serve(url, args.port + index, workdir, args.workers, args.threads)
                where = f"circle {paths['circle']}, loan {paths['loan']}"
                print(f"Serving {size:,} loans on port {args.port + index} ({where})", flush=True)
            single = single_user(
                {size: (args.port + index, targets_of[size][2]) for index, size in enumerate(sizes)},
                args.requests,
            )
            port = args.port + sizes.index(large)
            pool = sign_in(port, args.clients)
            load = loaded(pool, targets_of[large][2], args.per_client)
            if args.think > 0:
                print(
                    f"  {args.clients} users, {args.think_requests} pages each, think time {args.think:g} s…",
                    flush=True,
                )
                think = thinking(pool, targets_of[large][2], args.think_requests, args.think)
        finally:
            for server in servers.values():
                stop(server)
        for size in sizes:
            results[size] = (targets_of[size][1], single[size])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(results, sizes, args, load, think)
    print(f"Load average at the end: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


def report(results: dict, sizes: list[int], args: argparse.Namespace, load: dict, think: tuple) -> None:
    small, large = min(sizes), max(sizes)
    server = f"gunicorn {args.workers} workers x {args.threads} threads per size"
    print(
        f"\nSingle user ({server}): p50 / p95 of {args.requests} requests per page, both sizes in each round"
    )
    header = (
        f"{'page':<20}"
        + "".join(f"{f'{size:,} p50':>12}{'p95':>8}{'queries':>9}{'SQL':>8}" for size in sizes)
        + f"{'ratio p50':>11}{'ratio SQL':>10}"
    )
    print(header)
    for name, _login, _path in PAGES:
        line = f"{name:<20}"
        for size in sizes:
            counts, single = results[size]
            line += (
                f"{statistics.median(single[name]) * 1000:>9.0f} ms"
                f"{percentile(single[name], 0.95) * 1000:>5.0f} ms{counts[name][1]:>9}"
                f"{counts[name][2] * 1000:>5.0f} ms"
            )
        ratio = statistics.median(results[large][1][name]) / statistics.median(results[small][1][name])
        sql_ratio = results[large][0][name][2] / max(results[small][0][name][2], 0.0005)
        line += f"{ratio:>10.2f}x{sql_ratio:>9.2f}x"
        print(line)
    # The queueing bound of a closed loop with no think time: N clients always waiting on c requests served at
    # once (c: the concurrency gunicorn offers, at most the CPU cores, since a request is CPU work, the app's
    # or PostgreSQL's) each taking t (the single-user p50): a response takes at least N x t / c on average.
    servers = min(args.workers * args.threads, os.cpu_count() or 1)
    clients = args.clients
    print(
        f"\nAt {large:,} loans, {clients} clients. Closed loop: no think time, {args.per_client} requests "
        f"each per page; bound = {clients} x t / {servers} (t: single-user p50; {servers}: concurrency, at "
        f"most the {os.cpu_count()} cores)."
    )
    columns = f"{'page':<20}{'t (p50)':>9}{'closed p50':>12}{'p95':>8}{'vs t':>7}{'req/s':>7}{'bound':>8}"
    if think:
        rate = think[1]
        columns += f"{'think p50':>11}{'p95':>8}{'vs t':>7}{'n':>5}"
        print(
            f"Think time: {clients} users, {args.think_requests} pages each in turn, think time exponential "
            f"of mean {args.think:g} s: {rate:.2f} req/s arrived."
        )
    print(columns)
    for name, _login, _path in PAGES:
        base = statistics.median(results[large][1][name])
        closed, throughput = load[name]
        p95 = percentile(closed, 0.95)
        line = (
            f"{name:<20}{base * 1000:>6.0f} ms{statistics.median(closed) * 1000:>9.0f} ms"
            f"{p95 * 1000:>5.0f} ms{p95 / base:>6.1f}x{throughput:>7.1f}"
            f"{clients * base / servers * 1000:>5.0f} ms"
        )
        if think:
            mine = think[0][name]
            p95 = percentile(mine, 0.95)
            line += f"{statistics.median(mine) * 1000:>8.0f} ms{p95 * 1000:>5.0f} ms"
            line += f"{p95 / base:>6.1f}x{len(mine):>5}"
        print(line)
    if think:
        every = [elapsed for times in think[0].values() for elapsed in times]
        blank = " " * 58
        median, p95 = statistics.median(every) * 1000, percentile(every, 0.95) * 1000
        print(f"{'every page':<20}{blank}{median:>8.0f} ms{p95:>5.0f} ms{'':>7}{len(every):>5}")


if __name__ == "__main__":
    main()
