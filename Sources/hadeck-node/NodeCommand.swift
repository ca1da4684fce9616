import ArgumentParser
import Foundation
import HADeckCore

/// `hadeck-node`: one simulated ProGet / BuildMaster / Otter node for HADeck's lab.
///
/// It reproduces the product's documented outside behaviour only: it reads its
/// configuration file once, at start; serves /health and the settings API on the port of its
/// `WebServer` URL; keeps shared settings, a node registry and heartbeats in the PostgreSQL
/// database its connection string names; and reports what is wrong the way the product does.
@main
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hadeck-node",
                                                    abstract: "A simulated product node (HADeck's lab).")

    @Option(help: "The node's name in the cluster.") var name: String
    @Option(help: "The loopback address to listen on.") var address: String
    @Option(help: "The node's configuration file (XML SharedConfig or env file).") var config: String
    @Option(help: "xml or env (default: from the file name).") var format: ConfigFormat?
    @Option(help: "proget, buildmaster or otter.") var product: ProductProfile.Product = .proget
    @Option(help: "The product version this node reports.") var versionNumber = "2025.10"
    @Option(help: "A file holding the API key the settings API requires (X-ApiKey).") var apiKeyFile: String
    @Flag(help: "Do not open the messenger port (the lab's `messenger` fault: the port is closed).") var messengerClosed = false
    @Option(help: "Fail to start any version newer than this one (the lab's `upgrade` fault: the upgrade failed).") var failUpgradesFrom: String?

    func validate() throws {
        for (option, value) in [("--version-number", versionNumber), ("--fail-upgrades-from", failUpgradesFrom)] {
            guard let value, ProductVersion(value) == nil else { continue }
            throw ValidationError("\(option): '\(value)' is not a product version (e.g. 2025.10)")
        }
    }

    func run() async throws {
        let version = ProductVersion(versionNumber)!
        // As a service whose new version fails to start: it says why in its log and exits at
        // once, before it touches the database (the schema stays at the old version).
        if let base = failUpgradesFrom.flatMap(ProductVersion.init), version > base {
            SimulatedNode.log("ERROR", "cannot start version \(version): the upgrade failed (lab fault: this node fails to start any version newer than \(base))")
            throw ExitCode.failure
        }
        let profile = ProductProfile.profile(for: product)
        let settings = try NodeSettings.load(path: config, format: format ?? .inferred(fromPath: config), profile: profile)
        let apiKey = try String(contentsOfFile: apiKeyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let node = SimulatedNode(name: name, address: address, profile: profile, settings: settings,
                                 version: version, apiKey: apiKey, listensForMessenger: !messengerClosed)
        try await node.run()
    }
}

extension ConfigFormat: ExpressibleByArgument {}
extension ProductProfile.Product: ExpressibleByArgument {}

/// What the node took from its configuration file at start.
struct NodeSettings: Sendable {
    var database: ConnectionString
    var encryptionKey: String?
    var webPort: Int

    static func load(path: String, format: ConfigFormat, profile: ProductProfile) throws -> NodeSettings {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        let document = try ConfigParser.parse(Array(data), format: format, profile: profile)
        guard let connection = document.value(of: "PostgresConnectionString") else {
            throw ValidationError("\(path): no PostgresConnectionString (the lab's nodes use PostgreSQL)")
        }
        // `http://*:8624` → 8624; env files have no URL: the product's default port.
        let port = document.value(of: "WebServer.Urls").flatMap { $0.split(separator: ":").last.flatMap { Int($0.filter(\.isNumber)) } }
        return NodeSettings(database: ConnectionString(connection), encryptionKey: document.value(of: "EncryptionKey"),
                            webPort: port ?? profile.defaultWebPort)
    }
}
