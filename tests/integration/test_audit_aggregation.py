"""Volume under attack (docs/admin-guide.md, "Repeats"): a denied device that tries to pair
again and again costs one event at once and then one summary per window with the count, not
one event per attempt; the SIEM still learns of every attempt."""

import unittest

from harness import REJECTED, IntegrationTest

KEYBOARD = "AA:BB:CC:DD:EE:01"
ATTEMPTS = 20


class ADeviceThatKeepsTryingToPair(IntegrationTest):
    # A short window so the test does not wait a minute; the default is 60 s.
    DAEMON_ARGS = ("--aggregate-window", "3")

    def test_is_reported_once_at_once_then_as_a_counted_summary(self):
        keyboard = self.add_keyboard(KEYBOARD)
        mark = self.audit.mark()
        for _ in range(ATTEMPTS):
            self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        first = self.wait_for_audit("pairing-denied", since=mark,
                                    btfence__device__address=KEYBOARD)
        self.assertNotIn("repeat", first["btfence"], "the first attempt is reported as it is")

        summary = self.wait_for_audit(
            "pairing-denied", since=mark, btfence__device__address=KEYBOARD,
            predicate=lambda e: "repeat" in e["btfence"])
        self.assertEqual(summary["btfence"]["repeat"]["count"], ATTEMPTS - 1)
        self.assertLessEqual(summary["event"]["start"], summary["event"]["end"])

        self.audit.refresh()
        denials = [e for e in self.audit.events[mark:]
                   if e["event"]["action"] == "pairing-denied"]
        self.assertEqual(len(denials), 2, "one event and one summary, not %d events" % ATTEMPTS)
        sequences = [e["event"]["sequence"] for e in self.audit.events]
        self.assertEqual(sequences, list(range(sequences[0], sequences[0] + len(sequences))),
                         "held repeats leave no gap in the sequence numbers")

    def test_stopping_the_daemon_reports_the_repeats_it_still_holds(self):
        keyboard = self.add_keyboard(KEYBOARD)
        mark = self.audit.mark()
        for _ in range(3):
            self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        self.stop_daemon()
        self.audit.refresh()
        denials = [e for e in self.audit.events[mark:]
                   if e["event"]["action"] == "pairing-denied"]
        self.assertEqual(sum(e["btfence"].get("repeat", {}).get("count", 1) for e in denials), 3)
        actions = [e["event"]["action"] for e in self.audit.events[mark:]]
        self.assertLess(len(actions) - 1 - actions[::-1].index("pairing-denied"),
                        actions.index("daemon-stopping"), "summaries come before the stop")


if __name__ == "__main__":
    unittest.main()
