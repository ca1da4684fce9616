import Foundation
import Testing
import HADeckTestSupport

/// `hadeck lb`: the output is accepted by the real haproxy and nginx.
@Suite struct LoadBalancerTests {
    static let inventory = """
    name: prod cluster
    product: proget
    defaults: { transport: local, config: "/etc/proget/ProGet.config", health: "http://{host}:8624/health" }
    nodes:
      - { name: web1, host: 10.0.0.11, roles: [web] }
      - { name: web2, host: 10.0.0.12, roles: [web, service] }
      - { name: svc1, host: 10.0.0.13, roles: [service] }

    """

    @Test func haproxyAcceptsTheConfiguration() async throws {
        let directory = try TemporaryDirectory()
        try directory.write(Self.inventory, to: "cluster.yaml")
        let result = try await Hadeck.run(["lb", "haproxy", "-i", directory.path + "/cluster.yaml"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.stdout.contains("    server web1 10.0.0.11:8624 check") && result.stdout.contains("    server web2 10.0.0.12:8624 check"))
        #expect(!result.stdout.contains("svc1"), "only web nodes")
        #expect(result.stdout.contains("option httpchk GET /health") && !result.stdout.contains("cookie") && !result.stdout.contains("stick"))
        try directory.write(result.stdout, to: "haproxy.cfg")
        let check = try await run("/usr/sbin/haproxy", ["-c", "-f", directory.path + "/haproxy.cfg"])
        #expect(check.status == 0, "haproxy -c: \(check.output)")
        #expect(!check.output.contains("WARNING") && !check.output.contains("Warnings were found"), "haproxy -c warns: \(check.output)")
    }

    @Test func nginxAcceptsTheBlocksInItsHTTPContext() async throws {
        let directory = try TemporaryDirectory()
        try directory.write(Self.inventory, to: "cluster.yaml")
        let result = try await Hadeck.run(["lb", "nginx", "-i", directory.path + "/cluster.yaml", "--listen", "8080"])
        #expect(result.status == 0 && result.stdout.contains("upstream prod_cluster_nodes {") && result.stdout.contains("listen 8080;"), "\(result.output)")
        #expect(!result.stdout.contains("ip_hash") && !result.stdout.contains("sticky"), "no session affinity")
        try directory.write(result.stdout, to: "conf.d/proget.conf")
        try directory.write("""
        pid \(directory.path)/nginx.pid;
        error_log \(directory.path)/error.log;
        events {}
        http {
            access_log off;
            client_body_temp_path \(directory.path)/tmp;
            include \(directory.path)/conf.d/proget.conf;
        }

        """, to: "nginx.conf")
        let check = try await run("/usr/sbin/nginx", ["-t", "-c", directory.path + "/nginx.conf", "-p", directory.path])
        #expect(check.status == 0, "nginx -t: \(check.output)")
    }

    @Test func anInventoryWithoutHealthURLsIsRefusedByNodeAndKey() async throws {
        let directory = try TemporaryDirectory()
        try directory.write(Self.inventory.replacingOccurrences(of: ", health: \"http://{host}:8624/health\"", with: ""), to: "cluster.yaml")
        let result = try await Hadeck.run(["lb", "nginx", "-i", directory.path + "/cluster.yaml"])
        #expect(result.status == 2 && result.stderr.contains("cluster.yaml: web1.health: a health URL is needed"), "\(result.output)")
    }
}
