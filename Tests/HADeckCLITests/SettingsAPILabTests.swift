import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

extension LabTests {
    /// `get` and `set` of settings kept in the settings API, on a lab whose nodes list them
    /// with their value types: through the API, typed, never into a file.
    @Suite struct SettingsThroughTheAPI {
        @Test func getAndSetUseTheSettingsAPIAndCheckTheValueType() async throws {
            let lab = try await LabCluster(nodes: 2)
            _ = try await waitForHealth("127.0.0.12") { $0["databaseStatus"] as? String == "OK" }
            let files = try (1...2).map { try Data(contentsOf: URL(fileURLWithPath: lab.path + "/nodes/web\($0)/ProGet.config")) }

            let storage = try await lab.hadeck(["get", "Storage.PackagesRootPath"])
            #expect(storage.status == 0 && storage.stdout.contains("Storage.PackagesRootPath  \(lab.path)/storage   (settings API, cluster-wide)"),
                    "\(storage.output)")

            let wrong = try await lab.hadeck(["set", "Service.HeartbeatFrequency", "abc", "--yes"])
            #expect(wrong.status == 2 && wrong.stderr.contains("Service.HeartbeatFrequency takes a whole number (the settings API's type Integer)"),
                    "\(wrong.output)")
            let ha = try await lab.hadeck(["set", "Service.HighAvailabilityEnabled", "maybe", "--yes"])
            #expect(ha.status == 2 && ha.stderr.contains("is the HA switch: use `hadeck ha enable`"), "\(ha.output)")

            let set = try await lab.hadeck(["set", "Service.HeartbeatFrequency", "25", "--yes"])
            #expect(set.status == 0, "\(set.output)")
            #expect(set.stdout.contains("30  →  25") && set.stdout.contains("set through the settings API"), "\(set.output)")
            #expect(set.stdout.contains("Every node reads it when it starts: restart them one at a time with `hadeck restart --rolling -i \(lab.inventory)`"),
                    "\(set.output)")
            let got = try await lab.hadeck(["get", "Service.HeartbeatFrequency", "--json"])
            #expect(got.status == 0 && got.stdout.contains("\"value\" : \"25\""), "\(got.output)")
            let after = try (1...2).map { try Data(contentsOf: URL(fileURLWithPath: lab.path + "/nodes/web\($0)/ProGet.config")) }
            #expect(after == files, "no node's file was touched")
            let entry = try auditEntries().last { $0.target == "Service.HeartbeatFrequency" }
            #expect(entry?.result == "set through the settings API" && entry?.new == "25")
        }
    }
}
