import Foundation

/// The built-in demo: three ProGet nodes on this machine (`transport: local`), one of
/// which has drifted from the others, so that `diff`, `set` and `restore` have work to do.
public enum DemoCluster {
    static let sharedKey = "6F0E4D1C2B3A49586776A5B4C3D2E1F0"
    static let driftedKey = "0123456789ABCDEF0123456789ABCDEF"

    public static let inventory = """
    # HADeck demo cluster: three ProGet nodes whose configuration files live in this folder.
    # transport: local runs every node operation on this machine; a real cluster uses ssh.
    name: demo
    product: proget
    license: { maxServers: 5 }
    defaults:
      transport: local
      platform: linux
      config: nodes/{name}/ProGet.config    # relative to this file for local nodes
      health: http://{host}:8624/health
      api: http://{host}:8624
      messenger: tcp://{host}:33237
    nodes:
      - { name: web1, host: 127.0.0.11, roles: [web, service] }
      - { name: web2, host: 127.0.0.12, roles: [web, service] }
      - { name: web3, host: 127.0.0.13, roles: [web, service] }

    """

    /// The documented SharedConfig example, with a node-specific comment.
    public static func config(node: String, key: String) -> String {
        """
        <?xml version="1.0" encoding="utf-8"?>
        <InedoAppConfig>
          <!-- \(node): managed with HADeck -->
          <ConnectionString Type="SqlServer">Server=db.example.internal;Database=ProGet;User Id=proget;Password=Demo-Pa55word!;</ConnectionString>
          <EncryptionKey>\(key)</EncryptionKey>
          <WebServer Enabled="true" Urls="http://*:8624" />
        </InedoAppConfig>

        """
    }

    /// Writes the demo into `directory` (created if needed) and returns the inventory's path.
    /// Files already there are replaced, so the demo always starts from the same state.
    public static func write(to directory: String) throws -> String {
        let fileManager = FileManager.default
        for (index, node) in ["web1", "web2", "web3"].enumerated() {
            let folder = "\(directory)/nodes/\(node)"
            try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(config(node: node, key: index == 2 ? driftedKey : sharedKey).utf8).write(to: URL(fileURLWithPath: "\(folder)/ProGet.config"))
            try fileManager.setAttributes([.posixPermissions: 0o640], ofItemAtPath: "\(folder)/ProGet.config")
        }
        let path = "\(directory)/cluster.yaml"
        try Data(inventory.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
