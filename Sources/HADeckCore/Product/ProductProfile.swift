/// Everything HADeck knows about one Inedo product, each fact in exactly one place.
///
/// Names marked *unconfirmed* are not in the vendor's public documentation; they live here
/// so that correcting one is a one-line change.
public struct ProductProfile: Sendable, Equatable {
    public enum Product: String, Sendable, CaseIterable, Codable {
        case proget, buildmaster, otter
    }

    public let product: Product
    public let displayName: String
    /// The SharedConfig file under `%ProgramData%\Inedo\SharedConfig\` on Windows.
    public let configFileName: String
    /// Prefix of the Linux/Docker environment variables (`PROGET_SQL_CONNECTION_STRING`).
    public let envPrefix: String
    /// Windows services, newest layout first.
    public let windowsServices: [String]
    public let dockerContainer: String
    /// The cluster-wide shared storage setting, if the product has one.
    public let storageSetting: String?
    public let defaultWebPort: Int
    /// *Unconfirmed*: the HA switch, heartbeat frequency and stale timeout settings.
    public let highAvailabilitySetting: String
    public let heartbeatFrequencySetting: String
    public let staleTimeoutSetting: String

    public static let messengerEndpointSetting = "Service.MessengerEndpoint"
    /// The settings-API settings every node reads only when it starts (the HA guide's
    /// advanced cluster options): a change needs every node restarted.
    public static let readAtStartSettings = ["Service.HeartbeatFrequency", "Service.StaleNodeTimeout"]
    public static func readAtStartNote(_ name: String) -> String? {
        readAtStartSettings.contains(name) ? "Every node reads \(name) only when it starts: restart them one at a time after setting it." : nil
    }
    public static let messengerKeySetting = "Service.MessengerKey"
    public static let defaultMessengerPort = 33237

    /// The configuration-file settings that have an environment variable, by the
    /// variable's name after the prefix. Other variables keep their own names.
    static let environmentSuffixes: [(setting: String, suffix: String)] = [
        ("ConnectionString", "SQL_CONNECTION_STRING"),
        ("PostgresConnectionString", "POSTGRES_CONNECTION_STRING"),
        ("EncryptionKey", "ENCRYPTION_KEY"),
    ]

    /// Settings whose value must be identical on every node of a cluster (the HA guide: the
    /// same database, the same encryption key). An env file's `X_FILE` form reads as X.
    public static let clusterWideSettings = ["ConnectionString", "PostgresConnectionString", "EncryptionKey"]

    /// Settings expected to differ from node to node: where the product is installed and logs,
    /// and the node's own web binding (a service-only node turns its web server off; a node
    /// may listen on its own URLs behind the load balancer).
    public static let nodeLocalSettings = ["InstallationPath", "LogPath", "WebServer.Enabled", "WebServer.Urls"]

    /// Whether a difference between nodes in a setting breaks the cluster.
    public enum SettingClass: String, Sendable, Codable {
        /// Must be identical: a difference is a fault.
        case clusterWide = "cluster-wide"
        /// Expected to differ: a difference is a note.
        case nodeLocal = "node-local"
        /// Neither known to matter nor known not to: a difference is a note.
        case other
    }

    public static func settingClass(of name: String) -> SettingClass {
        clusterWideSettings.contains(name) ? .clusterWide : nodeLocalSettings.contains(name) ? .nodeLocal : .other
    }

    /// The configuration-file settings the product documents (SharedConfig's elements and
    /// attributes); any other name is accepted only when a node's file already has it.
    public var fileSettings: [String] { Self.clusterWideSettings + ["WebServer.Enabled", "WebServer.Urls"] }

    /// The settings-API settings HADeck knows by name, with their value types (the API's
    /// `valueType`: Text, Integer, Boolean); the API's own list adds the rest at run time.
    public var apiSettings: [(name: String, valueType: String)] {
        [(highAvailabilitySetting, "Boolean"), (heartbeatFrequencySetting, "Integer"), (staleTimeoutSetting, "Integer"),
         (Self.messengerEndpointSetting, "Text"), (Self.messengerKeySetting, "Text"), ("Web.BaseUrl", "Text")]
            + (storageSetting.map { [($0, "Text")] } ?? [])
    }

    /// `PROGET_ENCRYPTION_KEY` for `EncryptionKey`; nil for settings without a variable.
    public func environmentVariable(for setting: String) -> String? {
        Self.environmentSuffixes.first { $0.setting == setting }.map { "\(envPrefix)_\($0.suffix)" }
    }

    /// `EncryptionKey` for `PROGET_ENCRYPTION_KEY`; other variables keep their names.
    public func setting(forEnvironmentVariable variable: String) -> String {
        Self.environmentSuffixes.first { "\(envPrefix)_\($0.suffix)" == variable }?.setting ?? variable
    }

    public static func profile(for product: Product) -> ProductProfile {
        switch product {
        case .proget:
            ProductProfile(product: .proget, displayName: "ProGet", configFileName: "ProGet.config", envPrefix: "PROGET",
                           windowsServices: ["INEDOPROGETSVC", "INEDOPROGETWEBSVC"], dockerContainer: "proget",
                           storageSetting: "Storage.PackagesRootPath", defaultWebPort: 8624,
                           highAvailabilitySetting: "Service.HighAvailabilityEnabled",
                           heartbeatFrequencySetting: "Service.HeartbeatFrequency",
                           staleTimeoutSetting: "Service.StaleNodeTimeout")
        case .buildmaster:
            ProductProfile(product: .buildmaster, displayName: "BuildMaster", configFileName: "BuildMaster.config", envPrefix: "BUILDMASTER",
                           windowsServices: ["INEDOBMSVC", "INEDOBMWEBSVC"], dockerContainer: "buildmaster",
                           storageSetting: "Artifacts.BasePath", defaultWebPort: 8622,
                           highAvailabilitySetting: "Service.HighAvailabilityEnabled",
                           heartbeatFrequencySetting: "Service.HeartbeatFrequency",
                           staleTimeoutSetting: "Service.StaleNodeTimeout")
        case .otter:
            ProductProfile(product: .otter, displayName: "Otter", configFileName: "Otter.config", envPrefix: "OTTER",
                           windowsServices: ["INEDOOTTERSVC", "INEDOOTTERWEBSVC"], dockerContainer: "otter",
                           storageSetting: nil, defaultWebPort: 8626,
                           highAvailabilitySetting: "Service.HighAvailabilityEnabled",
                           heartbeatFrequencySetting: "Service.HeartbeatFrequency",
                           staleTimeoutSetting: "Service.StaleNodeTimeout")
        }
    }
}
