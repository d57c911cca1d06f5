#!/usr/bin/python3
"""Runs e2e scenarios inside the VM (tests/e2e/vm/run-vm.sh boots it) against the real
bluetoothd, and, for the btfenced groups, the real btfenced:

  run.py [--btfenced PATH] [--probe PATH] [--group G]... [--only NAME]... [--narrate]

Groups, in the order given (default: bluez btfenced):
  bluez     what BlueZ does that the design rests on, with the peer tooling and no btfenced
            (this also validates the peer tooling against the real bluetoothd)
  btfenced  btfenced enforcing on hci0 while hci1 plays keys, phones and keyboards
  verification
            btfenced probing FIDO keys (btfence-probe, CTAP getInfo) while hci1 runs the
            virtual authenticator (tests/fido-authenticator) in one mode per scenario
  admin     btfenced and the AdminPolicySet1 of a bluetoothd built with the admin plugin
  classic   BR/EDR pairings and an unbonded HID connection towards the laptop; needs
            dual-mode controllers (run-vm.sh -B)
  measure   (only when asked for) timings published in docs/performance.md: Paired=true of a
            keyboard bonded behind the agent -> link down -> RemoveDevice; and which LE
            pairings a refusing default agent of each IO capability is asked about
            (docs/security.md)

Scenarios share one VM: between them every device is disconnected and removed, every peer
role and agent this process registered is withdrawn, and btfenced runs the group's policy.
Ends with one "FAILED: ..." line per failure, then "N passed, N failed"; exit status 1 if
anything failed.
"""
import argparse
import importlib
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peer"))

import btpeer  # noqa: E402
from btfenced import PEER_SIDE_RULE_ID, Btfenced, DaemonFailed, one_line, policy  # noqa: E402
from framework import GROUP_POLICIES, SCENARIOS, Context, ScenarioFailed  # noqa: E402

GROUPS = ["bluez", "btfenced", "verification", "admin", "classic", "measure"]


def record_failure(results, what, count=1):
    """Counts a failure and keeps its one-line description: the summary repeats them at the end,
    because CI's record of a long run keeps only its head and tail."""
    results["failed"] += count
    results["failures"].append((what.splitlines() or [""])[0][:300])


def print_summary(results):
    for what in results["failures"]:
        print("FAILED: " + what)
    print("%d passed, %d failed" % (results["passed"], results["failed"]), flush=True)


def run_group(ctx, group, functions, btfenced_binary, probe, results):
    if group != "bluez":
        if not btfenced_binary:
            print("\n== group %s needs --btfenced" % group)
            record_failure(results, "group %s: no --btfenced" % group, len(functions))
            return
        if group == "verification" and not probe:
            print("\n== group %s needs btfence-probe (--probe, or a build tree with agent/fido/btfence-probe)" % group)
            record_failure(results, "group %s: no btfence-probe" % group, len(functions))
            return
        on_event = None
        if ctx.narrate:
            def on_event(event):
                # What btfenced says about the peer's controller is noise here.
                if event.get("rule", {}).get("id") != PEER_SIDE_RULE_ID:
                    print("    audit | " + one_line(event), flush=True)
        ctx.daemon = Btfenced(btfenced_binary, ctx.logs, on_event, probe=probe)
        ctx.base_policy = GROUP_POLICIES.get(group, policy)(ctx.laptop)
        if ctx.narrate:
            print("\n%s:\n    %s" % (ctx.daemon.policy_path, ctx.base_policy.strip().replace("\n", "\n    ")))
            print("\n== btfenced starts")
        try:
            ctx.daemon.start(ctx.base_policy)
        except (DaemonFailed, btpeer.TimedOut) as error:
            print("\n== group %s: btfenced did not start: %s" % (group, error), flush=True)
            record_failure(results, "group %s: btfenced did not start" % group, len(functions))
            ctx.daemon = None
            return
    for function in functions:
        name = function.__name__.replace("_", " ")
        summary = function.__doc__.strip().splitlines()[0]
        print("\n== %s\n   %s" % (name, summary), flush=True)
        started = time.monotonic()
        since = ctx.daemon.mark() if ctx.daemon else 0
        try:
            function(ctx)
            results["passed"] += 1
            print("   PASS (%.1f s)" % (time.monotonic() - started), flush=True)
        except Exception as error:  # one scenario's failure must not stop the others
            record_failure(results, "%s/%s: %s" % (group, function.__name__, error))
            print("   FAIL (%.1f s): %s" % (time.monotonic() - started, error), flush=True)
            if not isinstance(error, (ScenarioFailed, btpeer.TimedOut, DaemonFailed)):
                traceback.print_exc(file=sys.stdout)
            if ctx.daemon and not ctx.narrate:
                print("   audit events during the scenario:")
                for event in ctx.daemon.events[since:]:
                    print("     " + one_line(event))
            if kernel_bug_lines():
                raise GuestBroken()
        try:
            ctx.cleanup()
            if ctx.daemon and (not ctx.daemon.running() or ctx.policy_changed):
                ctx.daemon.restart(ctx.base_policy)
        except Exception as error:
            record_failure(results, "%s/%s: could not reset the state after it" % (group, function.__name__))
            print("   FAIL: could not reset the state after the scenario: %s" % error, flush=True)
            if kernel_bug_lines():
                raise GuestBroken()
        ctx.policy_changed = False
    if ctx.daemon:
        try:
            ctx.daemon.stop()
        except DaemonFailed as error:
            record_failure(results, "btfenced at its stop: %s" % error)
            print("FAIL: %s" % error)
        ctx.daemon = None


