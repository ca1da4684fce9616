import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// `become` through the real sudo on this machine (the `local` transport, as root: sudo lets
/// root be anyone without a password) and sudo's and doas's words for refusing.
@Suite(.enabled(if: getuid() == 0, "sudo without a password needs root here")) struct BecomeTransportTests {
    func transport(_ become: Node.Become, path: String? = nil) -> BecomeTransport {
        var environment = ProcessInfo.processInfo.environment
        if let path { environment["PATH"] = path }
        return BecomeTransport(inner: LocalTransport(environment: environment), node: "web1", become: become, passwords: BecomePasswords())
    }

    @Test func aScriptRunsAsTheBecomeUserWithItsArgumentsAndStdin() async throws {
        let output = try await transport(Node.Become(method: .sudo, user: "nobody"))
            .run(script: #"id -un; printf '%s|' "$@"; cat"#, arguments: ["a b", "'$(x)'"], input: Array("content\n".utf8), timeout: .seconds(20))
        #expect(output == CommandOutput(status: 0, stdout: Array("nobody\na b|'$(x)'|content\n".utf8), stderr: []))
    }

    @Test func sudoMissingAndAnUnknownUserAreNamed() async throws {
        await #expect(throws: TransportError.become(.notInstalled(.sudo))) {
            try await transport(Node.Become(method: .sudo), path: "/nonexistent").run(script: "true", arguments: [], input: [], timeout: .seconds(20))
        }
        await #expect(throws: TransportError.become(.notInstalled(.doas))) {
            try await transport(Node.Become(method: .doas), path: "/nonexistent").run(script: "true", arguments: [], input: [], timeout: .seconds(20))
        }
        await #expect(throws: TransportError.become(.unknownUser("hadeck-no-such-user"))) {
            try await transport(Node.Become(method: .sudo, user: "hadeck-no-such-user")).run(script: "true", arguments: [], input: [], timeout: .seconds(20))
        }
    }

    @Test func refusalsAreToldFromSudosAndDoassOwnWords() {
        func failure(_ stderr: String, status: Int32 = 1, _ method: Node.Become.Method = .sudo) -> BecomeFailure? {
            BecomeFailure(CommandOutput(status: status, stdout: [], stderr: Array(stderr.utf8)), method: method)
        }
        #expect(failure("sudo: a password is required\n") == .passwordRequired)
        #expect(failure("Sorry, try again.\nsudo: no password was provided\nsudo: 1 incorrect password attempt\n") == .wrongPassword)
        #expect(failure("sudo: sorry, you must have a tty to run sudo\n") == .requiresTerminal)
        #expect(failure("admin is not in the sudoers file.\n") == .notAllowed("admin is not in the sudoers file."))
        #expect(failure("doas: Authentication required\n", .doas) == .doasPasswordRequired)
        #expect(failure("doas: Operation not permitted\n", .doas) == .notAllowed("doas: Operation not permitted"))
        // A script's own failure, even one that mentions sudo, is the script's.
        #expect(failure("cannot read /etc/proget/proget.env: a password is required\n") == nil)
        #expect(failure("sudo: a password is required\n", status: 3) == nil)
    }
}
