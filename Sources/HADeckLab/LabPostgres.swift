import Foundation
import HADeckCore

/// The lab's PostgreSQL server: Debian's initdb and pg_ctl, data inside the lab directory,
/// listening on 127.0.0.1 only. Run as the `postgres` user when HADeck runs as root
/// (PostgreSQL refuses to run as root).
struct LabPostgres {
    let directory: String
    let port: Int
    var data: String { directory + "/postgres/data" }
    var socketDirectory: String { directory + "/postgres/run" }
    var log: String { directory + "/postgres/postgres.log" }

    static let user = "proget"
    static let database = "proget"

    static func binaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        guard let newest = versions.last else { throw LabError("PostgreSQL is not installed (apt-get install postgresql)") }
        return "\(root)/\(newest)/bin"
    }

    /// initdb with a password (SCRAM), start, and create the product's database.
    func create(password: String) async throws {
        let bin = try Self.binaries()
        if getuid() == 0 {
            // PostgreSQL runs as `postgres`, which must be able to reach the lab directory.
            let reach = try ChildProcess.runBlocking(executable: "/usr/sbin/runuser", arguments: ["-u", "postgres", "--", "test", "-x", directory],
                                                     input: [], timeout: .seconds(10)).get()
            guard reach.status == 0 else {
                throw LabError("PostgreSQL runs as the user postgres, which cannot reach \(directory) (a folder above it is private, as /root is); choose --dir under /var/lib, /srv or /tmp")
            }
        }
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        let passwordFile = directory + "/postgres/password"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        try handOver(directory + "/postgres")
        try await run(bin + "/initdb", ["-D", data, "-U", Self.user, "--auth=scram-sha-256", "--pwfile=" + passwordFile,
                                        "-E", "UTF8", "--no-instructions"])
        try? FileManager.default.removeItem(atPath: passwordFile)
        try await start()
        try await psql(password: password, database: "postgres", "CREATE DATABASE \(Self.database)")
    }

    func start() async throws {
        try await run(try Self.binaries() + "/pg_ctl", ["-D", data, "-l", log, "-w", "-t", "30", "-o",
                                                        "-c listen_addresses=127.0.0.1 -p \(port) -k \(socketDirectory)", "start"])
    }

    func stop() async {
        guard let bin = try? Self.binaries(), FileManager.default.fileExists(atPath: data + "/postmaster.pid") else { return }
        _ = try? await run(bin + "/pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
    }

    /// The postmaster's pid while it runs.
    var pid: Int32? {
        (try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8))?.split(separator: "\n").first.flatMap { Int32($0) }
    }

    func psql(password: String, database: String = LabPostgres.database, _ sql: String) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        let output = try await ChildProcess.run(executable: "/usr/bin/psql",
                                                arguments: ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port),
                                                            "-U", Self.user, "-d", database, "-c", sql],
                                                environment: environment, input: [], timeout: .seconds(30))
        guard output.status == 0 else { throw LabError("psql: \(output.errorText)") }
    }

    private func run(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) async throws {
        var program = executable, programArguments = arguments
        if getuid() == 0 { (program, programArguments) = ("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments) }
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        let output = try await ChildProcess.run(executable: program, arguments: programArguments, environment: environment, input: [], timeout: .seconds(60))
        guard output.status == 0 else {
            throw LabError("\((executable as NSString).lastPathComponent) failed: \(output.errorText) \(String(decoding: output.stdout, as: UTF8.self))")
        }
    }

    private func handOver(_ path: String) throws {
        guard getuid() == 0 else { return }
        let output = try ChildProcess.runBlocking(executable: "/bin/chown", arguments: ["-R", "postgres:postgres", path], input: [], timeout: .seconds(30)).get()
        guard output.status == 0 else { throw LabError("chown \(path): \(output.errorText)") }
    }
}
