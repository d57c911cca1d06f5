#!/usr/bin/env bash
# Runs a command inside a throw-away QEMU VM with real Bluetooth: Debian's kernel (bluetooth,
# hci_vhci), a system dbus-daemon, bluetoothd and two btvirt LE controllers (hci0, hci1) that
# see each other over btvirt's emulated air. The VM's root is this machine's / (read-only 9p,
# under a RAM overlay), so binaries and scripts are used in place at the same paths; nothing
# written in the VM survives except in the run directory.
#
#   run-vm.sh [-S] [-B] [-o DIR] [-n 1|2] [-X BLUETOOTHD] [-b BUS.conf]... [-e VAR=VALUE]...
#             [-t SECONDS] [-q] [-R] -- COMMAND [ARG...]
#   -S            systemd as PID 1 (this host's systemd, dbus.service and Debian's
#                 bluetooth.service; btvirt and the command are units of e2e-vm.target), for
#                 tests of an installed package and its unit. Logs: bluetoothd.log,
#                 dbus-daemon.log and btvirt.log are those units' journals (bluetoothd without
#                 debug unless -X), plus journal.log (the whole boot) and systemd-state.log
#   -B            dual-mode controllers (BR/EDR and LE, btvirt without -L) instead of LE-only
#                 ones, for the classic (BR/EDR) scenarios; E2E_BREDR=1 in the command's
#                 environment
#   -o DIR        run directory, kept: output.log (the command's output), logs/ (bluetoothd.log
#                 with -d, dbus-daemon.log, btvirt.log, dmesg.log, console.log, and whatever the
#                 command writes to $E2E_LOGS), out/ ($E2E_OUT). Default: a temporary
#                 directory, removed after a successful run and kept (path printed) otherwise.
#   -n N          number of controllers (default 2)
#   -X BLUETOOTHD bluetoothd binary to run instead of Debian's
#   -b FILE       D-Bus policy file installed into the guest's /etc/dbus-1/system.d
#   -e VAR=VALUE  environment of the command
#   -t SECONDS    time limit of the command (default 600); the VM gets 120 s more to boot
#                 (180 s with -S)
#   -q            print only the command's output, not the VM's progress lines
#   -R            boot once more if the command exits 75, its way of saying that the VM broke
#                 under it (the scenario driver does so when the guest kernel hits a BUG);
#                 the first attempt's output.log and logs/ are kept in DIR.attempt1
# Without -R too, a VM whose kernel crashed (Oops, panic) before the command started is booted
# once more, its logs kept the same way: nothing of the command ran, so it is the emulator's
# failure, not the test's (TCG has oopsed at boot on a text-patching int3 in sched_clock_cpu,
# kernel 6.12.118). A crash after the command started is the command's result.
# In the VM the command runs as root in the current directory, on the system bus, with
# E2E_LOGS, E2E_OUT, and in the default mode E2E_START_BLUETOOTHD (starts bluetoothd again,
# as at boot) and E2E_BLUETOOTHD_PID (file with its pid); with -S, systemctl does that.
#
# Exit status: the command's own (a failing command should use 1; 75 means the VM broke
# under it); 124 the time limit was hit; 125 the VM or its Bluetooth setup failed; 126 host
# prerequisites are missing (run tests/e2e/install-deps.sh); 2 bad usage.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }

run_dir="" controllers=2 bluetoothd=/usr/libexec/bluetooth/bluetoothd cmd_timeout=600 quiet=0 retry=0
systemd=0 bredr=0 bus_confs=() envs=()
while getopts "SBo:n:X:b:e:t:qRh" opt; do
  case $opt in
    S) systemd=1 ;;
    B) bredr=1 ;;
    o) run_dir=$OPTARG ;;
    n) controllers=$OPTARG ;;
    X) bluetoothd=$(readlink -f "$OPTARG") ;;
    b) bus_confs+=("$(readlink -f "$OPTARG")") ;;
    e) envs+=("$OPTARG") ;;
    t) cmd_timeout=$OPTARG ;;
    q) quiet=1 ;;
    R) retry=1 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || usage

