import Testing
@testable import HADeckCore

/// A new WebServer.Urls that no longer serves the health URL's port is said in the plan.
struct HealthPortCheckTests {
    @Test func ports() {
        #expect(HealthPortCheck.port(of: "http://*:8624") == 8624)
        #expect(HealthPortCheck.port(of: "http://+:80/") == 80)
        #expect(HealthPortCheck.port(of: "http://127.0.0.11:8624/health") == 8624)
        #expect(HealthPortCheck.port(of: "https://proget.example.com/health") == 443)
        #expect(HealthPortCheck.port(of: "http://[::1]:9000/x") == 9000)
        #expect(HealthPortCheck.port(of: "http://[::1]/x") == 80)
        #expect(HealthPortCheck.port(of: "not a url") == nil)
    }

    @Test func onlyANodeWhoseHealthPortIsNoLongerServedGetsANote() {
        func node(_ name: String, health: String?) -> Node {
            var node = Node(name: name, host: "h", roles: [], transport: .local, platform: .linux, ssh: .init(), config: "/c", format: .xml)
            node.health = health
            return node
        }
        let nodes = [node("web1", health: "http://127.0.0.11:8624/health"), node("web2", health: nil), node("web3", health: "http://127.0.0.13:8625/health")]
        let notes = HealthPortCheck.notes(for: [("WebServer.Urls", "http://*:8625")], on: nodes)
        #expect(notes.count == 1 && notes[0].warns && notes[0].line.hasPrefix("Warning: web1's health URL (http://127.0.0.11:8624/health) uses port 8624, which WebServer.Urls = http://*:8625 would no longer serve"), "\(notes)")
        #expect(HealthPortCheck.notes(for: [("WebServer.Urls", "http://*:8624;http://*:8625")], on: nodes).isEmpty, "both ports served")
        #expect(HealthPortCheck.notes(for: [("EncryptionKey", "x")], on: nodes).isEmpty)
        let off = HealthPortCheck.notes(for: [("WebServer.Enabled", "False")], on: nodes)
        #expect(off.count == 1 && off[0].warns && off[0].text.hasPrefix("WebServer.Enabled = false turns off the product's own web server on web1, web3: "), "\(off)")
        #expect(HealthPortCheck.notes(for: [("WebServer.Enabled", "true")], on: nodes).isEmpty)
    }
}
