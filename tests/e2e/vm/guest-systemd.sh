#!/bin/sh
# The systemd mode of the e2e VM (run-vm.sh -S): systemd as PID 1, with this host's systemd,
# dbus.service and Debian's bluetooth.service as they are installed, so a test can install a
# package and drive its unit with systemctl and journalctl. / is the host's root under a RAM
# overlay, as in the default mode; everything below writes only into that overlay.
#
#   guest-systemd.sh            PID 1 (exec'd by guest-init.sh): prepares /etc, loads the
#                               Bluetooth modules, exec's systemd with e2e-vm.target
#   guest-systemd.sh command    ExecStart of e2e-vm-command.service: waits for the end of the
#                               boot and for bluetoothd, starts btvirt, waits until every
#                               controller is Powered, runs /e2e/cmd.sh, saves the logs, stores
#                               the exit status in /e2e/rc; the unit's SuccessAction= then
#                               powers the VM off
#   guest-systemd.sh emergency  ExecStart of emergency.service and rescue.service: stores 125
#                               (setup failed) instead of waiting for a root password
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
R=/e2e
L=$R/logs
. $R/config # E2E_BLUETOOTHD, E2E_BTVIRT_ARGS, E2E_CONTROLLERS, E2E_CMD_TIMEOUT, E2E_CWD, ...

say() { echo "[vm $(cut -d' ' -f1 /proc/uptime)s] $*" >> $R/output.log; }

# Once systemd runs: the journal, split as the default mode's files are, into logs/.
save_logs() {
  journalctl -b --no-pager -o short-monotonic > $L/journal.log 2>&1
  journalctl -b --no-pager -o short-monotonic -u bluetooth.service > $L/bluetoothd.log 2>&1
  journalctl -b --no-pager -o short-monotonic -u e2e-vm-btvirt.service > $L/btvirt.log 2>&1
  journalctl -b --no-pager -o short-monotonic -u dbus.service > $L/dbus-daemon.log 2>&1
  { systemctl is-system-running; systemctl --no-pager --no-legend list-units --failed; } \
    > $L/systemd-state.log 2>&1
  dmesg > $L/dmesg.log 2>&1
}

case ${1:-boot} in
# ==============================================================================================
emergency)
  say "SETUP FAILED: systemd went into emergency or rescue mode (logs/journal.log); failed units:"
  systemctl --no-pager --no-legend list-units --failed >> $R/output.log 2>&1
  save_logs
  echo 125 > $R/rc
  sync
  exit 0 # FailureAction=/SuccessAction=poweroff-force
  ;;
