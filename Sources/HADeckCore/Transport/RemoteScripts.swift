/// The POSIX sh that HADeck runs on nodes, one script per operation, one round trip each.
///
/// Every value arrives as a positional parameter and every file content on stdin; no
/// script text is ever built from data. The scripts use only POSIX sh and coreutils
/// (`stat -c`, `sha256sum`, `sync FILE`), as found on any Linux node, BusyBox included.
enum RemoteScripts {
    /// Exit codes with a meaning the caller acts on.
    enum Status {
        static let missing: Int32 = 3
        static let unreadable: Int32 = 4
        static let locked: Int32 = 10
        static let changedSinceRead: Int32 = 11
        /// `safeWrite` exits with these only before its rename: the file holds what it held.
        static let stoppedBeforeRename: Set<Int32> = [missing, unreadable, locked, changedSinceRead, 12, 13, 14, 15, 16, 17]
    }

    static let prelude = #"""
    set -u
    LC_ALL=C; export LC_ALL
    fail() { code=$1; shift; printf '%s\n' "$*" >&2; exit "$code"; }
    sum() { s=$(sha256sum < "$1") || return 1; printf '%s' "${s%% *}"; }
    # $1 a lock directory. Sets holder to who took it and since when; forks nothing.
    lockholder() { holder=; [ -r "$1/owner" ] && read -r holder < "$1/owner"; holder=${holder:-unknown (no owner recorded)}; }
    # $1 a lock directory. Removes it if it is there, printing broke-lock=HOLDER.
    unlock() {
        [ -d "$1" ] || return 0
        lockholder "$1"; printf 'broke-lock=%s\n' "$holder"
        rm -rf -- "$1" || fail 12 "cannot remove the lock $1"
    }

    """#

    /// $1 file. Prints the content, and on stderr `hadeck-lock=HOLDER` when a write's lock is
    /// on it. Nothing is forked (unless the file is a symlink): the login shell, this `sh` and
    /// `cat` follow each other by `exec`, because the console runs this on every node every poll.
    static let readFile = prelude + #"""
    f=$1
    [ -e "$f" ] || fail 3 "no such file: $f"
    [ -f "$f" ] || fail 4 "not a regular file: $f"
    [ -r "$f" ] || fail 4 "permission denied: $f"
    if [ -h "$f" ]; then lock="$(readlink -f -- "$f").hadeck.lock"; else lock="$f.hadeck.lock"; fi
    if [ -d "$lock" ]; then lockholder "$lock"; printf 'hadeck-lock=%s\n' "$holder" >&2; fi
    exec cat -- "$f"
    """#

    /// $1 file. Removes a lock left on it by a write that did not finish; prints
    /// `broke-lock=HOLDER` if there was one.
    static let breakLock = prelude + #"""
    f=$(readlink -f -- "$1") || f=$1
    unlock "$f.hadeck.lock"
    """#

    /// $1 file. Prints `mode user:group uid:gid mtime size` (what a details view shows;
    /// kept out of `readFile`, which every poll runs).
    static let fileMetadata = prelude + #"""
    [ -e "$1" ] || fail 3 "no such file: $1"
    exec stat -L -c '%a %U:%G %u:%g %Y %s' -- "$1"
    """#

    /// DESIGN §4. $1 file, $2 sha256 the plan was made from (`absent`: there was no file, and
    /// it is created with the mode and owner of $7, the backup restored), $3 sha256 of the new
    /// content, $4 backups to keep, $5 who is writing, $6 "1" to break a lock left behind.
    /// New content on stdin. Prints `backup=PATH` on success (`backup=` alone: created).
    static let safeWrite = prelude + #"""
    f=$(readlink -f -- "$1") || f=$1
    expect=$2 want=$3 keep=$4 who=$5 breaklock=$6
    dir=$(dirname -- "$f") base=$(basename -- "$f")
    lock="$f.hadeck.lock"
    [ "$breaklock" = 1 ] && unlock "$lock"
    if ! mkdir -- "$lock" 2>/dev/null; then
        [ -d "$lock" ] || fail 12 "cannot create the lock $lock: $(mkdir -- "$lock" 2>&1)"
        lockholder "$lock"; fail 10 "$holder"
    fi
    trap 'rm -rf -- "$lock"' EXIT
    # A signal ends the script through its EXIT trap, so the lock goes with it. PIPE: the
    # reader of our output (a killed hadeck) is gone; the write itself is already decided.
    trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 141' PIPE; trap 'exit 143' TERM
    printf '%s since %s\n' "$who" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$lock/owner"

