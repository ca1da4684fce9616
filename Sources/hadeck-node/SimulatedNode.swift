import Foundation
import HADeckCore
import NIOCore
import NIOPosix
import PostgresNIO

/// The node's state and its work: the heartbeat loop, the messenger port and the HTTP API.
actor SimulatedNode {
    let name: String
    let address: String
    let profile: ProductProfile
    let settings: NodeSettings
    let versionNumber: String
    let version: ProductVersion
    let apiKey: String
    let listensForMessenger: Bool
    let database: ClusterDatabase

    /// The database unreachable, or its schema one this version cannot serve.
    private var databaseError: String? = "not connected yet"
    private var keyMismatch: String?
    private var storageError: String?
    private var messengerError: String?
    private var messengerChannel: (any Channel)?

    init(name: String, address: String, profile: ProductProfile, settings: NodeSettings, version: ProductVersion, apiKey: String,
         listensForMessenger: Bool) {
        self.listensForMessenger = listensForMessenger
        self.name = name
        self.address = address
        self.profile = profile
        self.settings = settings
        self.versionNumber = version.text
        self.version = version
        self.apiKey = apiKey
        self.database = ClusterDatabase(settings.database, node: name)
    }

    /// Serves until killed.
    func run() async throws {
        let server = try await HTTPServer.start(address: address, port: settings.webPort) { [self] request in
            await self.respond(to: request)
        }
        Self.log("INFO", "hadeck-node \(name): http://\(address):\(settings.webPort), version \(versionNumber)")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.database.client.run() }
            group.addTask { await self.heartbeats() }
            group.addTask { try? await server.closeFuture.get() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Once a second: the database, the key the cluster recorded, the shared storage.
    private func heartbeats() async {
        var started = false
        var logged: [String] = []
        while !Task.isCancelled {
            // As the product logs what goes wrong: each problem when it starts, and the recovery.
            if started, problems != logged {
                for problem in problems where !logged.contains(problem) { Self.log("ERROR", problem) }
                if problems.isEmpty { Self.log("INFO", "healthy again") }
                logged = problems
            }
            do {
                // The pool waits for a connection as long as it takes; a node must notice sooner.
                let first = !started
                try await withTimeout(.seconds(6)) { [self] in try await self.heartbeatRound(started: !first) }
                started = true
            } catch {
                databaseError = "database unreachable: \(Self.reason(error))"
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// One line of the node's log (its stdout, which the lab keeps in `node.log`), with the time.
    static func log(_ level: String, _ text: String) {
        print("\(ISO8601DateFormatter().string(from: Date())) \(level) \(text)")
        fflush(nil)
    }

    /// PostgresNIO hides an error's details from `description`; the server's own message is what an administrator needs.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            return error.serverInfo?[.message] ?? "\(error.code)"
        }
        return String(String(describing: error).prefix(200))
    }

    private func heartbeatRound(started: Bool) async throws {
                if !started {
                    try await database.prepare()
                    if let replaced = try await database.upgradeSchema(to: version) {
                        Self.log("INFO", "upgraded the database schema from \(replaced) to \(versionNumber)")
                    }
                    try await database.register(node: name, address: address, version: versionNumber)
                    do { try await startMessenger(); messengerError = nil } catch {
                        messengerError = "messenger: cannot listen: \(error)"
                    }
                }
                try await database.heartbeat(node: name)
                databaseError = schemaProblem(try await database.schemaVersion())
                if let key = settings.encryptionKey {
                    let mine = String(SHA256.hex(key).prefix(16))
                    let recorded = try await database.recordedKeyFingerprint(offering: mine)
                    keyMismatch = recorded == mine ? nil
                        : "encryption key: this node's key differs from the one the cluster's database recorded first; data it encrypted cannot be read here"
                }
                checkStorage(try await database.settings()[profile.storageSetting ?? ""])
    }

    /// Why this version cannot serve the database's schema (one a newer version upgraded, not
    /// one the vendor documents as backward-compatible), as the product reports it: nil if it can.
    private func schemaProblem(_ recorded: String?) -> String? {
        guard let recorded else { return nil }
        guard let schema = ProductVersion(recorded) else { return "the database schema version '\(recorded)' is not a version this node knows" }
        guard !profile.canServe(schemaOf: schema, at: version) else { return nil }
        return "the database schema is at \(schema), newer than this node's version \(versionNumber): upgrade this node to \(schema) or later"
    }

    /// Writes this node's marker package under the storage root, as the product writes packages.
    private func checkStorage(_ root: String?) {
        guard profile.storageSetting != nil else { return }
        guard let root, !root.isEmpty else { storageError = "storage: \(profile.storageSetting!) is not set"; return }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            storageError = "storage: \(root) does not exist (the product does not create it)"
            return
        }
        let marker = root + "/.hadeck-node-\(name).marker"
        if FileManager.default.createFile(atPath: marker, contents: Data("\(name) \(Date())\n".utf8)) {
            storageError = nil
        } else {
            storageError = "storage: \(root) is not writable by this node"
        }
    }

    /// Listens on the messenger port when `Service.MessengerEndpoint` is `tcp://*:PORT` (read at start).
    private func startMessenger() async throws {
        guard listensForMessenger, messengerChannel == nil,
              let endpoint = try await database.settings()[ProductProfile.messengerEndpointSetting],
              endpoint.hasPrefix("tcp://*:"), let port = Int(endpoint.dropFirst("tcp://*:".count)) else { return }
        messengerChannel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: address, port: port).get()
    }

    func respond(to request: HTTPServer.Request) async -> HTTPServer.Response {
        switch (request.method, request.path) {
        case ("GET", "/health") where request.query["format"] == "json", ("GET", "/health/json"):
            return .json(healthJSON(), status: problems.isEmpty ? 200 : 500)
        case ("GET", "/health"):
            return problems.isEmpty ? .text("OK") : .text(problems.joined(separator: "\n"), status: 500)
        case (_, let path) where path.hasPrefix("/api/settings/"):
            guard let key = request.headers["x-apikey"] else { return .text("An API key is required (X-ApiKey).", status: 401) }
            guard key == apiKey else { return .text("The API key is not valid.", status: 403) }
            return await settingsAPI(request)
        default:
            return .text("Not found", status: 404)
        }
    }

    private var problems: [String] { [databaseError, keyMismatch, storageError, messengerError].compactMap { $0 } }

    private func healthJSON() -> [String: Any] {
        let service = [keyMismatch, storageError, messengerError].compactMap { $0 }
        return [
            "applicationName": profile.displayName,
            "databaseStatus": databaseError == nil ? "OK" : "Error",
            "databaseStatusDetails": databaseError ?? NSNull(),
            "licenseStatus": "OK",
            "licenseStatusDetail": NSNull(),
            "serviceStatus": service.isEmpty ? "OK" : "Error",
            "serviceStatusDetail": service.isEmpty ? NSNull() : service.joined(separator: "; "),
            "versionNumber": versionNumber,
            "releaseNumber": versionNumber + ".0",
            "extensionsInstalled": [String: String](),
            "replicationStatus": NSNull(),
        ]
    }

    /// How long the settings API waits for the database. The pool would wait for a connection
    /// as long as it takes, and then store a value whose caller gave up minutes ago; the product
    /// answers an error instead, within the 5 s HADeck waits.
    static let databaseWait = Duration.seconds(3)

    private func settingsAPI(_ request: HTTPServer.Request) async -> HTTPServer.Response {
        do {
            switch (request.method, request.path) {
            case ("GET", "/api/settings/list"):
                let stored = try await withTimeout(Self.databaseWait) { [database] in try await database.settings() }
                let known = SettingsCatalog.settings(for: profile)
                var items = known.map { setting -> [String: Any] in
                    ["name": setting.name, "value": stored[setting.name] ?? setting.defaultValue,
                     "description": setting.description, "valueType": setting.valueType]
                }
                for (name, value) in stored.sorted(by: { $0.key < $1.key }) where !known.contains(where: { $0.name == name }) {
                    items.append(["name": name, "value": value, "description": "", "valueType": "Text"])
                }
                return .json(items)
            case ("POST", "/api/settings/set"):
                guard let name = request.query["name"], !name.isEmpty, let value = request.query["value"] else {
                    return .text("name and value are required", status: 400)
                }
                try await withTimeout(Self.databaseWait) { [database] in try await database.set(name, to: value) }
                return .text("")
            default:
                return .text("Not found", status: 404)
            }
        } catch {
            return .text("The database is not reachable: \(error)", status: 500)
        }
    }
}

