import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// Turning HA on through a settings API that fails: told apart by whether the node took the
/// change (then it may have been stored) or refused it; nothing restarted either way, both audited.
@Suite struct SettingsAPIFailureTests {
    /// Where the node's restart command leaves its mark, were it ever run.
    let restarted = NSTemporaryDirectory() + "hadeck-test-restarted-\(UUID())"

    func cluster(api: String) throws -> LocalCluster {
        let env = "PROGET_ENCRYPTION_KEY=\(keyA)\n"
        return try LocalCluster(configs: [("web1", env)], file: "proget.env", extraInventory: """
                                  restart: "touch \(restarted)"
                                  health: "\(api)/health"
                                  api: "\(api)"
                                """)
    }

    func haEnable(_ cluster: LocalCluster, reason: String) async throws -> ProgramResult {
        try await cluster.hadeck(["ha", "enable", "--yes", "--force", reason], environment: ["HADECK_API_KEY": "k3y"])
    }

    @Test func aSwitchTheNodeTookWithoutAnsweringIsReportedAsUnknownNotAsFailed() async throws {
        let server = try MisbehavingHTTPServer()
        let cluster = try cluster(api: server.base + "/silent")
        let result = try await haEnable(cluster, reason: "silent API test \(UUID())")
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("Service.HighAvailabilityEnabled may or may not be set now: web1: 127.0.0.1: ")
                && result.stderr.contains("nothing restarted. Once the settings API answers, run this again"), "\(result.stderr)")
        #expect(!result.stderr.contains("could not set"), "it is not known that it was not set")
        #expect(server.requests.contains("POST /silent/api/settings/set?name=Service.HighAvailabilityEnabled&value=True k3y"))
        #expect(!FileManager.default.fileExists(atPath: restarted), "nothing restarted")
        let entry = try #require(try auditEntries().last { $0.action == "ha enable" && $0.reason?.hasPrefix("silent API test") == true })
        #expect(entry.result.hasPrefix("failed, outcome unknown: ") && entry.new == "True" && entry.node == nil, "\(entry)")
    }

    @Test func aSwitchTheNodeRefusedIsReportedWithTheNodesReason() async throws {
        let server = try MisbehavingHTTPServer()
        let cluster = try cluster(api: server.base + "/refuse")
        let result = try await haEnable(cluster, reason: "refusing API test \(UUID())")
        #expect(result.status == 2, "\(result.output)")
        #expect(result.stderr.contains("could not set Service.HighAvailabilityEnabled: web1: settings API: HTTP 500: The database is not reachable; nothing restarted"),
                "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: restarted), "nothing restarted")
        let entry = try #require(try auditEntries().last { $0.action == "ha enable" && $0.reason?.hasPrefix("refusing API test") == true })
        #expect(entry.result == "failed: web1: settings API: HTTP 500: The database is not reachable", "\(entry)")
    }
}
