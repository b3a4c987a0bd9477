# SPDX-License-Identifier: GPL-2.0
"""The guest's xl config comes from one template."""
import unittest

from pvsr_harness import xlcfg


def parse_cfg(text):
    out = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        k, _, v = line.partition("=")
        v = v.strip()
        out[k.strip()] = v[1:-1] if v.startswith('"') else int(v)
    return out


class XlCfgTest(unittest.TestCase):
    def test_render(self):
        cfg = parse_cfg(xlcfg.render("/job/pvsr-guest", 128, 4,
                                     xlcfg.guest_cmdline("save-restore", 3)))
        self.assertEqual(cfg, {
            "name": "pvsr-guest", "type": "pv", "kernel": "/job/pvsr-guest",
            "memory": 128, "maxmem": 128, "vcpus": 4, "maxvcpus": 4,
            "extra": "pvsr.scenario=save-restore pvsr.cycles=3",
            "on_poweroff": "destroy", "on_reboot": "destroy",
            "on_crash": "preserve"})

    def test_vcpus_word(self):
        self.assertEqual(xlcfg.guest_cmdline("boot", 1, vcpus=4),
                         "pvsr.scenario=boot pvsr.cycles=1 pvsr.vcpus=4")

    def test_extra_words(self):
        self.assertEqual(xlcfg.guest_cmdline("boot", 1, ["pvsr.debug=1"]),
                         "pvsr.scenario=boot pvsr.cycles=1 pvsr.debug=1")

    def test_max_vcpus(self):
        cfg = parse_cfg(xlcfg.render("/k", 128, 4, "", max_vcpus=6))
        self.assertEqual((cfg["vcpus"], cfg["maxvcpus"]), (4, 6))
        with self.assertRaises(ValueError):
            xlcfg.render("/k", 128, 4, "", max_vcpus=3)

    def test_maxmem(self):
        cfg = parse_cfg(xlcfg.render("/k", 128, 1, "", maxmem_mib=256))
        self.assertEqual((cfg["memory"], cfg["maxmem"]), (128, 256))
        with self.assertRaises(ValueError):
            xlcfg.render("/k", 128, 1, "", maxmem_mib=64)

    def test_rejects_bad_values(self):
        for kw in ({"vcpus": 0}, {"memory_mib": 1}, {"extra": 'a"b'},
                   {"extra": "a\\b"}, {"kernel": "/x\ny"}):
            args = dict(kernel="/k", memory_mib=128, vcpus=1, extra="")
            args.update(kw)
            with self.assertRaises(ValueError, msg=kw):
                xlcfg.render(**args)


if __name__ == "__main__":
    unittest.main()
