#!/usr/bin/env bash
# Installs the Debian 12 packages the e2e tier needs on the host. Idempotent and quiet: runs
# apt-get only when something is missing.
#   - the VM: QEMU, Debian 12's 6.12 kernel (its bluetooth and hci_vhci modules, 9p and
#     overlayfs for the root; the default 6.1 kernel crashes in hci_chan_del during the
#     scenarios, see docs/testing.md), a static busybox for the initramfs, kmod to resolve
#     module dependencies;
#   - inside the VM (it sees the host's / read-only): dbus-daemon, bluetoothd and bluetoothctl
#     (bluez), btvirt (bluez-test-tools), Debian's python3 with python3-dbus and python3-gi
#     for the peer and the scenario driver; systemd for run-vm.sh -S (systemd as PID 1);
#   - for the admin-plugin scenario, what build-bluetoothd-admin.sh needs to build Debian's
#     own bluez source with --enable-admin (apt-get source, autotools, glib and libdbus).
set -euo pipefail
pkgs=(
  qemu-system-x86 linux-image-6.12-amd64 busybox-static kmod
  dbus bluez bluez-test-tools python3 python3-dbus python3-gi systemd
  dpkg-dev make gcc autoconf automake libtool pkgconf libglib2.0-dev libdbus-1-dev
  # The package scenario's audit trail (tests/packaging/systemd-vm-scenario.sh): auditd for
  # the USER_DEVICE records, rsyslog with RELP and systemd-journal-remote for delivery.
  auditd rsyslog rsyslog-relp systemd-journal-remote
  # ... polkitd, whose answers the org.btfence1 checks (steps 4b, 4c) need; ansible-core and
  # python3-apt (its apt module) to run the fleet role for real (step 4d).
  polkitd ansible-core python3-apt
)
missing=()
for pkg in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
echo "e2e install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