class GuestBroken(Exception):
    """The VM's kernel hit a BUG: every scenario after it would fail for that reason alone."""


def kernel_bug_lines():
    """Lines of a kernel BUG or oops in the guest's log. Debian 12's 6.1 kernel can hit one in
    hci_chan_del while bluetoothd closes an L2CAP socket of a connection being torn down
    ("list_del corruption", see docs/testing.md); bluetoothd is then stuck in the kernel."""
    try:
        log = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    markers = ("kernel BUG", "list_del corruption", "Oops:", "general protection fault")
    return [line.strip() for line in log.splitlines() if any(m in line for m in markers)]


def main():
    for module in ("bluez_facts", "enforcement", "verification", "admin_policy", "classic",
                   "removal_timing", "le_capability"):
        importlib.import_module(module)  # each registers its scenarios
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--btfenced", help="the btfenced binary under test")
    parser.add_argument("--probe", help="btfence-probe for btfenced's --probe (default: agent/fido/"
                        "btfence-probe of the build tree --btfenced is in)")
    parser.add_argument("--group", action="append", choices=GROUPS)
    parser.add_argument("--only", action="append", default=[], help="run only this scenario (repeatable)")
    parser.add_argument("--laptop", default="hci0", help="the adapter btfenced manages")
    parser.add_argument("--peer", default="hci1", help="the adapter the peers play on")
    parser.add_argument("--narrate", action="store_true", help="print the steps and the audit events live")
    args = parser.parse_args()
    unknown = set(args.only) - {f.__name__ for _, f in SCENARIOS}
    if unknown:
        parser.error("no scenario named %s" % ", ".join(sorted(unknown)))
    logs = os.environ.get("E2E_LOGS", "/tmp")
    probe = args.probe
    if probe is None and args.btfenced:
        beside = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(args.btfenced))),
                              "fido", "btfence-probe")
        probe = beside if os.access(beside, os.X_OK) else None

    ctx = Context(args.laptop, args.peer, logs, args.narrate)
    results = {"passed": 0, "failed": 0, "failures": []}
    try:
        for group in args.group or ["bluez", "btfenced"]:
            functions = [f for g, f in SCENARIOS if g == group and (not args.only or f.__name__ in args.only)]
            if functions:
                run_group(ctx, group, functions, args.btfenced, probe, results)
    except GuestBroken:
        for line in kernel_bug_lines():
            print("KERNEL: " + line)
        print("\nThe VM's kernel hit a BUG (above); the scenarios stop here. Exit status 75 tells"
              "\nrun-vm.sh -R to boot a fresh VM and run them again.")
        print_summary(results)
        return 75
    for line in kernel_bug_lines():  # after the last scenario: reported, not a failure
        print("KERNEL: " + line)
    print()
    print_summary(results)
    return 1 if results["failed"] or not results["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
