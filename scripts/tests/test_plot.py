# SPDX-License-Identifier: GPL-2.0
"""scripts/plot and pvsr_harness/plot.py: the pvsr-against-Linux picture.

The rows here are made up (the bench that writes real ones is being
built beside this): these tests check the drawing, not any number. The
PNG tests run scripts/plot itself, which needs Debian's
python3-matplotlib and fails (exit 3, naming the apt-get command)
without it: that failure is the message to act on, never a skip.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from pvsr_harness import plot  # noqa: E402

PLOT = os.path.join(HERE, "..", "plot")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def row(vcpus, guest, kind, before=1.0, after=2.0, down=30.0, **more):
    r = {"vcpus": vcpus, "guest": guest, "kind": kind, "before_ms": before,
         "after_ms": after, "downtime_ms": down, "toolstack_ms": 900.0,
         "rate_per_s": None}
    r.update(more)
    return r


ROWS = [row(1, "pvsr", "save-restore", 0.4, 2.5, 700.0),
        row(4, "pvsr", "save-restore", 4.0, 30.0, 900.0),
        row(4, "linux", "save-restore", 40.0, 300.0, 1100.0),
        row(4, "pvsr", "migrate", 4.0, 70.0, 200.0),
        row(4, "linux", "migrate", 40.0, None, 500.0),   # no after_ms
        row(4, "pvsr", "remus", None, None, None, rate_per_s=2.1),
        row(4, "linux", "remus", None, None, None, rate_per_s=1.4)]


def png_chunks(data):
    """[(type, body)] of a PNG, each chunk's CRC checked."""
    assert data[:8] == PNG_SIGNATURE, "no PNG signature"
    out, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind}"
        out.append((kind, body))
        pos += 12 + length
    return out


class SeriesTest(unittest.TestCase):
    def test_guest_side_is_before_plus_after(self):
        data, problems = plot.series(ROWS[:3])
        self.assertEqual(data["save-restore"][("pvsr", "guest_ms")],
                         [(1, 2.9), (4, 34.0)])
        self.assertEqual(data["save-restore"][("linux", "downtime_ms")],
                         [(4, 1100.0)])
        self.assertEqual(problems, [])

    def test_missing_values_are_named_not_dropped_silently(self):
        data, problems = plot.series(ROWS)
        self.assertNotIn(("linux", "guest_ms"), data["migrate"])
        self.assertEqual(data["migrate"][("linux", "downtime_ms")],
                         [(4, 500.0)])
        self.assertIn("row 4 (linux migrate 4 vCPUs): after_ms missing: "
                      "no guest-side time", problems)
        self.assertIn("row 5 (pvsr remus 4 vCPUs): downtime_ms missing: "
                      "no downtime", problems)
        self.assertNotIn("remus", data)

    def test_values_a_log_scale_cannot_show(self):
        rows = [row(4, "pvsr", "checkpoint", 0.0, 0.0, -1.0),
                row(8, "pvsr", "checkpoint", True, 1.0, "n/a")]
        data, problems = plot.series(rows)
        self.assertEqual(data, {})
        self.assertEqual(len(problems), 4, problems)
        self.assertTrue(any("not drawable on a log scale" in p
                            for p in problems))

    def test_rows_that_name_no_point(self):
        rows = [{"guest": "pvsr", "kind": "migrate"},
                row(4, "xen", "migrate"), "junk", row(0, "pvsr", "migrate")]
        data, problems = plot.series(rows)
        self.assertEqual(data, {})
        self.assertEqual(len(problems), 4)
        self.assertTrue(all("left out" in p for p in problems))

    def test_repeated_points_draw_the_median(self):
        rows = [row(4, "pvsr", "migrate", 1.0, 1.0, d) for d in (10, 30, 20)]
        data, problems = plot.series(rows)
        self.assertEqual(data["migrate"][("pvsr", "downtime_ms")],
                         [(4, 20)])
        self.assertIn("3 rows for downtime_ms", problems[-1])

    def test_evtchn_off_is_a_line_of_its_own(self):
        on = row(4, "pvsr", "migrate", 1.0, 1.0, 10.0)
        on["evtchn"] = "on"
        off = row(4, "pvsr", "migrate", 2.0, 2.0, 30.0)
        off["evtchn"] = "off"
        data, problems = plot.series([on, off])
        self.assertEqual(data["migrate"][("pvsr", "downtime_ms")], [(4, 10.0)])
        self.assertEqual(data["migrate"][("pvsr-noevt", "downtime_ms")],
                         [(4, 30.0)])
        self.assertEqual(problems, [])

    def test_rates_and_panels(self):
        self.assertEqual(sorted(plot.rates(ROWS)["remus"]),
                         [("linux", 4, 1.4), ("pvsr", 4, 2.1)])
        data, _ = plot.series(ROWS)
        self.assertEqual(plot.panel_kinds(data, ROWS),
                         ["save-restore", "migrate", "remus"])


