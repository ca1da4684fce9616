# Sourced by scripts/demo and scripts/test: installs the Debian packages HADeck needs.

# The packages every HADeck build and test run needs, in one place.
# (openssh-server, iproute2, procps, passwd: the tests' real sshd nodes; postgresql and
# util-linux's unshare/nsenter: the lab; tmux: the console's end-to-end tests.)
HADECK_PACKAGES=(libncurses-dev diffutils coreutils openssh-client openssh-server iproute2 procps passwd
                 postgresql postgresql-client util-linux tmux)

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
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_swift() {
    command -v swift >/dev/null 2>&1 && return 0
    [ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH" && return 0
    echo "HADeck needs Swift 6.1 or newer on PATH (https://www.swift.org/install/linux/)." >&2
    exit 1
}
