/// What the console's long-lived shell on a node runs, and how requests and answers travel.
///
/// One POSIX `sh` per node, started once on a session of the node's ssh master, reads
/// requests on its stdin and answers on its stdout and stderr, so a poll starts no process on
/// the node: no sshd session, no login shell, no `cat`. A file is read with `read` and
/// `printf`, both builtins. Other read-only scripts (the probes) run in a subshell of it: one
/// fork instead of a session, a login shell and its start-up files. Nothing is written on the node.
///
/// Values travel as data, never as code: a request's path and arguments are lines that the
/// shell `read`s into variables and positional parameters. Each answer ends with a token
/// drawn at random for that request, so no content can end it early.
public enum ConsoleShell {
    /// `$0` of the shell on the node, so that an administrator who finds it in `ps` knows whose it is.
    public static let name = "hadeck-console"

    /// What `sh -c` runs, and all that `ps` on the node shows of it: it reads the shell's script
    /// (a line count, then the lines) from stdin, then runs it.
    static let bootstrap = #"""
    IFS= read -r n; s=; while [ "$n" -gt 0 ]; do IFS= read -r l; s="$s$l
    "; n=$((n - 1)); done; eval "$s"
    """#

    /// The shell's loop. `r TOKEN` + a path line: the file's bytes (and `hadeck-lock=HOLDER` on
    /// stderr when a write's lock is on it; exit 3 missing, 4 unreadable, as `readFile`).
    /// `s TOKEN LINES ARGS` + the script's lines + one line per argument: the script in a
    /// subshell, stdin empty. Each answer ends with `\nTOKENo STATUS\n` on stdout and
    /// `\nTOKENe\n` on stderr.
    static let script = #"""
    LC_ALL=C; export LC_ALL
    nl='
    '
    # $1 a file: its bytes, with builtins only (`read` drops NUL bytes, which no configuration file holds).
    hadeck_emit() { while IFS= read -r l; do printf '%s\n' "$l"; done < "$1"; printf '%s' "$l"; }
    hadeck_read() {
        [ -e "$1" ] || { printf 'no such file: %s\n' "$1" >&2; return 3; }
        [ -f "$1" ] || { printf 'not a regular file: %s\n' "$1" >&2; return 4; }
        [ -r "$1" ] || { printf 'permission denied: %s\n' "$1" >&2; return 4; }
        if [ -h "$1" ]; then k="$(readlink -f -- "$1").hadeck.lock"; else k="$1.hadeck.lock"; fi
        if [ -d "$k" ]; then
            h=; [ -r "$k/owner" ] && IFS= read -r h < "$k/owner"
            printf 'hadeck-lock=%s\n' "${h:-unknown (no owner recorded)}" >&2
        fi
        hadeck_emit "$1"
    }
    while IFS=' ' read -r op t n a; do
        case $op in
        r)  IFS= read -r p || exit 0
            hadeck_read "$p"; c=$? ;;
        s)  s= i=0
            while [ "$i" -lt "$n" ]; do IFS= read -r l || exit 0; s="$s$l$nl"; i=$((i + 1)); done
            set --; i=0
            while [ "$i" -lt "$a" ]; do IFS= read -r l || exit 0; set -- "$@" "$l"; i=$((i + 1)); done
            ( eval "$s" ) </dev/null; c=$? ;;
        *)  exit 2 ;;
        esac
        printf '\n%so %s\n' "$t" "$c"
        printf '\n%se\n' "$t" >&2
    done
    """#

    /// What the shell reads first: `script` as `bootstrap` expects it.
    static let scriptOnStdin: [UInt8] = {
        let (count, text) = lines(of: script)
        return Array("\(count)\n\(text)".utf8)
    }()

    /// `text` as the shell reads a script, line by line after their count: the count, and the
    /// lines each ending in a newline.
    static func lines(of text: String) -> (count: Int, text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.count, lines.map { $0 + "\n" }.joined())
    }

    /// One request to the shell.
    struct Request: Equatable {
        var token: String
        var bytes: [UInt8]

        /// Reading `path` with the shell's builtins; nil when the path cannot travel as one line.
        static func read(_ path: String, token: String = newToken()) -> Request? {
            guard !path.contains("\n"), !path.contains("\0") else { return nil }
            return Request(token: token, bytes: Array("r \(token)\n\(path)\n".utf8))
        }

        /// Running `script` with `arguments` in a subshell; nil when an argument cannot travel as one line.
        static func script(_ script: String, _ arguments: [String], token: String = newToken()) -> Request? {
            guard !arguments.contains(where: { $0.contains("\n") || $0.contains("\0") }), !script.contains("\0") else { return nil }
            let (count, text) = lines(of: script)
            let request = "s \(token) \(count) \(arguments.count)\n" + text + arguments.map { $0 + "\n" }.joined()
            return Request(token: token, bytes: Array(request.utf8))
        }

        static func newToken() -> String {
            (0..<4).map { _ in String(UInt32.random(in: .min ... .max), radix: 16) }.joined(separator: "x")
        }
    }

    /// The answer to the request with `token` once the shell's stdout and stderr hold all of it; nil until then.
    static func answer(to token: String, stdout: [UInt8], stderr: [UInt8]) -> CommandOutput? {
        let statusMark = Array("\n\(token)o ".utf8), endMark = Array("\n\(token)e\n".utf8)
        guard let statusAt = stdout.firstRange(of: statusMark)?.lowerBound,
              let lineEnd = stdout[(statusAt + statusMark.count)...].firstIndex(of: 0x0A),
              let status = Int32(String(decoding: stdout[(statusAt + statusMark.count)..<lineEnd], as: UTF8.self)),
              let endAt = stderr.firstRange(of: endMark)?.lowerBound else { return nil }
        return CommandOutput(status: status, stdout: Array(stdout[..<statusAt]), stderr: Array(stderr[..<endAt]))
    }
}
