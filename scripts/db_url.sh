# Sourced by db_backup and db_restore: DATABASE_URL as libpq reads it (django-environ's
# postgres://, postgresql://, pgsql:// and psql:// schemes), or a clear refusal.
libpq_url() {
    local url=${DATABASE_URL:-}
    case "$url" in
        postgres://*|postgresql://*) echo "$url" ;;
        pgsql://*|psql://*) echo "postgresql://${url#*://}" ;;
        "") echo "DATABASE_URL is not set: backups are for PostgreSQL (the SQLite demo" \
                 "database is one file, db.sqlite3)." >&2; return 1 ;;
        *) echo "DATABASE_URL is not PostgreSQL: make backup and make restore use pg_dump" \
                "and pg_restore." >&2; return 1 ;;
    esac
}
