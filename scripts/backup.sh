#!/usr/bin/env bash
# make backup: a consistent copy of the database into var/backups/<UTC timestamp>.<kind>.
#
#   PostgreSQL (DATABASE_URL=postgres://...): pg_dump custom format, <stamp>.pgdump, taken in one
#     snapshot while the system runs; the pg_dump matching the server's major version is used
#     when several are installed (/usr/lib/postgresql/<major>/bin).
#   SQLite (no DATABASE_URL): SQLite's online backup API, <stamp>.sqlite3, consistent even
#     while the server writes (WAL).
#
# Each backup is checked (pg_restore --list / PRAGMA integrity_check) before it gets its final
# name, so a file in var/backups without ".partial" is complete. Files are mode 600 in a
# mode 700 directory: they hold encrypted personal data (the key, JICENG_FIELD_KEY, is NOT in
# the backup: keep it separately, or the restored ID and phone numbers cannot be read).
# Prints the path of the new backup. Environment: DATABASE_URL, SQLITE_PATH, BACKUP_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
[[ -x "$PY" ]] || PY=python3
BACKUP_DIR="${BACKUP_DIR:-var/backups}"
umask 077
mkdir -p "$BACKUP_DIR"
chmod 700 "$BACKUP_DIR"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out=""
trap 'status=$?; [[ $status -ne 0 && -n "$out" ]] && rm -f "$out.partial"; exit $status' EXIT

pg_tool() {  # pg_tool pg_dump -> the binary matching the server's major version
    local major
    major="$("$PY" -c 'import os, psycopg2; c = psycopg2.connect(os.environ["DATABASE_URL"]); print(c.server_version // 10000)')"
    if [[ -x "/usr/lib/postgresql/$major/bin/$1" ]]; then
        echo "/usr/lib/postgresql/$major/bin/$1"
    else
        command -v "$1" || { echo "backup: $1 not found (install postgresql-client-$major)" >&2; exit 1; }
    fi
}

url="${DATABASE_URL:-}"
if [[ "$url" =~ ^postgres(ql)?:// ]]; then
    out="$BACKUP_DIR/$stamp.pgdump"
    [[ -e "$out" ]] && out="$BACKUP_DIR/$stamp-$$.pgdump"
    "$(pg_tool pg_dump)" --format=custom --no-owner --no-privileges --file="$out.partial" --dbname="$url"
    "$(pg_tool pg_restore)" --list "$out.partial" > /dev/null
elif [[ -z "$url" ]]; then
    source_db="${SQLITE_PATH:-var/jiceng.sqlite3}"
    [[ -f "$source_db" ]] || { echo "backup: no SQLite database at $source_db" >&2; exit 1; }
    out="$BACKUP_DIR/$stamp.sqlite3"
    [[ -e "$out" ]] && out="$BACKUP_DIR/$stamp-$$.sqlite3"
    "$PY" - "$source_db" "$out.partial" <<'PYTHON'
import sqlite3, sys
source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30)
target = sqlite3.connect(sys.argv[2])
source.backup(target)
target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
result = target.execute("PRAGMA integrity_check").fetchone()[0]
target.close()
source.close()
if result != "ok":
    sys.exit(f"backup: integrity check failed: {result}")
PYTHON
else
    echo "backup: unsupported DATABASE_URL scheme (PostgreSQL or SQLite only)" >&2
    exit 1
fi
mv "$out.partial" "$out"
chmod 600 "$out"
echo "$out"