# ==============================================================================================
command)
  setup_failed() {
    say "SETUP FAILED: $*"
    save_logs
    echo 125 > $R/rc
    sync
    exit 0
  }
  bus_true() { # DEST PATH INTERFACE.METHOD ARGS...: does the call reply "boolean true"?
    dest=$1 path=$2 method=$3
    shift 3
    dbus-send --system --print-reply --dest="$dest" "$path" "$method" "$@" 2> /dev/null | grep -q 'boolean true'
  }
  powered_count() {
    n=0 i=0
    while [ $i -lt "$E2E_CONTROLLERS" ]; do
      bus_true org.bluez /org/bluez/hci$i org.freedesktop.DBus.Properties.Get \
        string:org.bluez.Adapter1 string:Powered && n=$((n + 1))
      i=$((i + 1))
    done
    echo $n
  }
  uptime_s() { cut -d. -f1 /proc/uptime; }
  # The controllers come last: once the boot is over, udev has handled the coldplug events
  # (it loads modules for the emulated PC meanwhile) and bluetoothd has read the management
  # interface, the last step of its start (bluetooth.service, Type=dbus, is active earlier,
  # as soon as it owns org.bluez). btvirt started in the middle of that made the kernel's HCI
  # Reset of a new controller time out ("Opcode 0x0c03 failed: -110"), and that controller
  # never came up. When that still happens, btvirt is started again.
  # The boot is over when no job is left (this unit is Type=exec: its own start job is done).
  state=$(timeout 120 systemctl is-system-running --wait 2>&1)
  udevadm settle --timeout=60 || say "udev has events left after 60 s"
  mgmt_ready() {
    journalctl -b -q --no-pager -o cat -u bluetooth.service | grep -q 'management interface .* initialized'
  }
  deadline=$(($(uptime_s) + 60))
  until mgmt_ready; do
    [ "$(uptime_s)" -lt $deadline ] || setup_failed "bluetoothd did not initialise within 60 s (logs/bluetoothd.log)"
    systemctl -q is-active bluetooth.service || setup_failed "bluetooth.service is not active (logs/bluetoothd.log)"
    sleep 0.2
  done
  attempt=1
  while :; do
    failed_resets=$(dmesg | grep -c 'Opcode 0x0c03 failed')
    systemctl start e2e-vm-btvirt.service || setup_failed "cannot start btvirt (logs/btvirt.log)"
    deadline=$(($(uptime_s) + 30))
    while [ "$(powered_count)" -lt "$E2E_CONTROLLERS" ] && [ "$(uptime_s)" -lt $deadline ]; do
      systemctl -q is-active bluetooth.service || setup_failed "bluetooth.service is not active (logs/bluetoothd.log)"
      systemctl -q is-active e2e-vm-btvirt.service || setup_failed "btvirt is not running (logs/btvirt.log)"
      [ "$(dmesg | grep -c 'Opcode 0x0c03 failed')" -eq "$failed_resets" ] || break
      sleep 0.2
    done
    [ "$(powered_count)" -eq "$E2E_CONTROLLERS" ] && break
    [ $attempt -lt 3 ] || setup_failed "the $E2E_CONTROLLERS controllers were not all powered after $attempt attempts"
    say "not every controller came up (attempt $attempt); starting btvirt again"
    systemctl stop e2e-vm-btvirt.service
    deadline=$(($(uptime_s) + 10))
    while [ -e /sys/class/bluetooth/hci0 ] && [ "$(uptime_s)" -lt $deadline ]; do sleep 0.2; done
    attempt=$((attempt + 1))
  done
  set -- $(systemctl show --value -p UserspaceTimestampMonotonic -p FinishTimestampMonotonic) 0 0
  say "kernel $(uname -r), systemd $state ($((($2 - $1) / 1000)) ms from systemd's start to the end of the boot), bluetooth.service ($E2E_BLUETOOTHD) and $E2E_CONTROLLERS controllers (btvirt $E2E_BTVIRT_ARGS) ready"
  if [ "$state" != running ]; then
    systemctl --no-pager --no-legend list-units --failed 2>&1 | sed 's/^/[vm]   failed: /' >> $R/output.log
  fi

  cd "$E2E_CWD" 2> /dev/null || cd /
  export E2E_LOGS=$L E2E_OUT=$R/out
  : > $R/command-started # run-vm.sh: a crash from here on may be the command's doing
  timeout -k 5 "$E2E_CMD_TIMEOUT" /bin/bash $R/cmd.sh < /dev/null >> $R/output.log 2>&1
  rc=$?
  say "command exited with status $rc"
  save_logs
  echo $rc > $R/rc
  sync
  exit 0 # SuccessAction=poweroff-force
  ;;
esac

# ==============================================================================================
# PID 1 until systemd. Every fork costs 50 to 100 ms under TCG, so files are written with
# shell builtins; an empty unit file masks a unit as a link to /dev/null does.
setup_failed() {
  say "SETUP FAILED: $*"
  echo 125 > $R/rc
  dmesg > $L/dmesg.log 2>&1
  sync
  /bin/busybox poweroff -f
}
E=/etc/systemd/system
mkdir -p $E /etc/tmpfiles.d /etc/modprobe.d /etc/systemd/journald.conf.d \
  /etc/systemd/system-generators || setup_failed "mkdir in /etc"