    if [ "$expect" = absent ]; then
        [ -e "$f" ] && fail 11 "changed since read: $f exists now (it was missing when the plan was made; plan again)"
        like=${7:-}
        [ -f "$like" ] || fail 3 "no file to take the mode and owner from: $like"
    else
        [ -f "$f" ] || fail 3 "no such file: $f"
        cur=$(sum "$f") || fail 4 "cannot read $f"
        [ "$cur" = "$expect" ] || fail 11 "changed since read: $f (someone else wrote it after the plan was made; plan again)"
        like=$f
    fi

    # Leftovers of an interrupted write: we hold the lock, so nobody is writing them.
    for t in "$dir/.$base.hadeck-tmp."*; do [ -e "$t" ] && rm -f -- "$t"; done

    bdir="$dir/.hadeck-backups"
    mkdir -p -- "$bdir" 2>/dev/null || fail 13 "cannot create the backup directory $bdir"
    # Names sort in time order; nanoseconds keep that true for writes within one second.
    ts=$(date -u +%Y%m%dT%H%M%S.%NZ)
    case $ts in *N*) ts=$(date -u +%Y%m%dT%H%M%SZ) ;; esac
    b="$bdir/$base.$ts" n=1
    while [ -e "$b" ]; do b="$bdir/$base.$ts.$n"; n=$((n + 1)); done
    if [ "$expect" = absent ]; then
        b=
    elif ! { cp -p -- "$f" "$b.partial" 2>/dev/null && mv -f -- "$b.partial" "$b"; }; then
        rm -f -- "$b.partial"; fail 13 "cannot write the backup $b"
    fi

    tmp="$dir/.$base.hadeck-tmp.$$"
    cat > "$tmp" 2>/dev/null || { rm -f -- "$tmp"; fail 14 "cannot write $tmp (disk full or directory not writable?)"; }
    got=$(sum "$tmp") || got=unreadable
    [ "$got" = "$want" ] || { rm -f -- "$tmp"; fail 15 "the new content arrived damaged; nothing changed"; }
    mode=$(stat -c %a -- "$like") owner=$(stat -c %u:%g -- "$like")
    chmod "$mode" "$tmp" || { rm -f -- "$tmp"; fail 16 "cannot set mode $mode on $tmp"; }
    if [ "$(stat -c %u:%g -- "$tmp")" != "$owner" ]; then
        chown "$owner" "$tmp" 2>/dev/null || { rm -f -- "$tmp"; fail 16 "cannot give $tmp the owner $owner of $like"; }
    fi
    sync -- "$tmp" 2>/dev/null || sync
    mv -f -- "$tmp" "$f" || { rm -f -- "$tmp"; fail 17 "cannot replace $f"; }
    sync -- "$dir" 2>/dev/null || true
    now=$(sum "$f") || now=unreadable
    [ "$now" = "$want" ] || fail 18 "verification failed: $f does not hold what was written"

    set --
    for old in "$bdir/$base".[0-9]*; do
        case $old in *.partial) ;; *) [ -f "$old" ] && set -- "$@" "$old" ;; esac
    done
    excess=$(($# - keep))
    while [ "$excess" -gt 0 ]; do rm -f -- "$1"; shift; excess=$((excess - 1)); done
    printf 'backup=%s\n' "$b"
    """#

    /// $1 file. Prints `dir=BACKUP_DIRECTORY`, then `SIZE<TAB>NAME` per backup, oldest first.
    static let listBackups = prelude + #"""
    f=$(readlink -f -- "$1") || f=$1
    bdir="$(dirname -- "$f")/.hadeck-backups" base=$(basename -- "$f")
    printf 'dir=%s\n' "$bdir"
    [ -d "$bdir" ] || exit 0
    for b in "$bdir/$base".[0-9]*; do
        case $b in *.partial) continue ;; esac
        [ -f "$b" ] || continue
        printf '%s\t%s\n' "$(stat -c %s -- "$b")" "${b##*/}"
    done
    """#

    /// $1 a shell command written by the administrator in the inventory (`restart:`); it
    /// is run as written, as `sh -c` would. Its output is passed back.
    static let runCommand = prelude + #"""
    exec sh -c "$1"
    """#

    /// `probe HOST PORT SECONDS`: whether a connection opens. A HOST starting with `/` is
    /// a PostgreSQL socket directory (Npgsql's `Host=/run/postgresql`): its socket must exist.
    private static let probeFunction = #"""
    probe() {
        case $1 in /*) [ -S "$1/.s.PGSQL.$2" ]; return ;; esac
        if command -v nc >/dev/null 2>&1; then nc -z -w "$3" "$1" "$2" >/dev/null 2>&1; return; fi
        if command -v bash >/dev/null 2>&1; then
            timeout "$3" bash -c 'exec 3<>"/dev/tcp/$1/$2"' hadeck "$1" "$2" >/dev/null 2>&1; return
        fi
        if command -v python3 >/dev/null 2>&1; then
            python3 -c 'import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), float(sys.argv[3]))' "$1" "$2" "$3" 2>/dev/null; return
        fi
        fail 20 "cannot probe TCP from this node: it has none of nc, bash, python3"
    }

    """#

    /// $1 host, $2 port, $3 seconds. Exit 0 when a connection opens, 1 when it does not,
    /// 20 when the node has no tool to try with (nc, bash or python3).
    static let probeTCP = prelude + probeFunction + #"""
    probe "$1" "$2" "$3" && exit 0 || exit 1
    """#

    /// $1 seconds, then HOST PORT pairs. Probes them all at once and prints `INDEX 1|0`
    /// per pair (in any order): one round trip for every target a node must reach.
    /// With python3 on the node, one process probes every target at once (non-blocking
    /// connects and one `select`); otherwise a subshell and a tool per target. The console
    /// probes every poll while a probe pane is shown, with a node's every peer a target.
    static let probeMany = prelude + probeFunction + #"""
    py='import errno, os, select, socket, stat, sys, time
    seconds, rest = float(sys.argv[1]), sys.argv[2:]
    waiting, answers = {}, []
    for index in range(len(rest) // 2):
        host, port = rest[2 * index], int(rest[2 * index + 1])
        if host.startswith("/"):
            try: answers.append((index, stat.S_ISSOCK(os.stat("%s/.s.PGSQL.%d" % (host, port)).st_mode)))
            except OSError: answers.append((index, False))
            continue
        try:
            family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
            probe = socket.socket(family, kind, proto)
            probe.setblocking(False)
            result = probe.connect_ex(address)
            if result in (errno.EINPROGRESS, errno.EAGAIN): waiting[probe] = index
            else: answers.append((index, result == 0)); probe.close()
        except (OSError, ValueError): answers.append((index, False))
    deadline = time.monotonic() + seconds
    while waiting and time.monotonic() < deadline:
        _, ready, _ = select.select([], list(waiting), [], max(0, deadline - time.monotonic()))
        for probe in ready:
            answers.append((waiting.pop(probe), probe.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0)); probe.close()
    answers += [(index, False) for index in waiting.values()]
    print("\n".join("%d %d" % (index, 1 if reached else 0) for index, reached in answers))'
    command -v python3 >/dev/null 2>&1 && exec python3 -I -S -c "$py" "$@"
    command -v nc >/dev/null 2>&1 || command -v bash >/dev/null 2>&1 ||
        fail 20 "cannot probe TCP from this node: it has none of nc, bash, python3"
    s=$1; shift; i=0
    while [ $# -ge 2 ]; do
        ( if probe "$1" "$2" "$s"; then echo "$i 1"; else echo "$i 0"; fi ) &
        i=$((i + 1)); shift 2
    done
    wait
    """#

    /// Shared storage, seen from one node. $1 directory, $2 `write NAME TOKEN`: leaves
    /// `.hadeck-probe-NAME` holding TOKEN and prints `writable 1|0` and `free KIB`;
    /// `read NAME…`: prints `NAME TOKEN` for each probe it finds (`NAME -` if none);
    /// `remove NAME`: removes this node's probe.
    static let storageProbe = prelude + #"""
    d=$1 mode=$2; shift 2
    [ -d "$d" ] || fail 3 "no such directory: $d"
    case $mode in
    write)
        if printf '%s' "$2" > "$d/.hadeck-probe-$1" 2>/dev/null; then echo "writable 1"; else echo "writable 0"; fi
        df -Pk -- "$d" 2>/dev/null | awk 'NR == 2 { print "free " $4 }' ;;
    read)
        for n in "$@"; do
            # `read`, a builtin: the console's shell answers this without starting a process.
            if [ -r "$d/.hadeck-probe-$n" ]; then
                tok=; IFS= read -r tok < "$d/.hadeck-probe-$n" || :; printf '%s %s\n' "$n" "$tok"
            else printf '%s -\n' "$n"; fi
        done ;;
    remove) rm -f -- "$d/.hadeck-probe-$1" ;;
    esac
    """#

    /// $1 path. Prints the KiB available to unprivileged users on the path's file system.
    static let freeSpace = prelude + #"""
    out=$(df -Pk -- "$1" 2>&1) || fail 3 "$out"
    printf '%s\n' "$out" | awk 'NR == 2 { print $4 }'
    """#

    /// The scripts that only read, which the console's long-lived shell may run for a poll
    /// (`SessionTransport`); everything that writes or restarts keeps its own session.
    static let readOnly: Set<String> = [probeTCP, probeMany, storageProbe, freeSpace, fileMetadata, listBackups]
}
