-- Several nodes on one PostgreSQL database. Each node registers itself and
-- heartbeats; each running WhatsApp session is leased to exactly one node,
-- which renews the lease; another node takes over a lease that expired.
-- Times are Unix milliseconds from the nodes' clocks (keep them in sync).
CREATE TABLE cluster_nodes (
    id           TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);

CREATE TABLE session_leases (
    session_id TEXT PRIMARY KEY REFERENCES whatsapp_sessions(id) ON DELETE CASCADE,
    node_id    TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX session_leases_node ON session_leases (node_id);

-- Realtime events too large for a NOTIFY payload travel through this table;
-- rows live for a minute.
CREATE TABLE cluster_events (
    id         BIGSERIAL PRIMARY KEY,
    payload    BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