# --- kernel Bluetooth (LE Secure Connections needs cmac/ecdh), loaded here in one go: loading
#     them through systemd-modules-load competes with udev's coldplug and slows the boot down.
#     bluetooth.service has ConditionPathIsDirectory=/sys/class/bluetooth. bluetoothd opens
#     AF_ALG sockets (cmac(aes), ecb(aes)) for each new adapter: loaded on demand, those modules
#     came just as the first controller's HCI Reset ran, and it timed out in every boot.
modprobe -a bluetooth hci_vhci cmac ecdh_generic ccm af_alg algif_hash algif_skcipher \
  || setup_failed "modprobe bluetooth hci_vhci cmac ecdh_generic ccm af_alg algif_hash algif_skcipher"
[ -c /dev/vhci ] || setup_failed "/dev/vhci is missing"
# Modules udev's coldplug would load for the emulated PC and that nothing here needs.
printf 'blacklist %s\n' floppy ata_piix ata_generic pata_acpi kvm_amd kvm_intel kvm psmouse \
  pcspkr serio_raw i2c_piix4 evdev ccp qemu_fw_cfg button joydev powernow_k8 acpi_cpufreq \
  > /etc/modprobe.d/e2e-vm-blacklist.conf

# --- what the host's /etc says about disks and containers does not apply to the VM:
#     - fstab/crypttab: a UUID= entry would make systemd wait 90 s for a disk the VM does not
#       have, then enter emergency mode. Ours only gives bluetoothd an empty bond store.
#     - /.dockerenv makes systemd detect "docker" and skip ConditionVirtualization=!container
#       units; a Docker image's /usr/sbin/policy-rc.d ("exit 101") makes deb-systemd-invoke,
#       and so every maintainer script, silently not start or stop units.
printf '%s\n' "# e2e VM (run-vm.sh -S)" "tmpfs /var/lib/bluetooth tmpfs mode=0700 0 0" > /etc/fstab
: > /etc/crypttab
[ ! -e /.dockerenv ] || rm -f /.dockerenv || setup_failed "cannot remove /.dockerenv"
[ ! -e /usr/sbin/policy-rc.d ] || rm -f /usr/sbin/policy-rc.d || setup_failed "cannot remove policy-rc.d"
echo btfence-e2e > /etc/hostname
# man-db's dpkg trigger re-indexes every manual page after an install or removal: over 9p that
# took more than 3 minutes of a package test, for an index nobody reads here.
[ ! -e /var/lib/man-db/auto-update ] || rm -f /var/lib/man-db/auto-update || setup_failed "cannot remove man-db/auto-update"

