#!/bin/sh
# btfence: Intune custom compliance discovery script for Linux.
#
# Intune runs it on the device, in the logged-in user's context, and compares the one JSON
# object it prints with btfence-compliance-rules.json. It asks the running btfenced through
# `btfencectl status --json` (reading needs polkit's org.btfence1.read, which the package
# grants to users of an active local session) and reports:
#   BtfenceInstalled     boolean  btfencectl is installed
#   BtfenceRunning       boolean  btfenced answered
#   BtfenceEnforcing     boolean  btfenced enforces the policy (mode "enforce")
#   BtfenceMode          string   "enforce" | "audit", or why it is not known:
#                                 "not-installed" | "not-running" | "not-authorized" | "error"
#   BtfencePolicySha256  string   SHA-256 of the policy in force ("" when not known)
#   BtfenceExemptions    int64    runtime exemptions in force (-1 when not known)
# Anything that cannot be established reports the non-compliant value: fail closed.
# POSIX sh and sed only; the shape it reads is btfencectl's format_version 1
# (/usr/share/doc/btfence/control-plane.md.gz, "JSON shapes").
BTFENCECTL=${BTFENCECTL:-btfencectl}

installed=false running=false enforcing=false mode=error sha256="" exemptions=-1

emit() {
    printf '{"BtfenceInstalled":%s,"BtfenceRunning":%s,"BtfenceEnforcing":%s,"BtfenceMode":"%s","BtfencePolicySha256":"%s","BtfenceExemptions":%s}\n' \
        "$installed" "$running" "$enforcing" "$mode" "$sha256" "$exemptions"
    exit 0
}
trap 'emit' TERM INT

if ! command -v "$BTFENCECTL" >/dev/null 2>&1; then
    mode=not-installed
    emit
fi
installed=true

status=$("$BTFENCECTL" status --json 2>/dev/null)
case $? in
    0) ;;
    3) mode=not-running; emit ;;
    4) mode=not-authorized; emit ;;
    *) mode=error; emit ;;
esac

# Top-level keys of btfencectl's JSON are indented by exactly two spaces, one per line.
top() { printf '%s\n' "$status" | sed -n "s/^  \"$1\": \\(.*\\)\$/\\1/p" | sed 's/,$//' | head -n 1; }
unquote() { sed -e 's/^"//' -e 's/"$//'; }

[ "$(top format_version)" = 1 ] || { mode=error; emit; }
running=true
case $(top enforcing) in true) enforcing=true ;; *) enforcing=false ;; esac
mode=$(top mode | unquote)
case $mode in enforce|audit) ;; *) mode=error enforcing=false ;; esac
sha256=$(top policy_sha256 | unquote)
case $sha256 in *[!0-9a-f]*|"") sha256="" ;; esac
exemptions=$(top exemptions_in_force)
case $exemptions in ''|*[!0-9]*) exemptions=-1 ;; esac
emit
