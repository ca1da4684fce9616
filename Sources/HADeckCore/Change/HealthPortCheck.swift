import Foundation

/// Whether a new `WebServer.Urls` still serves the port of the node's health URL: a value that
/// moves the product to another port takes the node off its health URL at the next restart,
/// and HADeck (and a load balancer that checks the same URL) then sees it as down.
enum HealthPortCheck {
    static let setting = "WebServer.Urls"

    /// One note per node whose health URL's port the new value no longer serves; one for a web
    /// server turned off where a health URL is checked.
    static func notes(for values: [(name: String, value: String)], on nodes: [Node]) -> [ChangePlan.Note] {
        if values.last(where: { $0.name == "WebServer.Enabled" })?.value.lowercased() == "false" {
            let checked = nodes.filter { $0.health != nil }.map(\.name)
            if !checked.isEmpty {
                return [ChangePlan.Note("WebServer.Enabled = false turns off the product's own web server on \(checked.joined(separator: ", ")): "
                    + "unless another web server (IIS) serves the product there, the health URL stops answering at the restart, "
                    + "and HADeck (and a load balancer checking it) would see \(checked.count == 1 ? "it" : "them") as down.", warns: true)]
            }
        }
        guard let value = values.last(where: { $0.name == setting })?.value else { return [] }
        let served = Set(value.split(separator: ";").compactMap { port(of: String($0).trimmingCharacters(in: .whitespaces)) })
        return nodes.compactMap { node in
            guard let health = node.health, let port = port(of: health), !served.contains(port) else { return nil }
            return ChangePlan.Note("\(node.name)'s health URL (\(health)) uses port \(port), which \(setting) = \(value) would no longer serve: "
                + "after its restart HADeck, and a load balancer checking that URL, would see \(node.name) as down. "
                + "Keep port \(port) in the value, or change the inventory's health: too.", warns: true)
        }
    }

    /// The port of `http://host:port/path` (`*`, `+` or `[::]` as the host), or the scheme's own.
    static func port(of url: String) -> Int? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let authority = url[schemeEnd.upperBound...].prefix { $0 != "/" }
        let afterBracket = authority.lastIndex(of: "]").map { authority[authority.index(after: $0)...] } ?? authority
        if let colon = afterBracket.lastIndex(of: ":") {
            return Int(afterBracket[afterBracket.index(after: colon)...])
        }
        return scheme == "https" ? 443 : scheme == "http" ? 80 : nil
    }
}
