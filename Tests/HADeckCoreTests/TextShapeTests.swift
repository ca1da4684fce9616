import Testing
import HADeckCore

/// The shapes the inventory and the editors accept, exactly: what was accepted before (as a
/// regular expression) still is, and a trailing newline or an option-like host no longer slips by.
struct TextShapeTests {
    @Test func names() {
        for good in ["web1", "9node", "a.b_c-d", "W"] { #expect(TextShape.isName(good), "\(good)") }
        for bad in ["", "-web", ".web", "web 1", "web1\n", "wéb", "web/1", "_web"] { #expect(!TextShape.isName(bad), "\(bad.debugDescription)") }
    }

    @Test func identifiers() {
        for good in ["EncryptionKey", "WebServer.Urls", "_x", "hadeck-test", "a1.b-c_d"] { #expect(TextShape.isIdentifier(good), "\(good)") }
        for bad in ["", "1abc", ".x", "-x", "a b", "x\n", "Ключ"] { #expect(!TextShape.isIdentifier(bad), "\(bad.debugDescription)") }
    }

    @Test func hosts() {
        for good in ["127.0.0.11", "web1.example.com", "[::1]", "fe80::1%eth0", "host_name"] { #expect(TextShape.isHost(good), "\(good)") }
        for bad in ["", "-oProxyCommand=x", "a b", "host\n", "a;b", "user@host", "h$(id)"] { #expect(!TextShape.isHost(bad), "\(bad.debugDescription)") }
    }

    @Test func sshTimes() {
        for good in ["600", "10m", "1h", "2d", "1w", "30s", "yes", "no", "0"] { #expect(TextShape.isSSHTime(good), "\(good)") }
        for bad in ["", "m", "10x", "1h30m", "-5", "yes\n", "ten", "10 m"] { #expect(!TextShape.isSSHTime(bad), "\(bad.debugDescription)") }
    }

    @Test func integers() {
        for good in ["0", "-1", "42", String(repeating: "9", count: 18), "-" + String(repeating: "9", count: 18)] { #expect(TextShape.isInteger(good), "\(good)") }
        for bad in ["", "-", "1.5", "+1", " 1", "1\n", String(repeating: "9", count: 19), "--1", "١٢"] { #expect(!TextShape.isInteger(bad), "\(bad.debugDescription)") }
    }
}

/// Plain replacement, as Foundation's `replacingOccurrences` does it for plain text.
struct ReplacingTests {
    @Test func everyOccurrenceLeftToRight() {
        #expect("/srv/{name}/{name}.config".replacingEvery("{name}", with: "web1") == "/srv/web1/web1.config")
        #expect("{host}".replacingEvery("{host}", with: "") == "")
        #expect("aaa".replacingEvery("aa", with: "b") == "ba")
        #expect("no placeholder".replacingEvery("{name}", with: "x") == "no placeholder")
        #expect("{nam".replacingEvery("{name}", with: "x") == "{nam")
        #expect("é{name}ü".replacingEvery("{name}", with: "ß") == "éßü")
        #expect("x".replacingEvery("", with: "y") == "x")
    }
}
