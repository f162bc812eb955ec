"""Create or drop a fresh PostgreSQL database for one test run.

python scripts/pg_test_db.py create ADMIN_URL      -> prints the new database's name
python scripts/pg_test_db.py drop ADMIN_URL NAME
"""

import secrets
import sys

import psycopg
from psycopg import sql


def main() -> int:
    action, admin_url = sys.argv[1], sys.argv[2]
    try:
        conn = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        print(f"cannot connect: {error}".strip(), file=sys.stderr)
        return 1
    with conn:
        if action == "create":
            name = f"vinculo_run_{secrets.token_hex(4)}"
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(name)
        else:
            name = sys.argv[3]
            for db in (name, f"test_{name}"):
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db))
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
