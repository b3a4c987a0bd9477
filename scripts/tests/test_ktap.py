# SPDX-License-Identifier: GPL-2.0
"""KTAP parser: formats, console noise, duplicates, truncation."""
import unittest

from pvsr_harness import ktap

GOOD = """\
pvsr-guest: booting on xen-3.0-x86_64
KTAP version 1
1..3
ok 1 boot_start_info
# Xen 4.17.5
ok 2 boot_xen_version
ok 3 boot_smp # SKIP needs 2 vCPUs
# boot: 0 of 3 tests failed
"""


class KtapTest(unittest.TestCase):
    def test_good(self):
        r = ktap.parse(GOOD.replace(" # SKIP needs 2 vCPUs", ""))
        self.assertTrue(r.ok, r.problems())
        self.assertEqual((r.passed, r.failed, r.skipped, r.plan), (3, 0, 0, 3))

    def test_skip_is_not_a_pass(self):
        r = ktap.parse(GOOD)
        self.assertFalse(r.ok)
        self.assertEqual((r.passed, r.failed, r.skipped, r.plan), (2, 0, 1, 3))
        self.assertTrue(any("1 skipped (a skip is not a pass): boot_smp" in p
                            for p in r.problems()), r.problems())
        self.assertEqual([t["name"] for t in r.ordered],
                         ["boot_start_info", "boot_xen_version", "boot_smp"])
        self.assertIn("# Xen 4.17.5", r.diagnostics)
        j = r.to_json()
        self.assertEqual(j["tests"][2], {"number": 3, "name": "boot_smp", "ok": True,
                                         "skipped": True,
                                         "directive": "SKIP needs 2 vCPUs"})

    def test_not_ok(self):
        r = ktap.parse(GOOD.replace("ok 1 boot_start_info", "not ok 1 boot_start_info"))
        self.assertFalse(r.ok)
        self.assertEqual(r.failed, 1)
        self.assertTrue(any("boot_start_info" in p for p in r.problems()))
        self.assertFalse(r.to_json()["tests"][0]["ok"])

    def test_tap13_crlf_and_prefixes(self):
        text = ("[2024-01-01 10:00:00] TAP version 13\r\n"
                "[2024-01-01 10:00:00] 1..2\r\n"
                "(d1) ok 1 - first\r\n"
                "[    1.234] ok 2 second\r\n")
        r = ktap.parse(text)
        self.assertTrue(r.ok, r.problems())
        self.assertEqual([t["name"] for t in r.ordered], ["first", "second"])

    def test_cut_off_is_failure(self):
        r = ktap.parse("KTAP version 1\n1..4\nok 1 a\nok 2 b\n")
        self.assertFalse(r.ok)
        self.assertTrue(any("only 2 of 4" in p for p in r.problems()), r.problems())
        self.assertFalse(r.to_json()["complete"])

    def test_missing_plan_is_failure(self):
        r = ktap.parse("KTAP version 1\nok 1 a\n")
        self.assertFalse(r.ok)
        self.assertTrue(any("plan" in p for p in r.problems()))

    def test_nothing(self):
        r = ktap.parse("")
        self.assertFalse(r.ok)
        self.assertTrue(any("no KTAP" in p for p in r.problems()))
        r = ktap.parse("just a crash dump\nRIP: ffffffff80001000\n")
        self.assertFalse(r.ok)

    def test_plan_at_end(self):
        r = ktap.parse("KTAP version 1\nok 1 a\nok 2 b\n1..2\n")
        self.assertTrue(r.ok, r.problems())

    def test_open_ended_guest_run(self):
        # What the test guest prints with pvsr.cycles=0 (a soak): no plan
        # until power-off. Cut off before it, the run is incomplete.
        body = ("KTAP version 1\n# open-ended: the plan comes last\n"
                "ok 1 boot_a\nok 2 resume_1_return\nok 3 resume_2_return\n")
        cut = ktap.parse(body)
        self.assertFalse(cut.ok)
        self.assertTrue(any("plan" in p for p in cut.problems()))
        done = ktap.parse(body + "# pvsr-guest: 2 suspend cycles, 0 of 3 "
                          "tests failed\n1..3\n")
        self.assertTrue(done.ok, done.problems())
        short = ktap.parse(body + "1..4\n")
        self.assertFalse(short.ok)

    def test_duplicates_after_migration(self):
        # The last line of the source appears again in the --incoming log.
        main = "KTAP version 1\n1..3\nok 1 a\nok 2 b\n"
        incoming = "ok 2 b\nok 3 c\n"
        r = ktap.parse([main, incoming])
        self.assertTrue(r.ok, r.problems())
        self.assertEqual(r.duplicates, 1)
        self.assertEqual(r.passed, 3)

    def test_repeated_header_is_not_a_new_document(self):
        r = ktap.parse("KTAP version 1\n1..2\nKTAP version 1\n1..2\nok 1 a\nok 2 b\n")
        self.assertTrue(r.ok, r.problems())

    def test_conflicting_results_fail(self):
        r = ktap.parse("KTAP version 1\n1..1\nok 1 a\nnot ok 1 a\n")
        self.assertFalse(r.ok)
        self.assertEqual(r.failed, 1)
        self.assertTrue(any("conflicting" in p for p in r.problems()))

    def test_conflicting_plans_fail(self):
        r = ktap.parse("KTAP version 1\n1..1\nok 1 a\n1..2\nok 2 b\n")
        self.assertFalse(r.ok)

    def test_extra_results_fail(self):
        r = ktap.parse("KTAP version 1\n1..1\nok 1 a\nok 2 b\n")
        self.assertFalse(r.ok)

    def test_bail_out(self):
        r = ktap.parse("KTAP version 1\n1..2\nok 1 a\nBail out! no memory\n")
        self.assertFalse(r.ok)
        self.assertTrue(any("Bail out" in p for p in r.problems()))

    def test_nested_subtests(self):
        text = ("KTAP version 1\n1..1\n"
                "    KTAP version 1\n    # Subtest: suite\n    1..2\n"
                "    ok 1 case_a\n    not ok 2 case_b\n"
                "not ok 1 suite\n")
        r = ktap.parse(text)
        self.assertFalse(r.ok)
        t = r.to_json()["tests"][0]
        self.assertEqual(t["name"], "suite")
        self.assertEqual([(s["name"], s["ok"]) for s in t["subtests"]],
                         [("case_a", True), ("case_b", False)])
        # Nested plans and results never count at the top level.
        self.assertEqual(r.plan, 1)

    def test_console_noise_between_lines(self):
        text = ("KTAP version 1\n1..2\nok 1 a\n"
                "pvsr: vcpu 1 online\n(XEN) something\nok 2 b\n")
        r = ktap.parse(text)
        self.assertTrue(r.ok, r.problems())


if __name__ == "__main__":
    unittest.main()
