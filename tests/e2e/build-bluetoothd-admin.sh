#!/usr/bin/env bash
# Builds a bluetoothd WITH the admin policy plugin (org.bluez.AdminPolicySet1 and
# AdminPolicyStatus1), which Debian 12's packaged bluetoothd lacks: Debian's own source of the
# installed bluez version (with Debian's patches), configured with --enable-admin. Only
# bluetoothd is built; the VM uses it in place of /usr/libexec/bluetooth/bluetoothd and keeps
# everything else from the package.
#
# Prints the binary's path on stdout (everything else goes to stderr). Cached: a second run
# only checks the binary. Nothing outside the cache directory is written: the deb-src list and
# apt's state for `apt-get source` live there too.
#   BTFENCE_E2E_CACHE   cache directory (default /tmp/btfence-e2e-cache)
# Needs (tests/e2e/install-deps.sh installs them): dpkg-dev, make, gcc, autoconf, automake,
# libtool, pkgconf, libglib2.0-dev, libdbus-1-dev; and the Debian mirror, for the source.
set -euo pipefail
cache=${BTFENCE_E2E_CACHE:-/tmp/btfence-e2e-cache}
version=$(dpkg-query -W -f='${Version}' bluez)
binary=$cache/bluetoothd-admin-${version//[^A-Za-z0-9.+-]/_}
has_admin_plugin() { [ -x "$1" ] && grep -qa org.bluez.AdminPolicySet1 "$1"; }

if has_admin_plugin "$binary"; then
  echo "$binary"
  exit 0
fi

work=$cache/bluez-admin-build
mkdir -p "$work/apt/lists/partial" "$work/apt/archives/partial" "$work/apt/sources.list.d"
cd "$work"
# The mirrors this machine installs its packages from, with deb-src entries added.
for list in /etc/apt/sources.list.d/*.sources; do
  [ -e "$list" ] && sed 's/^Types: deb$/Types: deb deb-src/' "$list" > "apt/sources.list.d/${list##*/}"
done
if [ -f /etc/apt/sources.list ]; then
  sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > apt/sources.list
else
  : > apt/sources.list
fi
apt=(-o Dir::Etc::SourceList="$work/apt/sources.list" -o Dir::Etc::SourceParts="$work/apt/sources.list.d"
     -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache="$work/apt")

upstream=${version%%-*}
src=$work/bluez-$upstream
if [ ! -d "$src" ]; then
  echo "build-bluetoothd-admin: fetching Debian's source of bluez $version" >&2
  apt-get "${apt[@]}" -qq update >&2
  apt-get "${apt[@]}" -qq source --download-only "bluez=$version" >&2 2>/dev/null \
    || apt-get "${apt[@]}" source --download-only "bluez=$version" >&2
  dpkg-source -x "bluez_${version#*:}.dsc" "$src" >/dev/null   # applies debian/patches
fi

cd "$src"
echo "build-bluetoothd-admin: building bluetoothd with --enable-admin in $src" >&2
[ -x configure ] || ./bootstrap >/dev/null 2>&1
if [ ! -f Makefile ]; then
  ./configure -q --prefix=/usr --sysconfdir=/etc --localstatedir=/var --libexecdir=/usr/libexec \
    --enable-admin --enable-debug --disable-manpages --disable-systemd --disable-udev \
    --disable-cups --disable-obex --disable-mesh --disable-midi --disable-hid2hci \
    --disable-sixaxis --disable-client --disable-tools --disable-monitor --disable-test \
    --disable-testing >&2
fi
# `make all`, not `make src/bluetoothd`: generated headers (lib/bluetooth/*.h) are BUILT_SOURCES
# made only by `all`; with the tools and the client disabled, `all` is little more than bluetoothd.
make -s -j"$(nproc)" >/dev/null
has_admin_plugin src/bluetoothd || { echo "build-bluetoothd-admin: no admin plugin in src/bluetoothd" >&2; exit 1; }
install -m 0755 src/bluetoothd "$binary.tmp"
mv "$binary.tmp" "$binary"
echo "$binary"
