import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// Several clusters: the clusters folder and repeated `-i`, each known by its inventory's name.
@Suite struct ClusterCatalogTests {
    /// A folder with `config/hadeck/clusters/` and `cwd/`, and the environment that points there.
    struct Home {
        let directory: TemporaryDirectory
        var clusters: String { directory.path + "/config/hadeck/clusters" }
        var cwd: String { directory.path + "/cwd" }
        var environment: [String: String] { ["XDG_CONFIG_HOME": directory.path + "/config", "HOME": directory.path] }

        init() throws {
            directory = try TemporaryDirectory()
            try FileManager.default.createDirectory(atPath: clusters, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
        }

        /// An inventory at `path` (relative to the folder) whose cluster is `name` (none: no `name:`).
        @discardableResult
        func inventory(_ path: String, name: String?) throws -> String {
            try directory.write((name.map { "name: \($0)\n" } ?? "") + "defaults: { config: /etc/p.env }\nnodes: [{ name: a, host: h }]\n", to: path)
            return directory.path + "/" + path
        }

        func catalog(_ inventories: [String] = []) -> ClusterCatalog {
            ClusterCatalog.discover(inventories: inventories, environment: environment, currentDirectory: cwd)
        }
    }

    @Test func everyYAMLFileInTheClustersFolderIsAClusterNamedByItsInventory() throws {
        let home = try Home()
        let prod = try home.inventory("config/hadeck/clusters/b-prod.yaml", name: "proget-prod")
        let staging = try home.inventory("config/hadeck/clusters/a-staging.yaml", name: nil)
        try home.directory.write("not a cluster", to: "config/hadeck/clusters/notes.txt")
        try home.directory.write("name: x\n", to: "config/hadeck/clusters/old.yml")
        let broken = home.directory.path + "/config/hadeck/clusters/c-broken.yaml"
        try home.directory.write("nodes: [\n", to: "config/hadeck/clusters/c-broken.yaml")
        let catalog = home.catalog()
        #expect(catalog.entries == [.init(name: "a-staging", path: staging), .init(name: "proget-prod", path: prod), .init(name: "c-broken", path: broken)],
                "by file name; the name from `name:`, else the file's; a broken file by its file name")
        #expect(try catalog.path(named: "proget-prod") == prod)
        #expect(ClusterCatalog.directory(environment: home.environment) == home.clusters)
        #expect(ClusterCatalog.directory(environment: ["HOME": "/home/ann"]) == "/home/ann/.config/hadeck/clusters", "~/.config when XDG_CONFIG_HOME is unset")
    }

    @Test func twoInventoriesWithOneNameAreAClashSaidClearly() throws {
        let home = try Home()
        let first = try home.inventory("config/hadeck/clusters/one.yaml", name: "prod")
        let second = try home.inventory("config/hadeck/clusters/two.yaml", name: "prod")
        try home.inventory("config/hadeck/clusters/three.yaml", name: "staging")
        let catalog = home.catalog()
        do {
            _ = try catalog.path(named: "prod")
            Issue.record("a clashing name was accepted")
        } catch {
            #expect(error.description == "2 inventories name their cluster 'prod': \(first), \(second); give one of them another name:, or choose the file with -i FILE")
        }
        #expect(catalog.listing == "prod (CLASH: 2 inventories), staging")
        #expect(try catalog.path(named: "staging").hasSuffix("/three.yaml"), "the other names still work")
    }

    @Test func anUnknownNameListsTheKnownClusters() throws {
        let home = try Home()
        try home.inventory("config/hadeck/clusters/prod.yaml", name: "prod")
        let lab = try home.inventory("lab/cluster.yaml", name: "lab")
        do {
            _ = try home.catalog([lab]).path(named: "prdo")
            Issue.record("an unknown name was accepted")
        } catch {
            #expect(error.description == "no cluster named 'prdo'; known clusters: lab, prod")
        }
        let empty = try Home()
        #expect(throws: ClusterChoiceError.self) { try empty.catalog().path(named: "prod") }
    }

    @Test func everyInventoryGivenWithIIsAClusterFirstAndOnce() throws {
        let home = try Home()
        let inFolder = try home.inventory("config/hadeck/clusters/prod.yaml", name: "prod")
        let a = try home.inventory("a.yaml", name: "alpha")
        try home.inventory("cwd/b.yaml", name: "beta")
        let catalog = home.catalog([a, "b.yaml", inFolder])
        #expect(catalog.entries == [.init(name: "alpha", path: a), .init(name: "beta", path: "b.yaml"), .init(name: "prod", path: inFolder)],
                "in the order given, a relative path from the current folder; a file given and in the folder once")
        #expect(try catalog.path(named: "beta") == "b.yaml")
    }

    @Test func todaysLookupIsUnchangedAndItsInventoryIsACluster() throws {
        let home = try Home()
        try home.inventory("config/hadeck/clusters/prod.yaml", name: "prod")
        #expect(throws: InventoryError.self, "the clusters folder is not a default") {
            try InventoryLocator.locate(explicit: nil, environment: home.environment, currentDirectory: home.cwd)
        }
        try home.inventory("cwd/cluster.yaml", name: "here")
        let configDefault = try home.inventory("config/hadeck/cluster.yaml", name: "default")
        #expect(try InventoryLocator.locate(explicit: nil, environment: home.environment, currentDirectory: home.cwd) == home.cwd + "/cluster.yaml")
        #expect(home.catalog().entries.map(\.name) == ["prod", "here"], "the inventory found without -i can be switched back to")
        #expect(!home.catalog([configDefault]).entries.map(\.name).contains("here"), "with -i, the lookup is not made")
    }
}
