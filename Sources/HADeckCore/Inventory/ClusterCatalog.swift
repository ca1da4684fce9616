import Foundation

/// The clusters a run knows by name, for `-c NAME` and the console's `:cluster`: each inventory
/// given with `-i` (in order), every `*.yaml` in `$XDG_CONFIG_HOME/hadeck/clusters/` (by file
/// name), and, when no `-i` was given, the inventory today's lookup finds (so that the console
/// can switch back to where it started). A cluster's name is its inventory's `name:` (the file's
/// name without `.yaml` when it has none, or when the file cannot be read: choosing it then
/// says what is wrong with the file).
public struct ClusterCatalog: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var path: String

        public init(name: String, path: String) {
            self.name = name
            self.path = path
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// `$XDG_CONFIG_HOME/hadeck/clusters` (`~/.config` when XDG_CONFIG_HOME is unset).
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        InventoryLocator.configHome(environment: environment) + "/hadeck/clusters"
    }

    public static func discover(inventories: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                                currentDirectory: String = FileManager.default.currentDirectoryPath) -> ClusterCatalog {
        var paths = inventories
        let directory = directory(environment: environment)
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        paths += files.map { "\(directory)/\($0)" }
        if inventories.isEmpty, let found = try? InventoryLocator.locate(explicit: nil, environment: environment, currentDirectory: currentDirectory) {
            paths.append(found)
        }
        let folder = URL(fileURLWithPath: currentDirectory, isDirectory: true)
        var seen: Set<String> = []
        var entries: [Entry] = []
        for path in paths {
            let file = URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL.resolvingSymlinksInPath().path
            guard seen.insert(file).inserted else { continue }
            entries.append(Entry(name: (try? InventoryLoader.load(path: file).name) ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                                 path: path))
        }
        return ClusterCatalog(entries: entries)
    }

    /// The inventory of the cluster named `name`; refused, naming the known clusters, when no
    /// cluster has that name, and naming both files when two have it.
    public func path(named name: String) throws(ClusterChoiceError) -> String {
        let matching = entries.filter { $0.name == name }
        if matching.count > 1 {
            throw ClusterChoiceError("\(matching.count) inventories name their cluster '\(name)': \(matching.map(\.path).joined(separator: ", ")); "
                                     + "give one of them another name:, or choose the file with -i FILE")
        }
        guard let entry = matching.first else {
            throw ClusterChoiceError(entries.isEmpty
                ? "no cluster named '\(name)': no clusters are known (put inventories in \(Self.directory()) or give -i FILE)"
                : "no cluster named '\(name)'; known clusters: \(listing)")
        }
        return entry.path
    }

    /// Every known cluster's name, once, a clash said (short enough for the console's notice
    /// line; the clash's files are named when the name is chosen): `lab1, prod (CLASH: 2 inventories)`.
    public var listing: String {
        var names: [String] = []
        for entry in entries where !names.contains(entry.name) { names.append(entry.name) }
        return names.map { name in
            let count = entries.filter { $0.name == name }.count
            return count == 1 ? name : "\(name) (CLASH: \(count) inventories)"
        }.joined(separator: ", ")
    }
}

/// `-c NAME` (or `:cluster NAME`) names no cluster, or two.
public struct ClusterChoiceError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
