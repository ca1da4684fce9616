import Foundation

/// Load-balancer configuration for the web nodes: round robin, the health endpoint as the
/// check, no session affinity (the HA guide says none is needed).
public enum LoadBalancer {
    public struct Backend: Sendable, Equatable {
        public var name: String
        public var address: String
        public var port: Int
        public var healthPath: String
    }

    /// The nodes with the `web` role (every node when none has roles), from their health URLs.
    public static func backends(_ inventory: Inventory) throws(LocatedError) -> [Backend] {
        let web = inventory.nodes.filter { $0.roles.contains("web") }
        let nodes = web.isEmpty && inventory.nodes.allSatisfy(\.roles.isEmpty) ? inventory.nodes : web
        guard !nodes.isEmpty else { throw LocatedError(file: inventory.path, message: "no node has the web role") }
        return try nodes.map { node throws(LocatedError) in
            guard let health = node.health, let url = URLComponents(string: health), let host = url.host else {
                throw LocatedError(file: inventory.path, key: "\(node.name).health", message: "a health URL is needed (e.g. http://{host}:\(inventory.profile.defaultWebPort)/health)")
            }
            let port = url.port ?? (url.scheme == "https" ? 443 : 80)
            return Backend(name: node.name, address: host, port: port, healthPath: url.path.isEmpty ? "/health" : url.path)
        }
    }

    /// A complete haproxy.cfg.
    public static func haproxy(_ inventory: Inventory, listen: Int = 80) throws(LocatedError) -> String {
        let backends = try backends(inventory)
        let name = identifier(inventory)
        return """
        # haproxy.cfg for \(inventory.profile.displayName) cluster \(inventory.name), written by hadeck lb haproxy.
        # Round robin over the web nodes; a node leaves the pool while GET \(backends[0].healthPath) does not answer 200.
        # No session affinity: the HA guide says none is needed.
        # Logs go to the local syslog socket (as in Debian's own haproxy.cfg); without a log
        # address haproxy ignores option httplog and warns.
        global
            maxconn 4096
            log /dev/log local0

        defaults
            mode http
            log global
            option httplog
            option forwardfor
            timeout connect 5s
            timeout client 300s
            timeout server 300s

        frontend \(name)_web
            bind *:\(listen)
            default_backend \(name)_nodes

        backend \(name)_nodes
            balance roundrobin
            option httpchk GET \(backends[0].healthPath)
            http-check expect status 200
        \(backends.map { "    server \($0.name) \(hostPort($0)) check inter 5s fall 3 rise 2" }.joined(separator: "\n"))

        """
    }

    /// The `upstream` and `server` blocks for nginx's `http` context.
    public static func nginx(_ inventory: Inventory, listen: Int = 80) throws(LocatedError) -> String {
        let backends = try backends(inventory)
        let name = identifier(inventory)
        return """
        # For nginx's http context (e.g. /etc/nginx/conf.d/\(name).conf); written by hadeck lb nginx.
        # Round robin, no session affinity (the HA guide says none is needed). Open-source nginx checks
        # passively: a node that fails 3 times is left out for 10s. \(backends[0].healthPath) is each node's health endpoint.
        upstream \(name)_nodes {
        \(backends.map { "    server \(hostPort($0)) max_fails=3 fail_timeout=10s;" }.joined(separator: "\n"))
        }

        server {
            listen \(listen);
            client_max_body_size 0;
            location / {
                proxy_pass http://\(name)_nodes;
                proxy_http_version 1.1;
                proxy_set_header Host $host;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
                proxy_next_upstream error timeout http_502 http_503 http_504;
                proxy_read_timeout 300s;
            }
        }

        """
    }

    private static func hostPort(_ backend: Backend) -> String {
        backend.address.contains(":") ? "[\(backend.address)]:\(backend.port)" : "\(backend.address):\(backend.port)"
    }

    /// The cluster's name as a config identifier (letters, digits, `_`).
    private static func identifier(_ inventory: Inventory) -> String {
        let cleaned = String(inventory.name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        return cleaned.isEmpty ? inventory.product.rawValue : cleaned
    }
}
