import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

@Suite struct InventoryTests {
    static let designExample = """
    name: proget-prod
    product: proget              # proget | buildmaster | otter
    license: { maxServers: 5 }
    defaults:                    # every node inherits these; a node may override any of them
      transport: ssh
      platform: docker
      ssh: { user: admin, port: 22, options: [] }
      config: /etc/proget/proget.env
      format: env
      restart: docker compose -f /opt/proget/compose.yaml up -d --force-recreate
      health: http://{host}:8624/health
      api: http://{host}:8624
      apiKeyFile: ~/.config/hadeck/api-key
      messenger: tcp://{host}:33237
    nodes:
      - { name: web1, host: 192.0.2.11, roles: [web, service] }
      - { name: web2, host: 192.0.2.12, roles: [web, service], ssh: { port: 2222 } }
    """

    @Test func readsTheDesignExampleWithDefaultsAndExpansion() throws {
        let inventory = try InventoryLoader.parse(Self.designExample, path: "/x/cluster.yaml")
        #expect(inventory.name == "proget-prod")
        #expect(inventory.product == .proget)
        #expect(inventory.maxServers == 5)
        #expect(inventory.nodes.map(\.name) == ["web1", "web2"])
        let web2 = inventory.nodes[1]
        #expect(web2.host == "192.0.2.12")
        #expect(web2.ssh == Node.SSH(user: "admin", port: 2222, options: []), "ssh merges field by field")
        #expect(web2.health == "http://192.0.2.12:8624/health")
        #expect(web2.messenger == "tcp://192.0.2.12:33237")
        #expect(web2.platform == .docker && web2.transport == .ssh && web2.format == .env)
        #expect(inventory.nodes[0].ssh.port == 22)
    }

    @Test func localRelativeConfigPathsAreTakenFromTheInventorysFolder() throws {
        let inventory = try InventoryLoader.parse("""
        defaults: { transport: local, config: "nodes/{name}/ProGet.config" }
        nodes: [{ name: a, host: 127.0.0.1 }]
        """, path: "/srv/demo/cluster.yaml")
        #expect(inventory.nodes[0].config == "/srv/demo/nodes/a/ProGet.config")
        #expect(inventory.nodes[0].format == .xml, "inferred from the file name")
        #expect(inventory.name == "cluster")
    }

