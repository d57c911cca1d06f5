#!/bin/bash
# Installs what packaging/build-deb.sh needs on Debian 12: the packaging tools, then every
# build dependency that packaging/debian/control lists and that is not installed yet.
#   packaging/install-deps.sh          (as root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive

apt_install() { apt-get install -y -q --no-install-recommends "$@"; }

apt-get update -q
apt_install debhelper dpkg-dev lintian fakeroot

# dpkg-checkbuilddeps prints "Unmet build dependencies: a (>= 1) b | c <!nocheck> ...".
# Keep the package names, take the first of each alternative.
unmet=$(cd "$here" && dpkg-checkbuilddeps debian/control 2>&1 | sed -n 's/.*Unmet build dependencies: //p' || true)
if [ -n "$unmet" ]; then
    packages=$(sed -e 's/([^)]*)//g' -e 's/<[^>]*>//g' -e 's/\[[^]]*\]//g' \
                   -e 's/ *| *[^ ]*//g' <<<"$unmet" | tr -s ' ' '\n' | grep -v '^$' | sort -u)
    # shellcheck disable=SC2086  # one package name per word
    apt_install $packages
fi
(cd "$here" && dpkg-checkbuilddeps debian/control)
echo "packaging build dependencies: all installed"
