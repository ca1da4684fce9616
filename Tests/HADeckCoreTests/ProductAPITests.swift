import Foundation
import Testing
import HADeckTestSupport
@testable import HADeckCore

/// The settings API client against a real HTTP server (Python's) that misbehaves on purpose:
/// it redirects, answers too much, or never answers.
@Suite struct ProductAPITests {
    /// Python's http.server on 127.0.0.1 (a free port); each request's path and X-ApiKey is
    /// appended to DIR/requests.
    final class Server: @unchecked Sendable {
        let directory: TemporaryDirectory
        let pid: pid_t
        let port: Int
        var base: String { "http://127.0.0.1:\(port)" }

        init() throws {
            directory = try TemporaryDirectory()
            let script = #"""
            import http.server, sys, time
            log = sys.argv[1]
            class Handler(http.server.BaseHTTPRequestHandler):
                def log_message(self, *args): pass
                def answer(self, status, body=b"[]", headers=()):
                    self.send_response(status)
                    for name, value in headers: self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def do_GET(self):
                    with open(log, "a") as f: f.write("%s %s\n" % (self.path, self.headers.get("X-ApiKey")))
                    if self.path.startswith("/redirect/"):
                        self.answer(302, b"", [("Location", "http://127.0.0.1:%d/landing/" % self.server.server_port)])
                    elif self.path.startswith("/big/"): self.answer(200, b"[" + b" " * (5 << 20) + b"]")
                    elif self.path.startswith("/slow/"): time.sleep(3); self.answer(200)
                    else: self.answer(200)
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            print(server.server_port, flush=True)
            server.serve_forever()
            """#
            // The port is the first line of the server's log.
            pid = try ChildProcess.start(executable: "/usr/bin/python3", arguments: ["-c", script, directory.path + "/requests"],
                                         logFile: directory.path + "/server.log")
            var line = ""
            for _ in 0..<500 where !line.hasSuffix("\n") {
                line = (try? String(contentsOfFile: directory.path + "/server.log", encoding: .utf8)) ?? ""
                usleep(10_000)
            }
            guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                ChildProcess.stop(pid)
                throw FixtureError("the HTTP server did not start: \(line)")
            }
            self.port = port
        }

        deinit { ChildProcess.stop(pid) }

        var requests: [String] {
            ((try? String(contentsOfFile: directory.path + "/requests", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    @Test func aRedirectIsNotFollowedSoTheKeyGoesNowhereElse() async throws {
        let server = try Server()
        await #expect {
            try await ProductAPI().settings(at: server.base + "/redirect", apiKey: "k3y")
        } throws: { error in
            "\(error)".contains("HTTP 302")
        }
        #expect(server.requests == ["/redirect/api/settings/list?showAll=true k3y"], "the landing page was never asked")
    }

    @Test func anOverlongAnswerIsRefused() async throws {
        let server = try Server()
        await #expect {
            try await ProductAPI().settings(at: server.base + "/big", apiKey: "k3y")
        } throws: { error in
            "\(error)" == "127.0.0.1: the response is larger than \(ProductAPI.largestResponse) bytes"
        }
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let server = try Server()
        await #expect {
            try await ProductAPI(timeout: 0.5).settings(at: server.base + "/slow", apiKey: "k3y")
        } throws: { error in
            "\(error)".hasPrefix("127.0.0.1: ") && "\(error)".lowercased().contains("timed out")
        }
    }

    @Test func aKeyWithALineBreakIsRefusedBeforeAnythingIsSent() async throws {
        let server = try Server()
        await #expect(throws: ProductAPIError("the API key holds a control character")) {
            try await ProductAPI().settings(at: server.base + "/ok", apiKey: "k3y\r\nX-Injected: 1")
        }
        let answered = try await ProductAPI().settings(at: server.base + "/ok", apiKey: "k3y")
        #expect(answered.isEmpty)
        #expect(server.requests == ["/ok/api/settings/list?showAll=true k3y"], "only the clean request reached the server")
    }
}
