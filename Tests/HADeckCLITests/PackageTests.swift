import Foundation
import Testing
import HADeckTestSupport

/// `scripts/package` run from this checkout, and its `.deb` unpacked into a temporary root:
/// what an administrator installs must run without a Swift toolchain, carry its manual page,
/// completions and node program, and declare what it needs.
@Suite struct PackageTests {
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    @Test(.timeLimit(.minutes(60))) func thePackageInstallsAndRunsWithoutSwift() async throws {
        // `swift test` holds the lock of .build while its tests run, and builds only the debug
        // configuration: the package's release build (.build/release) goes on beside it.
        let built = try await run(Self.checkout + "/scripts/package", [], environment: Hadeck.environment(["HADECK_PACKAGE_IGNORE_LOCK": "1"]),
                                  currentDirectory: Self.checkout, deadline: .seconds(3600))
        try #require(built.status == 0, "scripts/package failed: \(built.output)")
        let outputs = built.stdout.split(separator: "\n").map(String.init)
        let deb = try #require(outputs.first { $0.hasPrefix("dist/") && $0.hasSuffix(".deb") }).prefixed(by: Self.checkout + "/")
        let tarball = try #require(outputs.first { $0.hasPrefix("dist/") && $0.hasSuffix(".tar.gz") }).prefixed(by: Self.checkout + "/")
        #expect(FileManager.default.fileExists(atPath: tarball))

        let directory = try TemporaryDirectory()
        let root = directory.path + "/root"
        let unpacked = try await run("/usr/bin/dpkg", ["-x", deb, root])
        try #require(unpacked.status == 0, "dpkg -x: \(unpacked.output)")
        let hadeck = root + "/usr/bin/hadeck"

        // The version: the program's own, the package's, and the file's name agree.
        let version = try await run(hadeck, ["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!version.isEmpty)
        let control = try await run("/usr/bin/dpkg-deb", ["-f", deb, "Version", "Depends", "Recommends"])
        #expect(control.stdout.contains("Version: \(version)\n"))
        #expect(deb.hasSuffix("/hadeck_\(version)_\(try await runSync("/usr/bin/dpkg", ["--print-architecture"]).trimmingCharacters(in: .whitespacesAndNewlines)).deb"))

        // Depends: worked out from the binaries (ncurses, curl, libc …), plus the system ssh.
        let depends = control.stdout.split(separator: "\n").first { $0.hasPrefix("Depends: ") }.map(String.init) ?? ""
        for package in ["openssh-client", "libc6", "libncursesw6", "libcurl4"] {
            #expect(depends.contains(package), "Depends lacks \(package): \(depends)")
        }
        #expect(control.stdout.contains("Recommends: postgresql, openssh-server"))

        // No Swift toolchain at run time: neither its path nor a Swift runtime or Foundation library.
        let toolchain = try await runSync("/bin/sh", ["-c", #"dirname "$(dirname "$(readlink -f "$(command -v swift)")")""#])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(!toolchain.isEmpty && toolchain != "/" && toolchain != ".")
        for program in [hadeck, root + "/usr/lib/hadeck/hadeck-node"] {
            let ldd = try await run("/usr/bin/ldd", [program])
            #expect(ldd.status == 0, "ldd \(program): \(ldd.output)")
            #expect(!ldd.stdout.contains(toolchain), "\(program) loads from the toolchain: \(ldd.stdout)")
            #expect(!ldd.stdout.contains("libswift") && !ldd.stdout.contains("libFoundation"), "\(program): \(ldd.stdout)")
            #expect(!ldd.stdout.contains("not found"), "\(program): \(ldd.stdout)")
        }

        // One start, not two: the Swift runtime linked into the program takes the crash
        // reporter's settings from the start (Sources/CStart); a crash then prints a report, by the
        // packaged crash reporter, with no register dump and no core file.
        let starts = try await CrashSettings.starts(of: hadeck, ["--version"], in: directory.path, environment: Hadeck.environment([:]).filter { $0.key != "SWIFT_BACKTRACE" })
        #expect(starts.count == 1, "\(starts)")
        let cluster = try LocalCluster(configs: [("web1", sharedConfig(key: keyA))])
        let crash = try await CrashSettings.crash(hadeck, inventory: cluster.inventory, in: cluster.directory.path)
        #expect(crash.report.contains("Program crashed") && crash.report.contains("Backtrace took"), "a crash report: \(crash.report)")
        #expect(!crash.report.contains("Registers:"), "no memory around the registers: \(crash.report)")
        #expect(crash.coreLimit.range(of: #"Max core file size\s+0\s+0\s"#, options: .regularExpression) != nil, "\(crash.coreLimit)")

        // The manual page renders and documents the commands.
        let man = try await run("/usr/bin/man", ["-l", root + "/usr/share/man/man1/hadeck.1.gz"],
                                environment: Hadeck.environment(["MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "100"]))
        #expect(man.status == 0, "man: \(man.stderr)")
        #expect(man.stdout.contains("upgrade") && man.stdout.contains("lab"))
        #expect(man.stdout.contains("1 when problems were found") && !man.stdout.contains(">0 if an error occurs"), "EXIT STATUS: \(man.stdout.suffix(1500))")

        // bash completes `hadeck s<TAB>` with the commands starting with s.
        let completion = try await run("/bin/bash", ["--norc", "--noprofile", "-c", """
            source "$1"
            spec=$(complete -p hadeck) || exit 3
            function=$(printf '%s\\n' "$spec" | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')
            [ -n "$function" ] || exit 4
            COMP_WORDS=(hadeck s); COMP_CWORD=1; COMP_LINE="hadeck s"; COMP_POINT=${#COMP_LINE}
            "$function" hadeck s hadeck
            printf '%s\\n' "${COMPREPLY[@]}"
            """, "bash", root + "/usr/share/bash-completion/completions/hadeck"],
            environment: Hadeck.environment(["PATH": root + "/usr/bin:/usr/bin:/bin"]))
        #expect(completion.status == 0, "completion: \(completion.output)")
        let offered = Set(completion.stdout.split(separator: "\n").map(String.init))
        #expect(offered.isSuperset(of: ["status", "set", "sync"]), "offered: \(offered.sorted())")
        #expect(offered.allSatisfy { $0.hasPrefix("s") }, "offered: \(offered.sorted())")
        for file in ["/usr/share/zsh/vendor-completions/_hadeck", "/usr/share/fish/vendor_completions.d/hadeck.fish",
                     "/usr/share/hadeck/themes/default.yaml", "/usr/share/doc/hadeck/README.md",
                     "/usr/share/doc/hadeck/SECURITY.md", "/usr/share/doc/hadeck/copyright"] {
            #expect(FileManager.default.fileExists(atPath: root + file), "\(file) missing")
        }

        // The lab finds the packaged node program (usr/lib/hadeck, not beside usr/bin/hadeck).
        #expect(try await run(hadeck, ["lab", "--help"]).status == 0)
        let lab = directory.path + "/lab"
        let environment = Hadeck.environment(["XDG_RUNTIME_DIR": directory.path])
        let up = try await run(hadeck, ["lab", "up", "--dir", lab, "--nodes", "1", "--subnet", "36"], environment: environment, deadline: .seconds(120))
        let status = try await run(hadeck, ["lab", "status", "--dir", lab], environment: environment)
        let down = try await run(hadeck, ["lab", "down", "--dir", lab], environment: environment, deadline: .seconds(120))
        #expect(up.status == 0, "lab up from the package: \(up.output)")
        #expect(status.stdout.contains("web1") && status.stdout.contains("running"), "lab status: \(status.output)")
        #expect(down.status == 0, "lab down: \(down.output)")

        // Without the node program, the lab says where it looked.
        try FileManager.default.removeItem(atPath: root + "/usr/lib/hadeck/hadeck-node")
        let missing = try await run(hadeck, ["lab", "up", "--dir", directory.path + "/lab2", "--nodes", "1", "--subnet", "36"], environment: environment)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains(root + "/usr/bin/hadeck-node") && missing.stderr.contains(root + "/usr/lib/hadeck/hadeck-node"), "\(missing.stderr)")
    }
}

private extension String {
    func prefixed(by prefix: String) -> String { prefix + self }
}