    @Test func errorsNameFileLineAndKey() {
        let base = "defaults: { config: /etc/p.env }\nnodes:\n"
        let cases: [(String, Int?, String, String)] = [
            (base + "  - { name: a, host: h, hots: x }\n", 3, "nodes[0].hots", "unknown key 'hots'"),
            (base + "  - { host: h }\n", 3, "nodes[0].name", "every node needs a name"),
            (base + "  - { name: a }\n", 3, "a.host", "has no host"),
            (base + "  - { name: a, host: h }\n  - { name: a, host: h2 }\n", 4, "nodes[1].name", "duplicate node name 'a' (first on line 3)"),
            ("product: nexus\n" + base + "  - { name: a, host: h }\n", 1, "product", "unknown product 'nexus'"),
            (base + "  - { name: a, host: h, platform: solaris }\n", 3, "a.platform", "unknown platform 'solaris'"),
            (base + "  - { name: a, host: h, format: ini }\n", 3, "a.format", "unknown format 'ini'"),
            (base + "  - { name: a, host: h, transport: telnet }\n", 3, "a.transport", "unknown transport 'telnet'"),
            (base + "  - { name: a, host: h, roles: [web, wbe] }\n", 3, "a.roles", "'wbe' is not a role (roles: web, service)"),
            ("colour: red\n" + base + "  - { name: a, host: h }\n", 1, "colour", "unknown key 'colour'"),
            ("defaults: { sshh: {} }\nnodes: []\n", 1, "defaults.sshh", "unknown key 'sshh'"),
            ("nodes:\n  - { name: a, host: h }\n", 2, "a.config", "no configuration file"),
            (base + "  - { name: a, host: 'h; rm -rf /' }\n", 3, "a.host", "not a valid host"),
            (base + "  - { name: a, host: h, ssh: { port: 70000 } }\n", 3, "a.ssh.port", "port number"),
            // Base-60 and overlong numbers: Yams's own reading of them trapped on overflow.
            (base + "  - { name: a, host: h, ssh: { port: 1:2:3:4:5:6:7:8:9:10:11:12 } }\n", 3, "a.ssh.port", "port number"),
            (base + "  - { name: a, host: h, ssh: { port: 99999999999999999999999 } }\n", 3, "a.ssh.port", "port number"),
            ("license: { maxServers: 59:59:59:59:59:59:59:59:59:59:59:59 }\n" + base + "  - { name: a, host: h }\n", 1, "license.maxServers", "whole number"),
            ("license: { maxServers: 0x10 }\n" + base + "  - { name: a, host: h }\n", 1, "license.maxServers", "whole number"),
            ("nodes: [\n", 2, "", "YAML"),
            (base + "  - { name: a, host: h, become: sudoo }\n", 3, "a.become", "unknown become 'sudoo' (expected one of: sudo, doas, none)"),
            ("defaults: { config: /etc/p.env, become: su }\nnodes:\n  - { name: a, host: h }\n", 1, "defaults.become", "unknown become 'su'"),
            (base + "  - { name: a, host: h, becomeUser: proget }\n", 3, "a.becomeUser", "becomeUser needs `become: sudo` or `become: doas`"),
            (base + "  - { name: a, host: h, become: sudo, becomeUser: 'root; id' }\n", 3, "a.becomeUser", "is not a user name"),
            (base + "  - { name: a, host: h, become: [sudo] }\n", 3, "a.become", "must be a single value"),
            (base + "  - { name: a, host: h, image: { file: /opt/compose.yaml } }\n", 3, "a.image", "needs both file"),
            (base + "  - { name: a, host: h, image: { file: /c.yaml, key: services..image } }\n", 3, "a.image.key", "not a key path"),
            (base + "  - { name: a, host: h, image: { file: /c.yaml, key: x, tag: y } }\n", 3, "a.image.tag", "unknown key 'tag'"),
            (base + "  - { name: a, host: h, upgrade: 'up {version}', image: { file: /c.yaml, key: x } }\n", 3, "a.image", "not both"),
        ]
        for (text, line, key, message) in cases {
            do {
                _ = try InventoryLoader.parse(text, path: "cluster.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.file == "cluster.yaml")
                #expect(error.line == line, "\(text): \(error)")
                if !key.isEmpty { #expect(error.key == key, "\(error)") }
                #expect(error.message.contains(message), "\(error)")
                #expect(error.description.hasPrefix("cluster.yaml:\(line.map(String.init) ?? "")"))
            }
        }
    }

    @Test func upgradeStopAndImageComeFromTheNodeOrTheDefaults() throws {
        let inventory = try InventoryLoader.parse("""
        defaults: { config: /etc/p.env, stop: 'docker stop {name}', upgrade: 'hub install ProGet:{version} --on {host}' }
        nodes:
          - { name: a, host: h }
          - { name: b, host: h2, image: { file: '/opt/{name}/compose.yaml', key: services.proget.image } }
        """, path: "/x/cluster.yaml")
        #expect(inventory.nodes[0].upgrade == "hub install ProGet:{version} --on h", "{version} stays for the upgrade to fill in")
        #expect(inventory.nodes[0].stop == "docker stop a")
        #expect(inventory.nodes[0].image == nil)
        #expect(inventory.nodes[1].image == Node.ImageSetting(file: "/opt/b/compose.yaml", key: "services.proget.image"))
        #expect(inventory.nodes[1].upgrade == nil, "the node's own image wins over the defaults' upgrade command")
    }

    @Test func becomeComesFromTheNodeOrTheDefaults() throws {
        let inventory = try InventoryLoader.parse("""
        defaults: { config: /etc/p.env, become: sudo }
        nodes:
          - { name: a, host: h }
          - { name: b, host: h2, becomeUser: proget }
          - { name: c, host: h3, become: doas }
          - { name: d, host: h4, become: none }
        """, path: "cluster.yaml")
        #expect(inventory.nodes.map(\.become) == [Node.Become(method: .sudo), Node.Become(method: .sudo, user: "proget"),
                                                   Node.Become(method: .doas), nil])
        #expect(try InventoryLoader.parse("defaults: { config: /etc/p.env }\nnodes: [{ name: a, host: h }]\n", path: "x").nodes[0].become == nil)
    }

    @Test func lookupOrder() throws {
        let directory = try TemporaryDirectory()
        let cwd = directory.path + "/cwd", config = directory.path + "/xdg"
        try FileManager.default.createDirectory(atPath: cwd, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: config + "/hadeck", withIntermediateDirectories: true)
        let environment = ["HADECK_INVENTORY": directory.path + "/env.yaml", "XDG_CONFIG_HOME": config, "HOME": directory.path]
        #expect(throws: InventoryError.self) { try InventoryLocator.locate(explicit: nil, environment: environment, currentDirectory: cwd) }
        try "x".write(toFile: config + "/hadeck/cluster.yaml", atomically: true, encoding: .utf8)
        #expect(try InventoryLocator.locate(explicit: nil, environment: environment, currentDirectory: cwd) == config + "/hadeck/cluster.yaml")
        try "x".write(toFile: directory.path + "/env.yaml", atomically: true, encoding: .utf8)
        #expect(try InventoryLocator.locate(explicit: nil, environment: environment, currentDirectory: cwd) == directory.path + "/env.yaml")
        try "x".write(toFile: cwd + "/cluster.yaml", atomically: true, encoding: .utf8)
        #expect(try InventoryLocator.locate(explicit: nil, environment: environment, currentDirectory: cwd) == cwd + "/cluster.yaml")
        #expect(try InventoryLocator.locate(explicit: "/given.yaml", environment: environment, currentDirectory: cwd) == "/given.yaml")
    }
}
