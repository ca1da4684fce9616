import Foundation

/// Finds the inventory file: `-i FILE`, else `./cluster.yaml`, else `$HADECK_INVENTORY`,
/// else `$XDG_CONFIG_HOME/hadeck/cluster.yaml` (`~/.config` when XDG_CONFIG_HOME is unset).
public enum InventoryLocator {
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                              currentDirectory: String = FileManager.default.currentDirectoryPath) throws(InventoryError) -> String {
        if let explicit { return explicit }
        let candidates = self.candidates(environment: environment, currentDirectory: currentDirectory)
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw InventoryError(file: candidates.first ?? "cluster.yaml",
                             message: "no inventory found; looked in: \(candidates.joined(separator: ", ")). Use -i FILE, or run `hadeck demo`")
    }

    static func candidates(environment: [String: String], currentDirectory: String) -> [String] {
        var list = [URL(fileURLWithPath: currentDirectory).appendingPathComponent("cluster.yaml").path]
        if let fromEnvironment = environment["HADECK_INVENTORY"], !fromEnvironment.isEmpty { list.append(fromEnvironment) }
        list.append("\(configHome(environment: environment))/hadeck/cluster.yaml")
        return list
    }

    /// `$XDG_CONFIG_HOME`, else `~/.config`.
    static func configHome(environment: [String: String]) -> String {
        environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"].map { "\($0)/.config" } ?? NSHomeDirectory() + "/.config")
    }
}