# --- the same bluetoothd configuration and bus policies as the default mode
cp $R/bluetooth-main.conf /etc/bluetooth/main.conf || setup_failed "cannot write /etc/bluetooth/main.conf"
for conf in $R/dbus/*.conf; do
  [ ! -e "$conf" ] || cp "$conf" /etc/dbus-1/system.d/ || setup_failed "cannot install $conf"
done
# A bluetoothd given with -X replaces ExecStart= of Debian's unit, with the default mode's
# debug log; its sandbox would hide a binary under /tmp or /home.
if [ "$E2E_BLUETOOTHD" != /usr/libexec/bluetooth/bluetoothd ]; then
  mkdir -p $E/bluetooth.service.d
  printf '%s\n' "[Service]" "ExecStart=" "ExecStart=$E2E_BLUETOOTHD -d" "PrivateTmp=no" "ProtectHome=no" \
    > $E/bluetooth.service.d/e2e-vm.conf
fi

# --- keep the host's /tmp (build trees, packages): Debian's tmp.conf has "D /tmp", which
#     systemd-tmpfiles-setup.service empties at boot
: > /etc/tmpfiles.d/tmp.conf
# --- the journal lives in /run only: nothing to flush, nothing written to /var/log/journal
printf '[Journal]\nStorage=volatile\n' > /etc/systemd/journald.conf.d/e2e-vm.conf

# --- generators for hardware and setups the VM does not have (and this host's postgresql)
for g in systemd-gpt-auto-generator systemd-hibernate-resume-generator \
  systemd-cryptsetup-generator systemd-integritysetup-generator systemd-veritysetup-generator \
  systemd-getty-generator systemd-rc-local-generator postgresql-generator; do
  : > /etc/systemd/system-generators/$g
done

# --- masked: the network and time sync (the VM has none), periodic jobs, gettys, and units
#     that are slow over 9p or useless in a throw-away VM. basic.target pulls in sysinit.target
#     and timers.target, so what the host enables there would start; multi-user.target is
#     never reached, so what the host enables there stays off anyway. Masking a unit that does
#     not exist is harmless.
for u in \
  systemd-timesyncd.service systemd-networkd.service systemd-networkd.socket \
  systemd-networkd-wait-online.service systemd-resolved.service networking.service \
  NetworkManager.service ModemManager.service wpa_supplicant.service avahi-daemon.service \
  avahi-daemon.socket ssh.service ssh.socket \
  apt-daily.timer apt-daily-upgrade.timer man-db.timer dpkg-db-backup.timer e2scrub_all.timer \
  e2scrub_reap.service fstrim.timer logrotate.timer systemd-tmpfiles-clean.timer \
  unattended-upgrades.service packagekit.service postgresql.service \
  getty.target console-getty.service systemd-ask-password-wall.path \
  systemd-udev-settle.service ldconfig.service systemd-hwdb-update.service \
  systemd-journal-catalog-update.service systemd-update-done.service systemd-remount-fs.service \
  systemd-journal-flush.service systemd-update-utmp.service systemd-update-utmp-runlevel.service \
  systemd-pstore.service systemd-firstboot.service systemd-machine-id-commit.service \
  systemd-repart.service systemd-pcrphase.service systemd-pcrphase-sysinit.service \
  systemd-binfmt.service proc-sys-fs-binfmt_misc.automount modprobe@drm.service; do
  : > $E/$u
done

# --- emergency or rescue mode would wait for a root password on a console nobody reads
for u in emergency.service rescue.service; do
  printf '%s\n' "[Unit]" "Description=e2e VM: $u records the failure and powers off" \
    "DefaultDependencies=no" "SuccessAction=poweroff-force" "FailureAction=poweroff-force" \
    "[Service]" "Type=oneshot" "ExecStart=/bin/sh $R/guest-systemd.sh emergency" > $E/$u
done

# --- btvirt's controllers: started by the command unit once bluetoothd is up (see above). Not
#     bound to bluetooth.service, so "systemctl restart bluetooth" keeps the controllers, as a
#     laptop's adapter stays when bluetoothd restarts. IgnoreOnIsolate on every e2e-vm unit: a
#     test's "systemctl isolate" must not stop the harness.
printf '%s\n' "[Unit]" "Description=e2e VM: btvirt controllers ($E2E_BTVIRT_ARGS)" \
  "After=bluetooth.service" "IgnoreOnIsolate=yes" \
  "[Service]" "Type=simple" "ExecStart=/usr/bin/btvirt $E2E_BTVIRT_ARGS" > $E/e2e-vm-btvirt.service

# --- the command. Type=exec, not oneshot: a oneshot's start job would keep the system
#     "starting" while the command runs, and "systemctl is-system-running --wait" in it would
#     never return.
printf '%s\n' "[Unit]" "Description=e2e VM: the command given to run-vm.sh" \
  "After=basic.target dbus.service bluetooth.service" \
  "SuccessAction=poweroff-force" "FailureAction=poweroff-force" "IgnoreOnIsolate=yes" \
  "[Service]" "Type=exec" "ExecStart=/bin/sh $R/guest-systemd.sh command" \
  "StandardInput=null" "StandardOutput=journal" > $E/e2e-vm-command.service

# --- the boot target: basic.target and what the tests need, not multi-user.target. A unit
#     enabled for multi-user.target by a package's postinst is still started by it.
printf '%s\n' "[Unit]" "Description=e2e VM: boot target of run-vm.sh -S" \
  "Requires=basic.target" "After=basic.target" \
  "Wants=dbus.service bluetooth.service e2e-vm-command.service" \
  "Conflicts=rescue.service rescue.target" "AllowIsolate=yes" > $E/e2e-vm.target

say "systemd mode: /etc prepared, starting $(readlink -f /lib/systemd/systemd)"
exec /lib/systemd/systemd --unit=e2e-vm.target