/// The advanced settings the simulated product knows, with what its settings API says of them.
enum SettingsCatalog {
    struct Entry { var name, description, valueType, defaultValue: String }

    static func settings(for profile: ProductProfile) -> [Entry] {
        var entries = [
            Entry(name: ProductProfile.messengerEndpointSetting, description: "Endpoint of the service messenger, e.g. tcp://*:33237", valueType: "Text", defaultValue: ""),
            Entry(name: ProductProfile.messengerKeySetting, description: "Shared secret of the service messenger", valueType: "Text", defaultValue: ""),
            Entry(name: "Web.BaseUrl", description: "The URL users reach the web application at", valueType: "Text", defaultValue: ""),
            Entry(name: profile.highAvailabilitySetting, description: "High availability (automatic fail-over)", valueType: "Boolean", defaultValue: "False"),
            Entry(name: profile.heartbeatFrequencySetting, description: "Seconds between node heartbeats", valueType: "Integer", defaultValue: "30"),
            Entry(name: profile.staleTimeoutSetting, description: "Seconds after which a silent node is stale", valueType: "Integer", defaultValue: "120"),
        ]
        if let storage = profile.storageSetting {
            entries.insert(Entry(name: storage, description: "Root of the shared package store", valueType: "Text", defaultValue: ""), at: 0)
        }
        return entries
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var description: String { "no answer within the time allowed" }
}

/// Runs `work`, giving up (and cancelling it) after `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await work() }
        group.addTask { try await Task.sleep(for: limit); throw TimedOut() }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
