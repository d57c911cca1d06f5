#!/bin/sh
# PID 1 of the e2e VM (exec'd by the initramfs after switch_root). / is the host's root under
# a RAM overlay; /e2e is the run directory shared with the host (config, cmd.sh, output.log,
# rc, logs/, out/).
#
# Brings up the kernel's Bluetooth stack with hci_vhci, a system dbus-daemon, bluetoothd with
# its debug log in /e2e/logs, and btvirt's LE controllers; once bluetoothd reports every
# adapter Powered it runs /e2e/cmd.sh, stores its exit status in /e2e/rc and powers off.
# A setup failure stores 125, so the host can tell it from the command's own failure.
# With run-vm.sh -S it only hands over to guest-systemd.sh.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
R=/e2e
L=$R/logs
mkdir -p $L $R/out
. $R/config # E2E_BLUETOOTHD, E2E_BTVIRT_ARGS, E2E_CONTROLLERS, E2E_CMD_TIMEOUT, E2E_CWD, E2E_SYSTEMD
# run-vm.sh -S: systemd is PID 1 instead of this script (guest-systemd.sh prepares and exec's it)
[ "${E2E_SYSTEMD:-0}" = 1 ] && exec /bin/sh $R/guest-systemd.sh

say() { echo "[vm $(cut -d' ' -f1 /proc/uptime)s] $*" >> $R/output.log; }
poweroff_now() {
  dmesg > $L/dmesg.log 2>&1
  sync
  /bin/busybox poweroff -f
}
setup_failed() {
  say "SETUP FAILED: $*"
  echo 125 > $R/rc
  poweroff_now
}

# --- filesystems: a fresh /run and an empty bond store; the host's /tmp stays visible ---------
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=0700 tmpfs /var/lib/bluetooth
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
hostname btfence-e2e

# --- kernel Bluetooth (LE Secure Connections needs cmac/ecdh, loaded up front) ----------------
modprobe -a bluetooth hci_vhci cmac ecdh_generic ccm || setup_failed "modprobe bluetooth hci_vhci"
[ -c /dev/vhci ] || setup_failed "/dev/vhci is missing"

# --- system bus, with the bus policies the run asked for --------------------------------------
for conf in $R/dbus/*.conf; do
  [ -e "$conf" ] && cp "$conf" /etc/dbus-1/system.d/
done
mkdir -p /run/dbus /var/lib/dbus
dbus-uuidgen --ensure
dbus-daemon --system --fork --nopidfile 2> $L/dbus-daemon.log || setup_failed "dbus-daemon --system"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket

bus_true() { # DEST PATH INTERFACE.METHOD ARGS...: does the call reply "boolean true"?
  dest=$1 path=$2 method=$3
  shift 3
  dbus-send --system --print-reply --dest="$dest" "$path" "$method" "$@" 2> /dev/null | grep -q 'boolean true'
}

# --- bluetoothd: scenarios restart it with the same command (/run/start-bluetoothd) ----------
cp $R/bluetooth-main.conf /etc/bluetooth/main.conf
cat > /run/start-bluetoothd << EOF
#!/bin/sh
$E2E_BLUETOOTHD -n -d >> $L/bluetoothd.log 2>&1 &
echo \$! > /run/bluetoothd.pid
EOF
chmod 0755 /run/start-bluetoothd
/run/start-bluetoothd
uptime_s() { cut -d. -f1 /proc/uptime; }
deadline=$(($(uptime_s) + 30))
# Ready = org.bluez owned and the management interface read (the last step of its start).
until grep -q 'management interface .* initialized' $L/bluetoothd.log \
  && bus_true org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.bluez; do
  kill -0 "$(cat /run/bluetoothd.pid)" 2> /dev/null || setup_failed "bluetoothd exited (logs/bluetoothd.log)"
  [ "$(uptime_s)" -lt $deadline ] || setup_failed "bluetoothd did not start within 30 s"
  sleep 0.1
done
say "bluetoothd is up"

# --- virtual controllers, started after bluetoothd ---------------------------------------------
# On a loaded host the kernel's HCI Reset of a new controller can time out (dmesg: "Opcode
# 0x0c03 failed: -110") before btvirt answers, and that controller never comes up. Then
# btvirt is started again: its controllers get the same indexes once the old ones are gone.
powered_count() {
  n=0 i=0
  while [ $i -lt "$E2E_CONTROLLERS" ]; do
    bus_true org.bluez /org/bluez/hci$i org.freedesktop.DBus.Properties.Get \
      string:org.bluez.Adapter1 string:Powered && n=$((n + 1))
    i=$((i + 1))
  done
  echo $n
}
attempt=1
while :; do
  failed_resets=$(dmesg | grep -c 'Opcode 0x0c03 failed')
  # shellcheck disable=SC2086 # several arguments
  btvirt $E2E_BTVIRT_ARGS >> $L/btvirt.log 2>&1 &
  btvirt_pid=$!
  deadline=$(($(uptime_s) + 30))
  while [ "$(powered_count)" -lt "$E2E_CONTROLLERS" ] && [ "$(uptime_s)" -lt $deadline ]; do
    kill -0 $btvirt_pid 2> /dev/null || setup_failed "btvirt exited (logs/btvirt.log)"
    [ "$(dmesg | grep -c 'Opcode 0x0c03 failed')" -eq "$failed_resets" ] || break
    sleep 0.2
  done
  [ "$(powered_count)" -eq "$E2E_CONTROLLERS" ] && break
  [ $attempt -lt 3 ] || setup_failed "the $E2E_CONTROLLERS controllers were not all powered after $attempt attempts"
  say "not every controller came up (attempt $attempt); starting btvirt again"
  kill $btvirt_pid
  wait $btvirt_pid
  deadline=$(($(uptime_s) + 10))
  while [ -e /sys/class/bluetooth/hci0 ] && [ "$(uptime_s)" -lt $deadline ]; do sleep 0.2; done
  attempt=$((attempt + 1))
done
say "kernel $(uname -r), bluetoothd ($E2E_BLUETOOTHD) and $E2E_CONTROLLERS controllers (btvirt $E2E_BTVIRT_ARGS) ready"

# --- the command ------------------------------------------------------------------------------
cd "$E2E_CWD" 2> /dev/null || cd /
export E2E_LOGS=$L E2E_OUT=$R/out
export E2E_START_BLUETOOTHD=/run/start-bluetoothd E2E_BLUETOOTHD_PID=/run/bluetoothd.pid
: > $R/command-started # run-vm.sh: a crash from here on may be the command's doing
timeout -k 5 "$E2E_CMD_TIMEOUT" /bin/bash $R/cmd.sh < /dev/null >> $R/output.log 2>&1
rc=$?
say "command exited with status $rc"

kill "$(cat /run/bluetoothd.pid)" "$btvirt_pid" 2> /dev/null
echo $rc > $R/rc
poweroff_now
