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
        let logger = Logger(label: "hadeck-node.db", factory: { _ in SwiftLogNoOpLogHandler() })
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(4246533)", logger: logger)
            do {
                for statement: PostgresQuery in [
                    "CREATE TABLE IF NOT EXISTS hadeck_settings (name text PRIMARY KEY, value text NOT NULL)",
                    "CREATE TABLE IF NOT EXISTS hadeck_nodes (name text PRIMARY KEY, address text, version text, started_at timestamptz, heartbeat_at timestamptz)",
                    "CREATE TABLE IF NOT EXISTS hadeck_cluster (key text PRIMARY KEY, value text NOT NULL)",
                ] {
                    try await connection.query(statement, logger: logger)
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(4246533)", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(4246533)", logger: logger)
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