# --- host prerequisites ------------------------------------------------------------------
# The newest installed kernel: Debian 12's 6.12 (linux-image-6.12-amd64) once install-deps.sh
# has run. Its default 6.1 kernel crashes in hci_chan_del when a link is torn down while
# bluetoothd closes an ATT socket (docs/testing.md); BTFENCE_E2E_KERNEL=/boot/vmlinuz-6.1...
# still picks it.
kernel=${BTFENCE_E2E_KERNEL:-$(ls -1v /boot/vmlinuz-* 2> /dev/null | tail -n 1)}
kver=${kernel#/boot/vmlinuz-}
missing=()
[ -r "$kernel" ] || missing+=("a kernel in /boot (linux-image-amd64)")
[ -d "/lib/modules/$kver/kernel/drivers/bluetooth" ] || missing+=("Bluetooth modules of $kver")
for tool in qemu-system-x86_64 btvirt dbus-daemon dbus-send modprobe; do
  command -v $tool > /dev/null || missing+=("$tool")
done
[ -x "$bluetoothd" ] || missing+=("$bluetoothd")
if [ $systemd = 1 ]; then
  for unit in /lib/systemd/systemd /lib/systemd/system/dbus.service /lib/systemd/system/bluetooth.service; do
    [ -e $unit ] || missing+=("$unit (systemd, dbus, bluez)")
  done
fi
[ -x /bin/busybox ] && ! ldd /bin/busybox > /dev/null 2>&1 || missing+=("a static /bin/busybox (busybox-static)")
if ((${#missing[@]})); then
  printf 'run-vm.sh: missing: %s\n' "${missing[@]}" >&2
  echo "run-vm.sh: run tests/e2e/install-deps.sh" >&2
  exit 126
fi

# --- initramfs: busybox plus the modules for virtio, 9p and overlayfs; cached by content ------
cache=${BTFENCE_E2E_CACHE:-/tmp/btfence-e2e-cache}
mkdir -p "$cache"
key=$( (echo "$kver"; cat "$here/initramfs-init"; md5sum < /bin/busybox) | md5sum | cut -c1-12)
initrd=$cache/initramfs-$kver-$key.cpio.gz
if [ ! -s "$initrd" ]; then
  tree=$(mktemp -d)
  mkdir -p "$tree/bin" "$tree/modules"
  cp /bin/busybox "$tree/bin/"
  install -m 0755 "$here/initramfs-init" "$tree/init"
  for module in virtio_pci virtio_rng 9pnet_virtio 9p overlay; do
    modprobe -S "$kver" --show-depends "$module" | awk '$1 == "insmod" { print $2 }'
  done | awk '!seen[$0]++' | while read -r ko; do
    name=$(basename "$ko" .xz)
    case $ko in # 6.12's modules are xz-compressed; busybox's insmod wants them plain
      *.xz) xz -dc "$ko" > "$tree/modules/$name" ;;
      *) cp "$ko" "$tree/modules/$name" ;;
    esac && echo "$name" >> "$tree/modules.order"
  done
  (cd "$tree" && find . | /bin/busybox cpio -o -H newc 2> /dev/null | gzip -1) > "$initrd.$$" \
    && mv "$initrd.$$" "$initrd"
  rm -rf "$tree"
  [ -s "$initrd" ] || { echo "run-vm.sh: could not build the initramfs" >&2; exit 125; }
fi

# --- the run directory, shared read-write with the guest ----------------------------------
keep=1
if [ -n "$run_dir" ]; then
  mkdir -p "$run_dir" && run_dir=$(cd "$run_dir" && pwd)
  rm -rf "$run_dir.attempt1"
else
  run_dir=$(mktemp -d /tmp/btfence-e2e-run.XXXXXX)
  keep=0
fi
prepare_run_dir() {
  rm -rf "${run_dir:?}/logs" "$run_dir/out" "$run_dir/dbus" "$run_dir/rc" "$run_dir/output.log" \
    "$run_dir/command-started"
  chmod 0755 "$run_dir"
  mkdir -p "$run_dir/logs" "$run_dir/out" "$run_dir/dbus"
  : > "$run_dir/output.log"
  cp "$here/guest-init.sh" "$here/guest-systemd.sh" "$here/bluetooth-main.conf" "$run_dir/"
  for conf in "${bus_confs[@]+"${bus_confs[@]}"}"; do cp "$conf" "$run_dir/dbus/"; done
  {
    printf 'E2E_BLUETOOTHD=%q\n' "$bluetoothd"
    if [ $bredr = 1 ]; then
      printf 'E2E_BTVIRT_ARGS=%q\n' "-l$controllers"
    else
      printf 'E2E_BTVIRT_ARGS=%q\n' "-L -l$controllers"
    fi
    printf 'E2E_CONTROLLERS=%q\n' "$controllers"
    printf 'E2E_CMD_TIMEOUT=%q\n' "$cmd_timeout"
    printf 'E2E_CWD=%q\n' "$PWD"
    printf 'E2E_SYSTEMD=%q\n' "$systemd"
  } > "$run_dir/config"
  {
    echo '#!/bin/bash'
    [ $bredr = 1 ] && echo 'export E2E_BREDR=1'
    for e in "${envs[@]+"${envs[@]}"}"; do printf 'export %q\n' "$e"; done
    printf 'exec'
    printf ' %q' "$@"
    echo
  } > "$run_dir/cmd.sh"
}

# --- one boot (TCG: KVM does not work on these machines, see tests/e2e/README.md) -------------
# Time for the boot and the power-off besides the command's own limit; systemd's boot and the
# journal saved at the end take longer.
boot_allowance=$((systemd ? 180 : 120))
qemu=""
trap '[ -n "$qemu" ] && kill $qemu 2> /dev/null' EXIT
trap 'exit 130' INT TERM
boot() { # sets $status
  qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 1024 -smp 2 \
    -nodefaults -no-user-config -display none -no-reboot -nic none \
    -serial "file:$run_dir/logs/console.log" \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 quiet loglevel=4 rdinit=/init" \
    -device virtio-rng-pci \
    -fsdev local,id=host,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=host,mount_tag=host \
    -fsdev local,id=run,path="$run_dir",security_model=none,multidevs=remap \
    -device virtio-9p-pci,fsdev=run,mount_tag=run \
    < /dev/null > "$run_dir/logs/qemu.log" 2>&1 &
  qemu=$!
  if [ $quiet = 1 ]; then
    tail -n +1 -F --pid=$qemu "$run_dir/output.log" 2> /dev/null | grep --line-buffered -v '^\[vm ' &
  else
    tail -n +1 -F --pid=$qemu "$run_dir/output.log" 2> /dev/null &
  fi
  local tailer=$! timed_out=0 deadline=$((SECONDS + cmd_timeout + boot_allowance))
  while kill -0 $qemu 2> /dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      timed_out=1
      kill $qemu
      break
    fi
    sleep 0.5
  done
  wait $qemu 2> /dev/null
  qemu=""
  sleep 0.3 # let tail print the last lines
  kill $tailer 2> /dev/null
  wait $tailer 2> /dev/null
  if [ $timed_out = 1 ]; then
    status=124
    echo "run-vm.sh: the VM did not finish within $((cmd_timeout + boot_allowance)) s" >&2
  elif [ -s "$run_dir/rc" ]; then
    status=$(cat "$run_dir/rc")
  else
    status=125
    echo "run-vm.sh: the VM stopped without an exit status; last console lines:" >&2
    tail -n 15 "$run_dir/logs/console.log" >&2
  fi
}

# kernel_crashed_before_the_command: the guest kernel oopsed or panicked before cmd.sh started
kernel_crashed_before_the_command() {
  [ "$status" = 125 ] && [ ! -e "$run_dir/command-started" ] &&
    grep -qE 'Kernel panic|Oops:|BUG:' "$run_dir/logs/console.log" 2> /dev/null
}
# boot_again WHY: keep this attempt's logs in DIR.attempt1 and boot once more
boot_again() {
  local why=$1
  shift
  rm -rf "$run_dir.attempt1"
  mkdir -p "$run_dir.attempt1"
  mv "$run_dir/logs" "$run_dir/output.log" "$run_dir.attempt1/"
  echo "run-vm.sh: $why (logs in $run_dir.attempt1); booting again" >&2
  prepare_run_dir "$@"
  boot
}

prepare_run_dir "$@"
boot
if [ "$status" = 75 ] && [ $retry = 1 ]; then
  boot_again "the command's environment broke (exit status 75)" "$@"
elif kernel_crashed_before_the_command; then
  boot_again "the guest kernel crashed before the command started" "$@"
fi
if [ "$status" -ne 0 ] || [ $keep = 1 ]; then
  echo "run-vm.sh: exit status $status; logs in $run_dir" >&2
else
  rm -rf "$run_dir"
fi
exit "$status"