class PlotCommandTest(unittest.TestCase):
    def run_plot(self, payload, *extra, env=None):
        d = tempfile.mkdtemp()
        src = os.path.join(d, "rows.json")
        out = os.path.join(d, "out.png")
        with open(src, "w") as f:
            json.dump(payload, f)
        r = subprocess.run([sys.executable, PLOT, "--json", src, "--out",
                            out] + list(extra), capture_output=True,
                           text=True, env=env)
        data = None
        if os.path.exists(out):
            with open(out, "rb") as f:
                data = f.read()
        return r, data

    def test_writes_a_png_with_one_panel_per_kind(self):
        r, data = self.run_plot({"date": "2026-12-02", "nproc": 2,
                                 "accel": "tcg", "rows": ROWS})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreater(len(data), 10000)
        chunks = png_chunks(data)
        self.assertEqual(chunks[0][0], b"IHDR")
        self.assertEqual(chunks[-1][0], b"IEND")
        width, height = struct.unpack(">II", chunks[0][1][:8])
        self.assertEqual((width, height), (3 * 500, 480))   # 3 kinds
        self.assertIn("not drawn: row 4 (linux migrate 4 vCPUs): after_ms "
                      "missing", r.stderr)
        self.assertIn("2026-12-02, 2 CPUs, TCG", r.stderr)

    def test_a_plain_list_and_title_options(self):
        r, data = self.run_plot(ROWS[:3], "--date", "D", "--machine", "M")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(png_chunks(data)[0][0], b"IHDR")
        self.assertIn("; D, M)", r.stderr)

    def test_several_files_draw_together(self):
        d = tempfile.mkdtemp()
        paths = []
        for i, (meta, rows) in enumerate(((
                {"date": "2026-12-02", "nproc": 2, "accel": "tcg"}, ROWS[:3]),
                ({"date": "1999-01-01", "nproc": 64}, [
                    row(64, "pvsr", "save-restore", 9.0, 90.0, 1500.0)]))):
            paths.append(os.path.join(d, "r%d.json" % i))
            with open(paths[-1], "w") as f:
                json.dump(dict(meta, rows=rows), f)
        out = os.path.join(d, "out.png")
        r = subprocess.run([sys.executable, PLOT, "--json", paths[0], "--json",
                            paths[1], "--out", out], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(4 rows, 0 values or rows not drawn; 2026-12-02, 2 CPUs, "
                      "TCG)", r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(png_chunks(f.read())[0][0], b"IHDR")

    def test_nothing_to_draw_fails_and_writes_nothing(self):
        r, data = self.run_plot([row(4, "pvsr", "migrate", None, None, None)])
        self.assertEqual(r.returncode, 1)
        self.assertIn("nothing to draw", r.stderr)
        self.assertIsNone(data)

    def test_not_rows_fails(self):
        r, data = self.run_plot({"table": []})
        self.assertEqual(r.returncode, 1)
        self.assertIn("'rows' list", r.stderr)
        self.assertIsNone(data)

    def test_without_matplotlib_it_names_the_apt_get_command(self):
        # A matplotlib that cannot be imported, ahead on the path (a fake,
        # here only): the command must stop, not draw nothing quietly.
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "matplotlib"))
            with open(os.path.join(d, "matplotlib", "__init__.py"), "w") as f:
                f.write("raise ImportError('hidden by test_plot')\n")
            env = dict(os.environ, PYTHONPATH=d)
            r, data = self.run_plot(ROWS, env=env)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("sudo apt-get install -y python3-matplotlib", r.stderr)
        self.assertIsNone(data)

    def test_help(self):
        r = subprocess.run([sys.executable, PLOT, "--help"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn("--compare-linux", r.stdout)


if __name__ == "__main__":
    unittest.main()
