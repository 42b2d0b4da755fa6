#!/usr/bin/env bash
# make restore FILE=var/backups/<stamp>.pgdump|.sqlite3 [FORCE=1]: restore a backup made by
# scripts/backup.sh into the configured database.
#
#   .pgdump  -> DATABASE_URL (PostgreSQL): pg_restore --no-owner --no-privileges in one
#               transaction (all or nothing). The target must be empty (no tables in its
#               schema): create it first (createdb). FORCE=1 drops and replaces existing objects.
#   .sqlite3 -> SQLITE_PATH (default var/jiceng.sqlite3): refused if that database has tables,
#               unless FORCE=1. Stop the server and workers first.
#
# Then run `manage.py migrate` (a no-op when the code matches the backup) and restart.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
[[ -x "$PY" ]] || PY=python3
file="${1:-${FILE:-}}"
force="${FORCE:-0}"
die() { echo "restore: $*" >&2; exit 2; }
[[ -n "$file" ]] || die "give the backup file: make restore FILE=var/backups/<stamp>.pgdump"
[[ -f "$file" ]] || die "no such file: $file"

pg_tool() {
    local major
    major="$("$PY" -c 'import os, psycopg2; c = psycopg2.connect(os.environ["DATABASE_URL"]); print(c.server_version // 10000)')"
    if [[ -x "/usr/lib/postgresql/$major/bin/$1" ]]; then
        echo "/usr/lib/postgresql/$major/bin/$1"
    else
        command -v "$1" || die "$1 not found (install postgresql-client-$major)"
    fi
}

case "$file" in
*.pgdump)
    url="${DATABASE_URL:-}"
    [[ "$url" =~ ^postgres(ql)?:// ]] || die "a .pgdump file restores into PostgreSQL: set DATABASE_URL=postgres://..."
    tables="$("$PY" -c '
import os, psycopg2
with psycopg2.connect(os.environ["DATABASE_URL"]) as c, c.cursor() as cur:
    cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
    print(cur.fetchone()[0])')"
    options=(--no-owner --no-privileges --exit-on-error --single-transaction)
    if [[ "$tables" != "0" ]]; then
        [[ "$force" == "1" ]] || die "the target database is not empty ($tables tables); restore into an empty database, or FORCE=1 to replace it"
        options+=(--clean --if-exists)
    fi
    "$(pg_tool pg_restore)" "${options[@]}" --dbname="$url" "$file"
    ;;
*.sqlite3)
    [[ -z "${DATABASE_URL:-}" ]] || die "a .sqlite3 file restores into SQLite: unset DATABASE_URL (and set SQLITE_PATH)"
    target="${SQLITE_PATH:-var/jiceng.sqlite3}"
    mkdir -p "$(dirname "$target")"
    "$PY" - "$file" "$target" "$force" <<'PYTHON'
import os, sqlite3, sys
backup, target, force = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
    sys.exit(f"restore: {backup} is damaged (integrity check failed)")
if os.path.exists(target):
    existing = sqlite3.connect(target)
    tables = existing.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    existing.close()
    if tables and not force:
        print(f"restore: the target database {target} is not empty ({tables} tables); "
              "restore into an empty database, or FORCE=1 to replace it", file=sys.stderr)
        sys.exit(2)
destination = sqlite3.connect(target, timeout=30)
source.backup(destination)
destination.execute("PRAGMA journal_mode=WAL")
destination.close()
source.close()
PYTHON
    ;;
*)
    die "unknown backup kind: $file (expected .pgdump or .sqlite3)"
    ;;
esac
echo "restored $file"
