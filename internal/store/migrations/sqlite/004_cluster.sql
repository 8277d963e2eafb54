-- Cluster tables (see the PostgreSQL migration). A SQLite database serves
-- one process, so they stay empty there; they exist so that both dialects
-- share one schema and one set of store methods.
CREATE TABLE cluster_nodes (
    id           TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
);

CREATE TABLE session_leases (
    session_id TEXT PRIMARY KEY REFERENCES whatsapp_sessions(id) ON DELETE CASCADE,
    node_id    TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX session_leases_node ON session_leases (node_id);

CREATE TABLE cluster_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    payload    BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
