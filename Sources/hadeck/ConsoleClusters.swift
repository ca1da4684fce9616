import Foundation
import HADeckCore
import HADeckTUI

/// The console's `:cluster`: the clusters this run knows (`-i` files, the clusters folder),
/// found afresh at each ask so that an inventory added meanwhile counts, and each opened with
/// this run's options (ssh settings, fan-out, the become password's source).
/// `@unchecked`: the command-line options are read only, never changed, after parsing.
struct ConsoleClusters: ClusterDirectory, @unchecked Sendable {
    let options: ClusterOptions
    /// The first cluster's passwords; each other cluster's nodes start afresh from the same source.
    let passwords: BecomePasswords

    var listing: String { options.catalog.listing }

    func open(_ name: String) -> Result<ConsoleCluster, ClusterChoiceError> {
        do throws(ClusterChoiceError) {
            let path = try options.catalog.path(named: name)
            let inventory: Inventory
            do throws(InventoryError) { inventory = try InventoryLoader.load(path: path) } catch { throw ClusterChoiceError("\(error)") }
            let sessions = NodeSessions()
            let cluster = options.cluster(of: inventory, passwords: passwords.forAnotherCluster(), sessions: sessions)
            // Commands the console suggests from now on name this cluster's inventory.
            let backend = ClusterBackend(cluster: cluster, hint: options.hint(choosing: ["-i", path]), sessions: sessions)
            return .success(ConsoleCluster(name: inventory.name, profile: cluster.profile, backend: backend))
        } catch {
            return .failure(error)
        }
    }
}
