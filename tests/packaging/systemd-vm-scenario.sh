#!/bin/bash
# systemd-vm-scenario.sh - the btfence .deb under a real systemd, real dbus and real
# bluetoothd. Runs INSIDE a VM booted with systemd as PID 1 and two LE btvirt controllers:
#   run-systemd-vm-scenario.sh DEBDIR           (host side: boots the VM and runs this)
#   systemd-vm-scenario.sh DEB-OR-DIR           (in the VM)
# 1. a keyboard bond exists before btfence is installed (hci1 paired with hci0 advertising
#    HID 0x1812 and the keyboard appearance)
# 2. apt-get install ./btfence_*.deb: unit enabled and active through sd_notify, running as the
#    btfence user with no capabilities, events in the journal under their MESSAGE_ID
# 3. enforcement: the keyboard bond is removed (by the start-up sweep if the default policy
#    enforces existing bonds, else after a policy with existing_bonds = "enforce" is renamed
#    into place, which also proves the reload on file change)
# 4. systemctl reload -> policy-loaded; an invalid policy -> policy-rejected, still running;
#    4b. btfencectl over org.btfence1 with the real polkitd: status as root; a user without a
#    session refused reload (auth_admin_keep) and status (allow_active), control-denied
#    audited with the caller's uid; the shipped example rule lets a helpdesk group reload
#    4c. the helpdesk story: a keyboard refused; a helpdesk member (no root, no session)
#    exempts it for two minutes; it pairs and is kept; at expiry it is removed; status and
#    devices, read as that member, show each step; the audit trail names the member's uid
#    4d. the fleet's Ansible role (packaging/ansible) run for real with a local connection:
#    policy deployed, validated, reloaded, asserted from status --json; a broken policy fails
#    the play at validation and changes nothing; a wrong expected mode fails the assert
# 5. kill -9 -> Restart=on-failure brings it back, agent registered again
# 6. systemctl restart bluetooth -> btfenced keeps running (same PID), bluez-lost,
#    bluez-found, agent-registered again; a new keyboard pairing is then refused or removed
# 6b. the org.bluez lockdown drop-in, enabled as the admin guide says: user nobody (setpriv,
#    real dbus-daemon policy) gets AccessDenied for RequestDefaultAgent (and succeeds without
#    it); btfenced stays up and its status still says it holds the default agent; a keyboard
#    pairing then gets pairing-denied: btfenced answers as the default agent again
# 7. CTAP verification under the hardened unit: with [fido] verify = true (the shipped default
#    has it; the policy is rewritten to allow hci0's side by rule), a virtual FIDO key on hci0
#    (tests/fido-authenticator/virtual_authenticator.py, ctap2-rk) paired from hci1 with the
#    user's own agent is probed by the installed btfence-probe: verification-passed in the
#    journal and the audit log, bond kept; then a U2F-only key: verification-failed, removed
# 7b. profile lockdown: with the drop-in `btfencectl lockdown` prints installed for
#    bluetooth.service (bluetoothd's command line has --noplugin=input,hog,...), a key that
#    reveals HID over GATT after bonding (tests/packaging/vm_hid_reveal.py) bonds, reveals
#    HID, gets no HID or input device from the kernel (its uevents), and btfenced blocks and
#    removes it (suspected-spoof; device-removed "Blocked and removed"); the drop-in removed
#    again
# 8. apt-get remove stops it; apt-get purge removes /etc/btfence, /var/log/btfence and
#    /var/lib/btfence (run after 9)
# 9. delivery: journald -> rsyslog imjournal -> RELP -> a collector rsyslogd writing JSON,
#    the collector stopped for 60 s while events happen, every event then arrives exactly
#    once; and systemd-journal-upload -> systemd-journal-remote
# Ends with one "FAILED in section N: check" line per failed check, then "N passed, N failed";
# the exit status is 0 only when nothing failed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SOURCE_ROOT=$(cd "$HERE/../.." && pwd)
CATALOG=$SOURCE_ROOT/agent/daemon/audit/event_catalog.hpp
PY=/usr/bin/python3
UNIT=btfence.service
POLICY=/etc/btfence/policy.toml
AUDIT_LOG=/var/log/btfence/audit.jsonl

