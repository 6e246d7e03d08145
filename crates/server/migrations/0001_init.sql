-- Portable SQL (SQLite and PostgreSQL): TEXT ids, RFC 3339 timestamps as TEXT.
CREATE TABLE IF NOT EXISTS projects (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    live_key_hash  TEXT NOT NULL UNIQUE,
    test_key_hash  TEXT NOT NULL UNIQUE,
    created_at     TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS linked_accounts (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL REFERENCES projects (id),
    end_user_id    TEXT NOT NULL,
    provider       TEXT NOT NULL,
    environment    TEXT NOT NULL CHECK (environment IN ('live', 'test')),
    credentials    TEXT NOT NULL,
    field_mapping  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (project_id, environment, provider, end_user_id)
);

CREATE INDEX IF NOT EXISTS linked_accounts_project ON linked_accounts (project_id);
