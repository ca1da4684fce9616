# Sourced by scripts/demo and scripts/test: installs the Debian packages HADeck needs.

# The packages every HADeck build and test run needs, in one place.
# (openssh-server, iproute2, procps, passwd: the tests' real sshd nodes; postgresql and
# util-linux's unshare/nsenter: the lab; tmux and ncurses-term (xterm-direct, true colour):
# the console's end-to-end tests; haproxy, nginx-light: `hadeck lb` output checked by them;
# libcurl4-openssl-dev: the settings API's HTTP client; python3: a misbehaving HTTP server in the tests;
# sudo: the become tests' real sudo; dpkg-dev (dpkg-shlibdeps) and man-db: scripts/package and
# the test that checks its package's Depends and manual page; strace: the tests that count a
# start's execs.)
HADECK_PACKAGES=(libncurses-dev libcurl4-openssl-dev python3 diffutils coreutils openssh-client openssh-server iproute2 procps passwd
                 postgresql postgresql-client util-linux tmux ncurses-term haproxy nginx-light sudo
                 dpkg-dev man-db strace)

ensure_packages() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing ${missing[*]} (apt-get)..." >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # haproxy, nginx, postgresql and sshd are only run by the tests, on loopback: their
    # packages must not start system services (nginx's would listen on *:80).
    local policy=/usr/sbin/policy-rc.d own_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod 755 "$policy" && own_policy=1
    fi
    local status=0
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || status=$?
    [ -n "$own_policy" ] && $sudo rm -f "$policy"
    return $status
}

ensure_swift() {
    command -v swift >/dev/null 2>&1 && return 0
    [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH" && return 0
    echo "HADeck needs Swift 6.1 or newer on PATH (https://www.swift.org/install/linux/)." >&2
    exit 1
}
