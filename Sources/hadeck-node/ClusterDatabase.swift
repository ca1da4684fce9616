import Foundation
import HADeckCore
import Logging
import PostgresNIO

/// The cluster's shared database as the node uses it: settings, node registry, heartbeats,
/// and the encryption key fingerprint the cluster recorded first.
struct ClusterDatabase: Sendable {
    let client: PostgresClient

    init(_ connection: ConnectionString, node: String) {
        let host = connection.host ?? "127.0.0.1", port = connection.port ?? 5432, user = connection.username ?? "postgres"
        // As Npgsql does, a Host that is a directory means the server's Unix socket in it.
        var configuration = host.hasPrefix("/")
            ? PostgresClient.Configuration(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: connection.password, database: connection.database)
            : PostgresClient.Configuration(host: host, port: port, username: user, password: connection.password, database: connection.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "hadeck-node \(node)")]
        configuration.options.keepAliveBehavior = nil
        client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "hadeck-node.db", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// Creates what the node needs, if another node has not already. Nodes starting together
    /// would race (PostgreSQL fails one `CREATE TABLE IF NOT EXISTS` of two with a duplicate
    /// key in pg_type), so they take turns under an advisory lock.
    func prepare() async throws {
        try await exclusively { connection, logger in
            for statement: PostgresQuery in [
                "CREATE TABLE IF NOT EXISTS hadeck_settings (name text PRIMARY KEY, value text NOT NULL)",
                "CREATE TABLE IF NOT EXISTS hadeck_nodes (name text PRIMARY KEY, address text, version text, started_at timestamptz, heartbeat_at timestamptz)",
                "CREATE TABLE IF NOT EXISTS hadeck_cluster (key text PRIMARY KEY, value text NOT NULL)",
            ] {
                try await connection.query(statement, logger: logger)
            }
        }
    }

    /// What the product does to its database schema when it starts (2025 and later): records
    /// this version's schema in a database that has none, and upgrades an older one. A newer
    /// schema is left alone (the node reports it instead). Nodes starting together take turns,
    /// so that two versions never both read the old schema. Returns the schema version replaced,
    /// nil when nothing changed.
    func upgradeSchema(to version: ProductVersion) async throws -> String? {
        try await exclusively { connection, logger in
            var recorded: String?
            for try await value in try await connection.query(Self.schemaQuery, logger: logger).decode(String.self) { recorded = value }
            // A schema this node cannot read as a version is left for the heartbeat to report.
            if let recorded { guard let schema = ProductVersion(recorded), schema < version else { return nil } }
            try await connection.query("""
                INSERT INTO hadeck_cluster (key, value) VALUES ('schema_version', \(version.text))
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                """, logger: logger)
            return recorded
        }
    }

    /// The version whose schema the database holds (nil before any node or the lab recorded one).
    func schemaVersion() async throws -> String? {
        for try await value in try await client.query(Self.schemaQuery).decode(String.self) { return value }
        return nil
    }

    private static var schemaQuery: PostgresQuery { "SELECT value FROM hadeck_cluster WHERE key = 'schema_version'" }

    /// Runs `body` on one connection holding the nodes' advisory lock, released however it ends.
    private func exclusively<T: Sendable>(_ body: @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        let logger = Logger(label: "hadeck-node.db", factory: { _ in SwiftLogNoOpLogHandler() })
        return try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(4246533)", logger: logger)
            let result: T
            do { result = try await body(connection, logger) } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(4246533)", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(4246533)", logger: logger)
            return result
        }
    }

    /// The key fingerprint the cluster recorded first (this node's, if it is the first).
    func recordedKeyFingerprint(offering fingerprint: String) async throws -> String {
        try await client.query("INSERT INTO hadeck_cluster (key, value) VALUES ('encryption_key', \(fingerprint)) ON CONFLICT (key) DO NOTHING")
        for try await (value) in try await client.query("SELECT value FROM hadeck_cluster WHERE key = 'encryption_key'").decode(String.self) {
            return value
        }
        return fingerprint
    }

    func register(node: String, address: String, version: String) async throws {
        try await client.query("""
            INSERT INTO hadeck_nodes (name, address, version, started_at, heartbeat_at) VALUES (\(node), \(address), \(version), now(), now())
            ON CONFLICT (name) DO UPDATE SET address = EXCLUDED.address, version = EXCLUDED.version, started_at = now(), heartbeat_at = now()
            """)
    }

    func heartbeat(node: String) async throws {
        try await client.query("UPDATE hadeck_nodes SET heartbeat_at = now() WHERE name = \(node)")
    }

    func settings() async throws -> [String: String] {
        var result: [String: String] = [:]
        for try await (name, value) in try await client.query("SELECT name, value FROM hadeck_settings").decode((String, String).self) {
            result[name] = value
        }
        return result
    }

    func set(_ name: String, to value: String) async throws {
        try await client.query("INSERT INTO hadeck_settings (name, value) VALUES (\(name), \(value)) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value")
    }
}
