"""Compares two PostgreSQL databases table by table (row count and a checksum of every row), for the
backup/restore check of scripts/stack.sh.  Usage: python scripts/compare_databases.py URL_A URL_B"""

import sys

import psycopg

TABLES = """
SELECT quote_ident(table_name) FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name
"""


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    with psycopg.connect(url) as connection:
        tables = [row[0] for row in connection.execute(TABLES)]
        result = {}
        for table in tables:
            # Table names come from the catalogue, quoted by PostgreSQL itself.
            rows = "coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')"
            count, digest = connection.execute(f"SELECT count(*), {rows} FROM {table} t").fetchone()  # noqa: S608
            result[table] = (count, digest)
        return result


def main(first: str, second: str) -> int:
    a, b = fingerprint(first), fingerprint(second)
    differences = sorted(name for name in a.keys() | b.keys() if a.get(name) != b.get(name))
    rows = sum(count for count, _ in a.values())
    if differences:
        print(f"{len(differences)} tables differ: {', '.join(differences)}", file=sys.stderr)
        return 1
    print(f"{len(a)} tables, {rows} rows: identical")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
