#!/usr/bin/env bash
# Install Request Tracker 5 from Debian's packages for the RT connector tests.
#
#   sudo bash tests/servers/rt_setup.sh       (./run test and .ci/run call it)
#
# Idempotent and quick when RT is already there (a dpkg query, well under a second).
# It installs packages only: every test session initialises its own throw-away SQLite
# database and its own rt-server on 127.0.0.1 (tests/servers/rt.py), so nothing here
# touches /etc/request-tracker5 beyond what the packages ship.
#
# Packages: request-tracker5 (RT itself), rt5-db-sqlite (DBD::SQLite), rt5-standalone
# (Starlet, for rt-server), msmtp-mta (satisfies RT's mail-transport-agent dependency
# without a daemon; otherwise apt pulls in and starts exim4). Debconf is preseeded so
# dbconfig-common creates no database and no cron jobs are installed.
#
# If apt cannot reach the archive (no network), the script says so loudly, writes
# $MARKER and exits 0: the RT tests then skip with that warning. Any other failure exits
# non-zero. Fresh install on Debian 12: ~45-80 s, nearly all of it apt.
set -euo pipefail

PACKAGES=(request-tracker5 rt5-db-sqlite rt5-standalone msmtp-mta)
MARKER=/var/tmp/inbox-tui-rt-apt-unreachable
LOG=$(mktemp /tmp/rt-setup-apt.XXXXXX.log)
trap 'rm -f "$LOG"' EXIT
START=$(date +%s)

say() { printf 'rt_setup: %s\n' "$*"; }

installed() {
    local pkg
    for pkg in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || return 1
    done
    [ -x /usr/share/request-tracker5/libexec/rt-server ]
}

network_failure() {  # did apt fail because it could not reach the archive?
    grep -qE 'Temporary failure resolving|Could not resolve|Failed to fetch|Unable to connect|Network is unreachable|Connection timed out|Could not connect' "$LOG"
}

unreachable() {
    {
        echo "apt could not reach the Debian archive while installing Request Tracker:"
        grep -E 'Temporary failure resolving|Could not resolve|Failed to fetch|Unable to connect|Network is unreachable|Connection timed out|Could not connect' "$LOG" | head -3
    } > "$MARKER"
    echo "######################################################################" >&2
    echo "# WARNING: Request Tracker could NOT be installed: apt is unreachable." >&2
    echo "# The RT connector tests will be SKIPPED. Details: $MARKER" >&2
    echo "######################################################################" >&2
    exit 0
}

if installed; then
    rm -f "$MARKER"
    say "request-tracker5 already installed ($(dpkg-query -W -f='${Version}' request-tracker5))"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "rt_setup: run as root (sudo bash $0)" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
debconf-set-selections <<'EOF'
request-tracker5 request-tracker5/dbconfig-install boolean false
request-tracker5 request-tracker5/install-cronjobs boolean false
request-tracker5 request-tracker5/rtname string inbox-tui-test
request-tracker5 request-tracker5/organization string example.test
request-tracker5 request-tracker5/correspondaddress string rt@example.test
request-tracker5 request-tracker5/commentaddress string rt-comment@example.test
man-db man-db/auto-update boolean false
EOF
# On throw-away CI machines, skip rebuilding the man page index after the install.
if [ -n "${CI:-}" ]; then rm -f /var/lib/man-db/auto-update; fi

apt_install() {
    apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=300 \
        "${PACKAGES[@]}" > "$LOG" 2>&1
}

say "installing ${PACKAGES[*]} (about a minute)"
if ! apt_install; then
    if network_failure; then unreachable; fi
    # a fresh machine or container has no package lists yet
    say "apt-get install failed; running apt-get update and trying again"
    if ! apt-get update -q -o DPkg::Lock::Timeout=300 > "$LOG" 2>&1; then
        if network_failure; then unreachable; fi
        tail -30 "$LOG" >&2; echo "rt_setup: apt-get update failed" >&2; exit 1
    fi
    if ! apt_install; then
        if network_failure; then unreachable; fi
        tail -40 "$LOG" >&2; echo "rt_setup: apt-get install failed" >&2; exit 1
    fi
fi

installed || { echo "rt_setup: packages installed but rt-server is missing" >&2; exit 1; }
perl -I/usr/share/request-tracker5/lib -MRT -MDBD::SQLite -e 1 \
    || { echo "rt_setup: RT's perl modules do not load" >&2; exit 1; }
rm -f "$MARKER"
say "request-tracker5 $(dpkg-query -W -f='${Version}' request-tracker5) installed in $(( $(date +%s) - START ))s"