PASS=0 FAIL=0 FAILED_CHECKS=()
pass() { PASS=$((PASS+1)); echo "  PASS: $*"; }
# Failed checks are repeated at the end: CI keeps only the head and tail of a long run's output.
fail() { FAIL=$((FAIL+1)); FAILED_CHECKS+=("$CURRENT_SECTION: $*"); echo "  FAIL: $*"; }
CURRENT_SECTION=start
section() { CURRENT_SECTION=${1%%.*}; echo "== $1"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
# wait_until SECONDS CMD...: retry CMD every 0.2 s until it succeeds or the deadline passes
wait_until() {
    local end=$((SECONDS+$1)); shift
    until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.2; done
}
prop() { systemctl show -p "$2" --value "$1"; }
active() { systemctl -q is-active "$1"; }    # one unit: with several, any active one is enough
main_pid() { prop $UNIT MainPID; }

# MESSAGE_IDs come from the one place that defines them (an entry may wrap after its name).
message_id() {
    tr '\n' ' ' < "$CATALOG" | grep -o "\"$1\", *\"[0-9a-f]\{32\}\"" | head -n1 | grep -o '[0-9a-f]\{32\}'
}
# events ACTION: how many journal entries btfence.service logged under ACTION's MESSAGE_ID
events() {
    journalctl -q --no-pager -o json MESSAGE_ID="$(message_id "$1")" _SYSTEMD_UNIT=$UNIT | wc -l
}
more_events() { [ "$(events "$1")" -gt "$2" ]; }
# An event identical to one btfenced emitted within its aggregation window (--aggregate-window,
# 60 s by default; docs/admin-guide.md) is held and goes out as one summary at the window's end:
# a check for a decision that repeats an earlier one waits that long.
HELD_REPEAT=75
# journal_has ACTION TEXT: an entry of that event mentions TEXT (in any field)
journal_has() {
    journalctl -q --no-pager -o json MESSAGE_ID="$(message_id "$1")" _SYSTEMD_UNIT=$UNIT | grep -qF -- "$2"
}
audit_has() { [ -r $AUDIT_LOG ] && grep -F -- "\"$1\"" $AUDIT_LOG | grep -qF -- "$2"; }

addr() { busctl get-property org.bluez "/org/bluez/$1" org.bluez.Adapter1 Address | cut -d'"' -f2; }
powered() { [ "$(busctl get-property org.bluez /org/bluez/$1 org.bluez.Adapter1 Powered 2>/dev/null)" = "b true" ]; }
device_prop() { busctl get-property org.bluez "$1" org.bluez.Device1 "$2" 2>/dev/null; }
# gone_or_unpaired PATH: the device object is gone, or it is neither Paired nor Bonded
gone_or_unpaired() {
    local paired bonded
    paired=$(device_prop "$1" Paired) || return 0
    bonded=$(device_prop "$1" Bonded) || return 0
    [ "$paired" = "b false" ] && [ "$bonded" = "b false" ]
}
bonded() { [ "$(device_prop "$1" Bonded)" = "b true" ]; }
# refused: a pairing-denied or device-removed since the counts in $denied and $removed were taken
refused() { more_events pairing-denied "$denied" || more_events device-removed "$removed"; }

diagnose() {
    echo "---- diagnostics: systemctl status $UNIT"
    systemctl status --no-pager $UNIT 2>&1 | head -n 20
    echo "---- journalctl -u $UNIT (last 40)"
    journalctl --no-pager -o short-monotonic -u $UNIT -n 40
}

deb=${1:-}
if [ -d "$deb" ]; then deb=$(ls "$deb"/btfence_*.deb 2>/dev/null | head -n1); fi
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
    echo "usage: $0 BTFENCE.deb|DIR-WITH-IT (no btfence_*.deb found)"; echo "0 passed, 1 failed"; exit 1
fi
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
T0=$SECONDS

section "0. the VM: systemd, bluetooth.service, two controllers"
check "PID 1 is systemd" [ "$(cat /proc/1/comm)" = systemd ]
check "bluetooth.service active" active bluetooth.service
check "hci0 and hci1 powered" eval 'powered hci0 && powered hci1'
check "event catalog readable ($CATALOG)" [ -n "$(message_id agent-registered)" ]
systemctl start auditd.service 2>&1 | tail -n 2
check "auditd running (for btfenced's USER_DEVICE records)" active auditd.service
A0=$(addr hci0); A1=$(addr hci1)
KEYBOARD=/org/bluez/hci1/dev_${A0//:/_}      # hci0 as the keyboard, seen from hci1
MIRROR=/org/bluez/hci0/dev_${A1//:/_}        # hci1, seen from hci0 (bonded too)
echo "  hci0 (keyboard) $A0, hci1 (laptop) $A1"

section "1. a keyboard bond before btfence is installed"
$PY "$HERE/vm_keyboard_peer.py" --central hci1 --peripheral hci0 --default-agent --timeout 60
check "keyboard paired and bonded on hci1" bonded "$KEYBOARD"

section "2. apt-get install $(basename "$deb")"
t=$SECONDS
apt-get install -y -q "$deb" 2>&1 | grep -vE '^(Reading|Building|Selecting|Preparing|\(Reading)' | tail -n 15
echo "  apt-get install took $((SECONDS-t)) s"
check "installed: 'install ok installed'" [ "$(dpkg-query -W -f='${Status}' btfence 2>/dev/null)" = "install ok installed" ]
check "unit enabled" [ "$(systemctl is-enabled $UNIT)" = enabled ]
check "unit active (running) after install" eval 'active $UNIT && [ "$(prop $UNIT SubState)" = running ]'
check "Type=notify, so active means READY=1 was received" [ "$(prop $UNIT Type)" = notify ]
check "WatchdogSec=30s in force" [ "$(prop $UNIT WatchdogUSec)" = 30s ]
pid=$(main_pid)
echo "  MainPID $pid; $(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/$pid/status 2>/dev/null | tr -s '\t ' ' ' | tr '\n' ';')"
check "runs as user btfence" [ "$(ps -o user= -p "$pid" | tr -d ' ')" = btfence ]
# CAP_AUDIT_WRITE (bit 29) for the USER_DEVICE records, nothing else.
check "only CAP_AUDIT_WRITE, effective and bounding" eval 'grep -q "^CapEff:\s*0000000020000000" /proc/$pid/status && grep -q "^CapBnd:\s*0000000020000000" /proc/$pid/status'
check "NoNewPrivs and a seccomp filter" eval 'grep -q "^NoNewPrivs:\s*1" /proc/$pid/status && grep -q "^Seccomp:\s*2" /proc/$pid/status'
check "journal: daemon-started (MESSAGE_ID $(message_id daemon-started))" wait_until 10 more_events daemon-started 0
check "journal: policy-loaded" wait_until 10 more_events policy-loaded 0
check "journal: agent-registered (MESSAGE_ID $(message_id agent-registered))" wait_until 10 more_events agent-registered 0
journalctl --no-pager -o short-monotonic MESSAGE_ID="$(message_id agent-registered)" -n 1
check "audit log written as btfence, mode 0640, directory 0750" eval \
    '[ "$(stat -c "%U %a" $AUDIT_LOG 2>/dev/null)" = "btfence 640" ] && [ "$(stat -c "%U %a" /var/log/btfence)" = "btfence 750" ]'
check "audit log holds agent-registered as a JSON line" audit_has agent-registered '"event"'
# journalctl -x explains the event from the installed catalog (postinst ran --update-catalog).
check "journalctl -x explains agent-registered (catalog installed)" eval \
    'journalctl -x --no-pager MESSAGE_ID="$(message_id agent-registered)" _SYSTEMD_UNIT=$UNIT -n 1 | grep -q "btfence pairing agent registered with bluetoothd"'
check "audit chain key 0600 owned by btfence" [ "$(stat -c "%U %a" /var/lib/btfence/audit-chain.key 2>/dev/null)" = "btfence 600" ]
check "btfencectl audit verify: chain intact" eval 'btfencectl audit verify $AUDIT_LOG | grep -q "chain intact"'
exposure=$(systemd-analyze security $UNIT 2>/dev/null | sed -n 's/.*Overall exposure level for btfence.service: \([0-9.]*\).*/\1/p')
echo "  systemd-analyze security (running unit): exposure $exposure"
check "exposure of the running unit <= 1.0" awk -v e="${exposure:-99}" 'BEGIN{exit !(e <= 1.0)}'

section "3. enforcement: the keyboard bond is removed"
existing=$(sed -n 's/^existing_bonds *= *"\([a-z]*\)".*/\1/p' $POLICY)
mode=$(sed -n 's/^mode *= *"\([a-z]*\)".*/\1/p' $POLICY)
echo "  shipped default policy: mode=${mode:-enforce} existing_bonds=${existing:-enforce}"
if [ "${existing:-enforce}" = enforce ] && [ "${mode:-enforce}" = enforce ]; then
    check "start-up sweep removed the keyboard bond" wait_until 10 gone_or_unpaired "$KEYBOARD"
else
    check "start-up sweep kept the existing keyboard bond (existing_bonds=keep)" bonded "$KEYBOARD"
fi
shipped_verify=$(sed -n '/^\[fido\]/,/^\[/s/^verify *= *\([a-z]*\).*/\1/p' $POLICY)
echo "  shipped default policy: [fido] verify=${shipped_verify:-false}"
loaded=$(events policy-loaded)
cat > $POLICY.new <<'EOF'
# systemd-vm-scenario.sh: passkeys only, existing bonds enforced
[policy]
version = 1
mode = "enforce"
default = "deny"
existing_bonds = "enforce"

[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
EOF
chmod 0644 $POLICY.new
mv $POLICY.new $POLICY
check "renamed policy: policy-loaded logged (reload on file change)" wait_until 10 more_events policy-loaded "$loaded"
check "keyboard bond on hci1 removed within 10 s" wait_until 10 gone_or_unpaired "$KEYBOARD"
check "journal: device-removed for $A0" wait_until 10 journal_has device-removed "$A0"
check "audit log: device-removed for $A0" wait_until 10 audit_has device-removed "$A0"
# The kernel audit has the decision too (auditd started in step 0).
user_device() { ausearch -m USER_DEVICE -c btfenced 2>/dev/null | grep -F "op=$1" | grep -qF "$2"; }
check "auditd: USER_DEVICE op=device-removed for $A0 (ausearch -m USER_DEVICE)" \
    wait_until 10 user_device device-removed "device=\"$A0\""
ausearch -m USER_DEVICE -c btfenced 2>/dev/null | grep -F "op=device-removed" | tail -n 1
check "the mirror bond on hci0 ($A1) removed too" wait_until 10 gone_or_unpaired "$MIRROR"

section "4. systemctl reload; an invalid policy"
loaded=$(events policy-loaded); pid=$(main_pid)
systemctl reload $UNIT
check "systemctl reload: policy-loaded logged" wait_until 10 more_events policy-loaded "$loaded"
check "reload kept the main PID" [ "$(main_pid)" = "$pid" ]
rejected=$(events policy-rejected)
cp $POLICY /tmp/policy.good
printf '[policy]\nversion = 1\nmode = "enforce"\nbogus_key = 1\n' > $POLICY.new && chmod 0644 $POLICY.new && mv $POLICY.new $POLICY
systemctl reload $UNIT
check "invalid policy: policy-rejected logged" wait_until 10 more_events policy-rejected "$rejected"
check "invalid policy: still active with the same PID" eval 'active $UNIT && [ "$(main_pid)" = "$pid" ]'
cp /tmp/policy.good $POLICY.new && mv $POLICY.new $POLICY

section "4b. org.btfence1 and btfencectl with the real polkitd and the shipped polkit actions"
# Root is allowed without asking polkit; everyone else is asked with the caller's bus name.
# The refusals must be polkitd's own answers ("requires authentication", "says no"), not the
# fail-closed answer btfenced gives when polkit cannot be asked.
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
sha=$(sha256sum $POLICY | cut -d' ' -f1)
check "btfencectl status --json as root: exit 0" eval 'btfencectl status --json > /tmp/status.json'
check "status --json: enforcing, bluez present, the policy file's SHA-256" $PY -c '
import json, sys
s = json.load(open("/tmp/status.json"))
sys.exit(not (s["format_version"] == 1 and s["enforcing"] is True and s["bluez"] == "present"
              and s["policy_sha256"] == sys.argv[1]))' "$sha"
denied=$(events control-denied)
as_nobody btfencectl reload > /tmp/reload.out 2>&1; rc=$?
cat /tmp/reload.out
check "reload as uid 65534 (no session): exit 4, not authorized" [ "$rc" = 4 ]
check "the refusal names org.btfence1.reload and is polkitd's (auth_admin_keep)" \
    grep -qF "org.btfence1.reload (polkit requires authentication" /tmp/reload.out
check "journal: control-denied naming uid 65534" wait_until 10 eval \
    'more_events control-denied '"$denied"' && journal_has control-denied "\"BTFENCE_CALLER_UID\":\"65534\""'
as_nobody btfencectl status > /tmp/read.out 2>&1; rc=$?
cat /tmp/read.out
check "status as uid 65534 (no active session): exit 4, polkitd says no to org.btfence1.read" \
    eval '[ "$rc" = 4 ] && grep -qF "org.btfence1.read (polkit says no for uid 65534" /tmp/read.out'
# The shipped example rule: members of btfence-helpdesk may use the API from no session.
groupadd -f btfence-helpdesk
id helpdesk >/dev/null 2>&1 || useradd --system --no-create-home -G btfence-helpdesk helpdesk
install -m 0644 /usr/share/doc/btfence/examples/polkit/50-btfence-helpdesk.rules /etc/polkit-1/rules.d/
loaded=$(events policy-loaded)
helpdesk_reload() { setpriv --reuid=helpdesk --regid=helpdesk --init-groups btfencectl reload >/tmp/reload.out 2>&1; }
check "with the example rule (polkitd rereads rules.d): reload as helpdesk exits 0" wait_until 20 helpdesk_reload
cat /tmp/reload.out
check "journal: policy-loaded names the helpdesk caller's uid" wait_until 10 eval \
    'more_events policy-loaded '"$loaded"' && journal_has policy-loaded "\"BTFENCE_CALLER_UID\":\"$(id -u helpdesk)\""'

section "4c. the helpdesk story: a keyboard refused, exempted for two minutes by a helpdesk member, kept, removed at expiry"
# The helpdesk member of 4b (example polkit rule still installed) grants the exemption as a
# non-root caller; the audit trail must name that uid. The laptop is hci1, the keyboard hci0.
# One bluetoothd serves both controllers, so btfenced also answers for hci0's side of the
# pairing: rule vm-peer-side allows that side (it plays the remote device, not the laptop).
HELPDESK_UID=$(id -u helpdesk)
as_helpdesk() { setpriv --reuid=helpdesk --regid=helpdesk --init-groups "$@"; }
# laptop_view: "VERDICT RULE BONDED" of the keyboard as hci1 sees it, from `btfencectl devices
# --json` run as the helpdesk member, or "absent"
laptop_view() {
    as_helpdesk btfencectl devices --json | $PY -c '
import json, sys
devices = [d for d in json.load(sys.stdin)["devices"]
           if d["address"] == sys.argv[1] and d["adapter"] == "hci1"]
print(" ".join([devices[0]["verdict"], devices[0]["rule"], str(devices[0]["bonded"]).lower()])
      if devices else "absent")' "$A0"
}
status_field() {
    as_helpdesk btfencectl status --json | $PY -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
# refusals_counted: pairings_denied + removals in status --json, read as the helpdesk member
refusals_counted() {
    as_helpdesk btfencectl status --json |
        $PY -c 'import json, sys; c = json.load(sys.stdin)["counters"]; print(c["pairings_denied"] + c["removals"])'
}
json_file_field() { $PY -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2" 2>/dev/null; }
forget_keyboard() {
    busctl call org.bluez /org/bluez/hci1 org.bluez.Adapter1 RemoveDevice o "$KEYBOARD" >/dev/null 2>&1
    busctl call org.bluez /org/bluez/hci0 org.bluez.Adapter1 RemoveDevice o "$MIRROR" >/dev/null 2>&1
    true
}
loaded=$(events policy-loaded)
cat > $POLICY.new <<'POLICY_EOF'
# systemd-vm-scenario.sh 4c: passkeys only, helpdesk exemptions allowed
[policy]
version = 1
mode = "enforce"
default = "deny"
existing_bonds = "enforce"

[exemptions]
allowed = true
max_duration = "10m"

[[rule]]
id = "vm-peer-side"
verdict = "allow"
adapter = ["hci0"]
reason = "package VM: hci0 plays the remote keyboard; btfenced answers for its side too"

[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
POLICY_EOF
chmod 0644 $POLICY.new && mv $POLICY.new $POLICY
check "policy with [exemptions] allowed loaded" wait_until 10 more_events policy-loaded "$loaded"
check "status as helpdesk: exemptions allowed, none in force" \
    eval '[ "$(status_field exemptions_allowed)" = True ] && [ "$(status_field exemptions_in_force)" = 0 ]'
forget_keyboard
denied=$(events pairing-denied); removed=$(events device-removed); counted=$(refusals_counted)
$PY "$HERE/vm_keyboard_peer.py" --central hci1 --peripheral hci0 --timeout 45
check "without an exemption: the keyboard refused or its bond removed" wait_until 15 eval \
    'refused && gone_or_unpaired "$KEYBOARD"'
check "status as helpdesk: the refusal counted (pairings_denied + removals)" wait_until 10 eval \
    '[ "$(refusals_counted)" -gt "$counted" ]'
view=$(laptop_view)
echo "  devices as helpdesk, the keyboard on hci1: $view"
check "devices as helpdesk: the keyboard denied by the default, or gone" eval \
    '[[ "$view" == "deny default "* || "$view" == absent ]]'
granted=$(events exemption-granted)
as_helpdesk btfencectl exempt add "$A0" --for 2m --reason "HD-4711 keyboard for a demo" --json > /tmp/exempt.json; rc=$?
cat /tmp/exempt.json
check "exempt add as helpdesk: exit 0" [ "$rc" = 0 ]
rule=exemption:$(json_file_field /tmp/exempt.json id)
expires=$(date -d "$(json_file_field /tmp/exempt.json expires)" +%s 2>/dev/null || echo 0)
check "the grant names the helpdesk caller (uid $HELPDESK_UID)" grep -qF "uid $HELPDESK_UID" /tmp/exempt.json
check "journal: exemption-granted with the helpdesk uid, the reason and $rule" wait_until 10 eval \
    'more_events exemption-granted '"$granted"' && journal_has exemption-granted "\"BTFENCE_CALLER_UID\":\"$HELPDESK_UID\"" && journal_has exemption-granted HD-4711 && journal_has exemption-granted "$rule"'
check "audit log: exemption-granted with the reason" audit_has exemption-granted HD-4711
check "status as helpdesk: one exemption in force" [ "$(status_field exemptions_in_force)" = 1 ]
kept=$(events bond-kept); allowed=$(events pairing-allowed)
forget_keyboard
$PY "$HERE/vm_keyboard_peer.py" --central hci1 --peripheral hci0 --timeout 45
removed=$(events device-removed)
check "under the exemption: the keyboard bonded on hci1" bonded "$KEYBOARD"
check "btfenced decided it under $rule (bond-kept or pairing-allowed)" wait_until 15 eval \
    '{ more_events bond-kept '"$kept"' && journal_has bond-kept "$rule"; } || { more_events pairing-allowed '"$allowed"' && journal_has pairing-allowed "$rule"; }'
check "devices as helpdesk: the keyboard allowed by $rule and bonded" eval '[ "$(laptop_view)" = "allow $rule true" ]'
check "no device-removed while the exemption runs; still bonded" eval \
    '[ "$(events device-removed)" = '"$removed"' ] && bonded "$KEYBOARD"'
check "the exemption had not ended when that was checked" [ "$(date +%s)" -lt "$expires" ]
echo "  waiting for the exemption to expire at $(date -d @"$expires" +%T) (now $(date +%T))"
check "journal: exemption-expired for $rule" wait_until $((expires - $(date +%s) + 20)) \
    journal_has exemption-expired "$rule"
check "at expiry: the keyboard's bond removed" wait_until 15 gone_or_unpaired "$KEYBOARD"
check "journal: device-removed for $A0 after the expiry" wait_until 10 eval \
    'more_events device-removed '"$removed"' && journal_has device-removed "$A0"'
check "status as helpdesk: no exemption in force" [ "$(status_field exemptions_in_force)" = 0 ]
check "exempt list as helpdesk: empty" eval \
    '[ "$(as_helpdesk btfencectl exempt list --json | $PY -c "import json, sys; print(len(json.load(sys.stdin)[\"exemptions\"]))")" = 0 ]'
forget_keyboard
loaded=$(events policy-loaded)
cp /tmp/policy.good $POLICY.new && mv $POLICY.new $POLICY
check "the scenario's policy back in force" wait_until 10 more_events policy-loaded "$loaded"
rm -f /etc/polkit-1/rules.d/50-btfence-helpdesk.rules

section "4d. the fleet's Ansible role, run for real (ansible-playbook, local connection)"
# The shipped role (packaging/ansible) as a fleet runs it, against this host: the .deb (already
# installed: the apt task must be a no-op), a new policy validated by `btfencectl check` on the
# host, the reload handler, and the assert on `btfencectl status --json`. Then a broken policy:
# the play must fail at validation and leave the running policy in force.
ANSIBLE_DIR=$SOURCE_ROOT/packaging/ansible
FLEET=/tmp/fleet
mkdir -p $FLEET/files $FLEET/tmp
# ansible_become=false: the play runs as root already, and the host (the VM's /) has no sudo.
printf '[laptops]\nlocalhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3 ansible_become=false\n' > $FLEET/inventory
{ echo "# deployed by the fleet's Ansible role (systemd-vm-scenario.sh 4d)"; cat /tmp/policy.good; } > $FLEET/files/policy.toml
fleet_play() {  # fleet_play POLICY-FILE [ansible-playbook options...]
    local policy=$1; shift
    ANSIBLE_LOCAL_TEMP=$FLEET/tmp ANSIBLE_REMOTE_TEMP=$FLEET/tmp ANSIBLE_NOCOLOR=1 \
        ANSIBLE_ROLES_PATH=$ANSIBLE_DIR/roles \
        ansible-playbook -i $FLEET/inventory "$ANSIBLE_DIR/site.yml" \
        -e "btfence_deb=$deb" -e "btfence_policy_src=$policy" "$@" > $FLEET/play.log 2>&1
}
play_summary() { grep -E '^(localhost|fatal|failed:)|"msg"' $FLEET/play.log | tail -n 4; }
fleet_sha=$(sha256sum $FLEET/files/policy.toml | cut -d' ' -f1)
loaded=$(events policy-loaded); t=$SECONDS
fleet_play $FLEET/files/policy.toml; rc=$?
echo "  ansible-playbook took $((SECONDS-t)) s (rc $rc):"; play_summary
check "the role's play succeeds (install no-op, policy deployed, reload, assert)" [ "$rc" = 0 ]
check "the role's assert saw the host enforce the deployed digest" \
    grep -qF "enforces policy $fleet_sha" $FLEET/play.log
check "the deployed policy is in place" [ "$(sha256sum $POLICY | cut -d' ' -f1)" = "$fleet_sha" ]
check "journal: policy-loaded with the deployed digest" wait_until 10 eval \
    'more_events policy-loaded '"$loaded"' && journal_has policy-loaded "$fleet_sha"'
printf '[policy]\nversion = 1\nmode = "enforce"\nbogus_key = 1\n' > $FLEET/files/broken.toml
fleet_play $FLEET/files/broken.toml; rc=$?
echo "  with a broken policy (rc $rc):"; play_summary
check "a broken policy fails the play" [ "$rc" != 0 ]
check "... at the validation by btfencectl check" grep -qF "failed to validate" $FLEET/play.log
check "... and the deployed policy stays in place and in force" eval \
    '[ "$(sha256sum $POLICY | cut -d" " -f1)" = "$fleet_sha" ] && [ "$(btfencectl status --json | $PY -c "import json, sys; print(json.load(sys.stdin)[\"policy_sha256\"])")" = "$fleet_sha" ]'
# Only the status tasks: ansible-playbook costs about 12 s a task under QEMU TCG.
fleet_play $FLEET/files/policy.toml -e btfence_expected_mode=audit \
    --start-at-task "Ask btfenced what it enforces"; rc=$?
echo "  expecting audit mode from an enforcing host (rc $rc):"; play_summary
check "the role's assert fails a host that does not run the expected mode" \
    eval '[ "$rc" != 0 ] && grep -qF "mode enforce, enforcing True" $FLEET/play.log'

section "5. kill -9"
pid=$(main_pid); restarts=$(prop $UNIT NRestarts); registered=$(events agent-registered)
kill -9 "$pid"
restarted() { local p; p=$(main_pid); [ "$p" != 0 ] && [ "$p" != "$pid" ] && active $UNIT; }
check "Restart=on-failure: active again with a new PID within 15 s" wait_until 15 restarted
check "NRestarts went up by one" [ "$(prop $UNIT NRestarts)" = $((restarts+1)) ]
check "agent registered again after the restart" wait_until 10 more_events agent-registered "$registered"
journalctl --no-pager -o short-monotonic -u $UNIT | grep -E 'status=9/KILL|Scheduled restart' | tail -n 2

section "6. systemctl restart bluetooth"
pid=$(main_pid); bpid=$(prop bluetooth.service MainPID)
lost=$(events bluez-lost); found=$(events bluez-found); registered=$(events agent-registered)
systemctl restart bluetooth.service
check "bluetooth.service active with a new bluetoothd" eval 'active bluetooth.service && [ "$(prop bluetooth.service MainPID)" != "$bpid" ]'
check "controllers powered again" wait_until 20 eval 'powered hci0 && powered hci1'
check "btfence still active with the same PID" eval 'active $UNIT && [ "$(main_pid)" = "$pid" ]'
check "journal: bluez-lost" wait_until 15 more_events bluez-lost "$lost"
check "journal: bluez-found" wait_until 15 more_events bluez-found "$found"
check "journal: agent-registered again" wait_until 15 more_events agent-registered "$registered"
denied=$(events pairing-denied); removed=$(events device-removed)
echo "  a new keyboard pairing (its own agent on hci1; hci0's side asks the default agent):"
$PY "$HERE/vm_keyboard_peer.py" --central hci1 --peripheral hci0 --timeout 45
check "refused (pairing-denied) or removed (device-removed) by btfenced" wait_until 10 refused
check "no keyboard bond left on hci1" wait_until 10 gone_or_unpaired "$KEYBOARD"

section "6b. the org.bluez lockdown: a local user cannot take the default agent"
# take_default_agent: as user nobody, under the real dbus-daemon policy, register an agent and
# ask to be bluetoothd's default agent; prints the outcome of RequestDefaultAgent.
take_default_agent() {
    setpriv --reuid=nobody --regid=nogroup --clear-groups $PY - <<'PY_EOF'
import dbus, dbus.service, dbus.mainloop.glib
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.SystemBus()
class Agent(dbus.service.Object):
    pass
Agent(bus, "/test/usurper")
manager = dbus.Interface(bus.get_object("org.bluez", "/org/bluez"), "org.bluez.AgentManager1")
manager.RegisterAgent("/test/usurper", "KeyboardDisplay")
try:
    manager.RequestDefaultAgent("/test/usurper")
    print("ok")
except dbus.DBusException as error:
    print(error.get_dbus_name())
PY_EOF
}
LOCKDOWN=/usr/share/btfence/org.bluez-btfence-lockdown.conf
check "the lockdown drop-in is installed at $LOCKDOWN" [ -f $LOCKDOWN ]
# Without it, any user can (the agent is dropped again when the process exits).
check "without the lockdown, user nobody's RequestDefaultAgent succeeds" [ "$(take_default_agent)" = ok ]
cat > /etc/dbus-1/system-local.conf <<CONF_EOF
<busconfig>
  <include ignore_missing="yes">$LOCKDOWN</include>
</busconfig>
CONF_EOF
systemctl reload dbus.service
check "with the lockdown, user nobody's RequestDefaultAgent is AccessDenied" \
    [ "$(take_default_agent)" = org.freedesktop.DBus.Error.AccessDenied ]
check "btfence still active with the same PID" eval 'active $UNIT && [ "$(main_pid)" = "$pid" ]'
check "READY status: btfenced holds the default agent" \
    eval '[ "$(prop $UNIT StatusText)" = "Enforcing: btfenced holds the default pairing agent" ]'
# User nobody's agent took the default (without the lockdown) and exited: bluez 5.66 falls back
# to the previous default agent, btfenced's, and tells nobody. A pairing whose hci0 side asks
# the default agent shows that btfenced answers it again.
denied=$(events pairing-denied)
$PY "$HERE/vm_keyboard_peer.py" --central hci1 --peripheral hci0 --timeout 45
# Step 6 refused the same keyboard by the same rule: this refusal may be held as its repeat.
check "btfenced answers as the default agent again after the usurper left (pairing-denied)" \
    wait_until $HELD_REPEAT more_events pairing-denied "$denied"
check "no keyboard bond left on hci1" wait_until 10 gone_or_unpaired "$KEYBOARD"
rm -f /etc/dbus-1/system-local.conf
systemctl reload dbus.service

section "7. CTAP verification by the installed btfence-probe, under the hardened unit"
AUTHENTICATOR=$SOURCE_ROOT/tests/fido-authenticator/virtual_authenticator.py
KEY=$KEYBOARD                                 # hci0 again, now as a FIDO key, seen from hci1
# new_event_has ACTION COUNT TEXT...: an entry of ACTION after its first COUNT mentions every TEXT
new_event_has() {
    local entries text
    entries=$(journalctl -q --no-pager -o json MESSAGE_ID="$(message_id "$1")" _SYSTEMD_UNIT=$UNIT |
        tail -n +$(($2+1)))
    shift 2
    for text; do entries=$(grep -F -- "$text" <<<"$entries") || return 1; done
}
key_log=/tmp/virtual-key.log key_pid=
# start_key MODE OPTION...: virtual_authenticator.py on hci0, registered, not yet advertising
start_key() {
    $PY "$AUTHENTICATOR" --adapter hci0 --mode "$@" --no-advertise > "$key_log" 2>&1 &
    key_pid=$!
    wait_until 20 grep -q '"event": *"registered"' "$key_log"
}
stop_key() {
    [ -n "$key_pid" ] || return 0
    kill -TERM "$key_pid" 2>/dev/null
    wait_until 15 eval '! kill -0 $key_pid 2>/dev/null' || kill -KILL "$key_pid" 2>/dev/null
    wait "$key_pid" 2>/dev/null; key_pid=
}
# forget PATH...: remove these devices (and their bonds) from BlueZ
forget() {
    local path
    for path; do
        busctl call org.bluez "${path%/dev_*}" org.bluez.Adapter1 RemoveDevice o "$path" >/dev/null 2>&1
    done
}
AAGUID=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0
loaded=$(events policy-loaded)
cat > $POLICY.new <<POLICY_EOF
# systemd-vm-scenario.sh: passkeys only, verified by the CTAP probe on hci1 (the laptop)
[policy]
version = 1
mode = "enforce"
default = "deny"
existing_bonds = "enforce"

[fido]
verify = true
probe_timeout_ms = 10000
spoof_block = "0"

# The key's side (hci0) asks btfenced too (one bluetoothd, one default agent); an adapter
# the policy does not manage would be refused as with no agent, so it is allowed by rule.
[[rule]]
id = "vm-key-side"
verdict = "allow"
adapter = ["$A0"]

[[rule]]
id = "verified-keys"
verdict = "allow"
class = ["fido-ble"]
verified = true

[[rule]]
id = "keys-until-verified"
verdict = "allow"
class = ["fido-ble"]
verified = false
POLICY_EOF
chmod 0644 $POLICY.new && mv $POLICY.new $POLICY
check "policy with [fido] verify = true loaded (shipped default: verify=${shipped_verify:-false})" \
    wait_until 10 more_events policy-loaded "$loaded"
forget "$KEY" "$MIRROR"
pid=$(main_pid)
passed=$(events verification-passed); failed=$(events verification-failed); removed=$(events device-removed)
check "virtual key (ctap2-rk, AAGUID $AAGUID) registered on hci0" start_key ctap2-rk --aaguid $AAGUID
echo "  the user pairs it from hci1 with their own agent (Just Works):"
$PY "$HERE/vm_keyboard_peer.py" --central hci1 --peripheral hci0 --advertiser-pid "$key_pid" --timeout 60
check "journal: verification-passed for $A0 within 60 s" wait_until 60 new_event_has verification-passed "$passed" "$A0"
check "verification-passed: FIDO_2_0, the AAGUID, allowed by rule verified-keys" new_event_has verification-passed \
    "$passed" "$A0" FIDO_2_0 "$AAGUID" '"BTFENCE_VERDICT":"allow"' '"BTFENCE_RULE_ID":"verified-keys"'
check "audit log: verification-passed with the AAGUID" wait_until 10 audit_has verification-passed "$AAGUID"
check "the key was asked authenticatorGetInfo over GATT" grep -q '"command": *4' "$key_log"
check "the key's bond on hci1 is kept" wait_until 10 eval 'bonded $KEY && [ "$(device_prop $KEY Paired)" = "b true" ]'
check "no device-removed, no verification-failed for it" \
    eval '[ "$(events device-removed)" = "$removed" ] && [ "$(events verification-failed)" = "$failed" ]'
check "btfenced still active with the same PID" eval 'active $UNIT && [ "$(main_pid)" = "$pid" ]'
forget "$KEY" "$MIRROR"; stop_key
removed=$(events device-removed)
check "virtual key (u2f-only, revision 0xc0) registered on hci0" start_key u2f-only --revision 0xc0
echo "  the user pairs it from hci1:"
$PY "$HERE/vm_keyboard_peer.py" --central hci1 --peripheral hci0 --advertiser-pid "$key_pid" --timeout 60
check "journal: verification-failed for $A0 (does not offer FIDO2)" \
    wait_until 60 new_event_has verification-failed "$failed" "$A0" "does not offer FIDO2"
check "journal: device-removed for it by rule verification-failed" \
    wait_until 15 new_event_has device-removed "$removed" "$A0" '"verification-failed"'
check "the U2F-only key's bond on hci1 is gone" wait_until 20 gone_or_unpaired "$KEY"
stop_key
# The probe's own cell (agent/fido/sandbox.hpp), seen from outside while a silent key keeps it
# waiting for its deadline (10 s): its own seccomp filter on top of the unit's, and its rlimits.
probe_pid() { pgrep -u btfence -x btfence-probe | head -n 1; }
probe_status() { grep -E '^(NoNewPrivs|Seccomp):' "/proc/$1/status" | tr -s '\t ' ' ' | tr '\n' ' '; }
forget "$KEY" "$MIRROR"
failed=$(events verification-failed)
check "virtual key (silent) registered on hci0" start_key silent
$PY "$HERE/vm_keyboard_peer.py" --central hci1 --peripheral hci0 --advertiser-pid "$key_pid" --timeout 60 &
pair_pid=$!
check "the installed btfence-probe runs for the silent key" wait_until 40 eval '[ -n "$(probe_pid)" ]'
ppid=$(probe_pid)
echo "  btfence-probe $ppid: $( [ -n "$ppid" ] && probe_status "$ppid")"
filters() { awk '/^Seccomp_filters:/ { print $2 }' "/proc/$1/status"; }
echo "  seccomp filters: btfenced $(filters "$(main_pid)"), btfence-probe $(filters "$ppid")"
check "the probe runs with NoNewPrivs and one seccomp filter more than btfenced (its own)" \
    eval 'probe_status $ppid | grep -q "NoNewPrivs: 1 Seccomp: 2" &&
          [ "$(filters $ppid)" -eq $(( $(filters "$(main_pid)") + 1 )) ]'
check "the probe's address space is limited to 512 MiB, no core file, no new process" eval \
    'grep -Eq "^Max address space +536870912 +536870912" /proc/$ppid/limits &&
     grep -Eq "^Max core file size +0 +0" /proc/$ppid/limits &&
     grep -Eq "^Max processes +0 +0" /proc/$ppid/limits'
check "the probe holds none of btfenced's files (audit log, state)" \
    eval '! ls -l /proc/$ppid/fd/ | grep -qE "/var/(log|lib)/btfence"'
check "the silent key fails verification and is removed" \
    wait_until 60 new_event_has verification-failed "$failed" "$A0"
wait $pair_pid 2>/dev/null
check "no Landlock warning from the probe under the unit (the kernel has Landlock)" \
    eval '! journalctl -q --no-pager -u $UNIT | grep -q "Landlock unavailable"'
forget "$KEY" "$MIRROR"; stop_key
check "the probe was never killed by the syscall filter (no SIGSYS, status=31)" \
    eval '! journalctl -q --no-pager -u $UNIT | grep -qE "SIGSYS|status=31"'
if [ $FAIL -ne 0 ]; then
    echo "---- the virtual key's log (last 20)"; tail -n 20 "$key_log"
    echo "---- journal: probe, SIGSYS, AccessDenied"
    journalctl --no-pager -o short-monotonic | grep -iE 'probe|SIGSYS|status=31|AccessDenied|seccomp' | tail -n 30
fi

section "7b. Profile lockdown: bluetoothd started without the plugins the policy never allows"
# A "key" on hci0 advertises and serves only 0xFFFD, bonds with the laptop (hci1), then serves
# HID over GATT as well (tests/packaging/vm_hid_reveal.py). Without the drop-in bluetoothd's
# hog plugin opens /dev/uhid and may create a HID device before btfenced removes the key; with
# the drop-in printed by `btfencectl lockdown` there is no hog plugin to create one. The helper
# makes both ends forget each other before and after each run: a stale bond on the key's side
# made the pairing fail (AuthenticationFailed) when this check first ran (docs/security.md).
REVEAL=$HERE/vm_hid_reveal.py
DROPIN=/etc/systemd/system/bluetooth.service.d/btfence-lockdown.conf
json_field() { $PY -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"; }
bluetoothd_cmdline() { tr '\0' ' ' < "/proc/$(prop bluetooth.service MainPID)/cmdline"; }
restart_bluetooth() {
    local found
    found=$(events bluez-found)
    systemctl daemon-reload && systemctl restart bluetooth.service &&
        wait_until 20 eval 'powered hci0 && powered hci1' && wait_until 15 more_events bluez-found "$found"
}
without=$($PY "$REVEAL" --laptop hci1 --key hci0 --timeout 40 | tail -n 1)
echo "  without the drop-in: $without"
echo "  /dev/uhid: $([ -c /dev/uhid ] && echo present || echo absent); uhid module loaded: $(grep -c '^uhid ' /proc/modules)"
# The drop-in comes from the policy a fleet would ship: the installed one without the rule
# "vm-key-side", which exists only because one bluetoothd serves the key's side too and which
# allows any device there (so no plugin could be left out).
FLEET_POLICY=/etc/btfence/fleet-policy.toml
awk 'BEGIN { RS = ""; ORS = "\n\n" } !/id = "vm-key-side"/' $POLICY > $FLEET_POLICY
mkdir -p "$(dirname $DROPIN)"
check "btfencectl lockdown --policy (the fleet's policy) prints the drop-in" \
    eval '! grep -q vm-key-side $FLEET_POLICY && btfencectl lockdown --policy $FLEET_POLICY > $DROPIN'
check "bluetooth restarted with it, controllers powered, btfenced found bluetoothd again" restart_bluetooth
check "the drop-in is in effect: bluetoothd runs with --noplugin=input,hog,..." \
    eval 'bluetoothd_cmdline | grep -q -- "--noplugin=input,hog,"'
check "bluetoothd's journal: it left the hog plugin out (Excluding (cli) hog)" \
    eval 'journalctl -q --no-pager -u bluetooth.service _PID="$(prop bluetooth.service MainPID)" | grep -qF "Excluding (cli) hog"'
spoof=$(events suspected-spoof); removed=$(events device-removed)
audited() { grep -F '"device-removed"' $AUDIT_LOG | grep -cF "$A0"; }
audited_removals=$(audited)
with=$($PY "$REVEAL" --laptop hci1 --key hci0 --timeout 40 | tail -n 1)
echo "  with the drop-in: $with"
check "the key bonded, then revealed HID over GATT" \
    eval '[ "$(json_field "$with" bonded)" = True ] && [ "$(json_field "$with" hid_revealed)" = True ]'
check "no HID device and no input device created (kernel uevents, none lost)" eval \
    '[ "$(json_field "$with" hid_devices)" = "[]" ] && [ "$(json_field "$with" input_devices)" = "[]" ] &&
     [ "$(json_field "$with" uevents_lost)" = False ]'
# The run without the drop-in made the same decisions about the same key: these may be held
# as their repeats.
check "btfenced: suspected-spoof for $A0 (claimed FIDO, revealed HID)" \
    wait_until $HELD_REPEAT new_event_has suspected-spoof "$spoof" "$A0"
# device-blocked is the event of a remembered spoof blocked on sight; this one is blocked as
# part of its removal (spoof_block = "0": not remembered), which device-removed says.
check "btfenced: device-removed for $A0 (Blocked and removed); the laptop dropped it" eval \
    'wait_until 20 new_event_has device-removed "$removed" "$A0" "Blocked and removed" &&
     [ "$(json_field "$with" removed)" = True ]'
check "audit log: a new device-removed for $A0" wait_until 10 eval '[ "$(audited)" -gt "$audited_removals" ]'
rm -f $DROPIN $FLEET_POLICY
check "drop-in removed, bluetooth restarted without it" restart_bluetooth
check "bluetoothd runs without --noplugin again" eval '! bluetoothd_cmdline | grep -q -- --noplugin'

section "9. delivery: journald -> rsyslog (imjournal) -> RELP -> collector; journal-upload -> journal-remote"
# The configuration shipped in docs/siem/delivery, on loopback: the laptop's rsyslog forwards
# btfenced's journal entries over RELP to a second rsyslogd, the collector, which writes JSON
# lines. The collector is stopped for 60 s while events happen; when it is back every event
# must arrive exactly once (BTFENCE_SEQUENCE continuous, no duplicates).
DELIVERY=$SOURCE_ROOT/docs/siem/delivery
COLLECTED=/var/log/btfence-collector
mkdir -p $COLLECTED /var/spool/rsyslog
collector_conf=/run/btfence-collector.conf
{ echo 'global(workDirectory="/var/spool/rsyslog")'; cat "$DELIVERY/collector-rsyslog.conf"; } > $collector_conf
# The collector runs as a transient unit in the foreground (-n). It used to fork with a pid
# file (-i FILE), which was found missing at the stop in this VM: the "outage" was none.
# Up and down are judged by its RELP port.
COLLECTOR_UNIT=btfence-collector.service
relp_listening() { ss -ltn | grep -q '127\.0\.0\.1:2514 '; }
start_collector() {
    systemd-run -q --unit=$COLLECTOR_UNIT -p CollectMode=inactive-or-failed \
        rsyslogd -n -f $collector_conf -i NONE && wait_until 20 relp_listening
}
stop_collector() { systemctl stop $COLLECTOR_UNIT; wait_until 10 eval '! relp_listening'; }
journal_sequences() {
    journalctl -q --no-pager -o json _SYSTEMD_UNIT=$UNIT SYSLOG_IDENTIFIER=btfenced \
        | $PY -c 'import json,sys; print("\n".join(sorted({json.loads(l).get("BTFENCE_SEQUENCE","") for l in sys.stdin} - {""}, key=int)))'
}
collected_sequences() {  # every sequence number the collector wrote, duplicates kept
    cat $COLLECTED/*.jsonl 2>/dev/null | $PY -c 'import json,sys
for line in sys.stdin:
    line = line.strip()
    if line:
        print(json.loads(line)["BTFENCE_SEQUENCE"])'
}
last_journal_sequence() { journal_sequences | tail -n 1; }
collector_has() { collected_sequences | grep -qx "$1"; }
cp "$DELIVERY/forwarder-rsyslog.conf" /etc/rsyslog.d/60-btfence-relp.conf
check "collector started (rsyslogd, imrelp on 127.0.0.1:2514)" start_collector
check "laptop rsyslog restarted with the forwarder configuration" systemctl restart rsyslog.service
systemctl reload $UNIT
mark=$(last_journal_sequence)
check "collector received btfenced's events (sequence $mark)" wait_until 60 collector_has "$mark"
check "collector stopped: nothing listens on 127.0.0.1:2514" stop_collector
echo "  collector stopped for 60 s; btfenced reloads its policy every 10 s meanwhile"
outage_end=$((SECONDS+60))
while [ $SECONDS -lt $outage_end ]; do systemctl reload $UNIT; sleep 10; done
during=$(last_journal_sequence)
check "events happened during the outage (sequence $mark to $during)" [ "$during" -gt "$mark" ]
check "... and none of them reached the stopped collector (sequence $during not collected)" \
    eval '! collector_has "$during"'
check "collector back" start_collector
check "every event of the outage arrived (sequence $during)" wait_until 120 collector_has "$during"
first=$(collected_sequences | sort -n | head -n 1)
expected=$(seq "$first" "$during")
got=$(collected_sequences | sort -n | awk -v last="$during" '$1 <= last')
check "collector: sequence $first..$during continuous, each exactly once" [ "$got" = "$expected" ]
[ "$got" = "$expected" ] || diff <(echo "$expected") <(echo "$got") | head -n 20
stop_collector
rm -f /etc/rsyslog.d/60-btfence-relp.conf; systemctl restart rsyslog.service

# systemd-journal-upload -> systemd-journal-remote, on loopback over HTTP (the docs use HTTPS).
REMOTE=/var/log/journal/remote
mkdir -p $REMOTE; chown systemd-journal-remote: $REMOTE 2>/dev/null
systemd-run -q --unit=btfence-journal-remote -p User=systemd-journal-remote \
    /lib/systemd/systemd-journal-remote --listen-http=127.0.0.1:19532 --output=$REMOTE/
check "systemd-journal-remote listening" wait_until 20 eval 'ss -ltn | grep -q 127.0.0.1:19532'
systemctl reload $UNIT
last=$(last_journal_sequence)
systemd-run -q --unit=btfence-journal-upload /lib/systemd/systemd-journal-upload \
    --url=http://127.0.0.1:19532 --save-state=/run/btfence-journal-upload.state -m
remote_has() { journalctl -q --no-pager -D $REMOTE -o json BTFENCE_SEQUENCE="$1" | grep -q btfenced; }
check "journal-remote received btfenced's entries up to sequence $last, fields intact" \
    wait_until 60 remote_has "$last"
check "journal-remote: the MESSAGE_ID and BTFENCE_* fields of policy-loaded arrived" eval \
    'journalctl -q --no-pager -D $REMOTE -o json MESSAGE_ID="$(message_id policy-loaded)" | grep -q BTFENCE_POLICY_SHA256'
systemctl stop btfence-journal-upload btfence-journal-remote 2>/dev/null

[ $FAIL -eq 0 ] || diagnose
section "8. apt-get remove, then purge"
apt-get remove -y -q btfence >/dev/null 2>&1
check "remove: unit stopped" [ "$(systemctl is-active $UNIT)" = inactive ]
check "remove: policy and audit log kept" eval '[ -f $POLICY ] && [ -d /var/log/btfence ]'
apt-get purge -y -q btfence >/dev/null 2>&1
check "purge: package gone" [ -z "$(dpkg-query -W -f='${Status}' btfence 2>/dev/null | grep -v not-installed)" ]
check "purge: /etc/btfence, /var/log/btfence, /var/lib/btfence gone" eval \
    '[ ! -e /etc/btfence ] && [ ! -e /var/log/btfence ] && [ ! -e /var/lib/btfence ]'
check "purge: unit gone (LoadState=not-found)" [ "$(prop $UNIT LoadState)" = not-found ]

echo "== done in $((SECONDS-T0)) s; system state: $(systemctl is-system-running)"
for failed_check in "${FAILED_CHECKS[@]}"; do echo "  FAILED in section $failed_check"; done
echo "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
