import Foundation
import HADeckCore

/// A settings API that misbehaves on purpose: Python's http.server on 127.0.0.1 (a free port),
/// whose answer depends on the first part of the path. Each request's method, path and
/// X-ApiKey is appended to `requests`.
///
/// - `/redirect/…`: 302 to `/landing/`
/// - `/big/…`: 200 with a 5 MiB body
/// - `/slow/…`: 200 after 3 s
/// - `/silent/…`: GET answers at once; POST takes the request and answers after 15 s
/// - `/refuse/…`: GET answers at once; POST answers 500
/// - `/chunked/…`: 200 `[]` in two chunks (Transfer-Encoding: chunked)
/// - `/bigchunked/…`: 200 with a 5 MiB body in chunks
/// - `/unframed/…`: 200 `[]` with no Content-Length, ended by closing the connection
/// - `/starting/…`: 200, a health report whose service says `starting`
/// - anything else: 200 `[]`
public final class MisbehavingHTTPServer: @unchecked Sendable {
    let directory: TemporaryDirectory
    let pid: pid_t
    public let port: Int
    public var base: String { "http://127.0.0.1:\(port)" }

    public init() throws {
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
                with open(log, "a") as f: f.write("%s %s %s\n" % (self.command, self.path, self.headers.get("X-ApiKey")))
                if self.path.startswith("/redirect/"):
                    self.answer(302, b"", [("Location", "http://127.0.0.1:%d/landing/" % self.server.server_port)])
                elif self.path.startswith("/big/"): self.answer(200, b"[" + b" " * (5 << 20) + b"]")
                elif self.path.startswith("/slow/"): time.sleep(3); self.answer(200)
                elif self.path.startswith("/chunked/") or self.path.startswith("/bigchunked/"):
                    self.send_response(200); self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
                    parts = [b"[", b"]"] if self.path.startswith("/chunked/") else [b"["] + [b" " * 65536] * 80 + [b"]"]
                    for part in parts: self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
                    self.wfile.write(b"0\r\nX-Trailer: 1\r\n\r\n")
                elif self.path.startswith("/starting/"): self.answer(200, b'{"serviceStatus": "Error", "serviceStatusDetail": "starting"}')
                elif self.path.startswith("/unframed/"):
                    self.send_response(200); self.end_headers(); self.wfile.write(b"[]")
                else: self.answer(200)
            def do_POST(self):
                with open(log, "a") as f: f.write("%s %s %s\n" % (self.command, self.path, self.headers.get("X-ApiKey")))
                if self.path.startswith("/silent/"): time.sleep(15); self.answer(200, b"")
                elif self.path.startswith("/refuse/"): self.answer(500, b"The database is not reachable")
                else: self.answer(200, b"")
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
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

    /// "METHOD PATH X-ApiKey" of every request so far.
    public var requests: [String] {
        ((try? String(contentsOfFile: directory.path + "/requests", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }
}
