# SPDX-License-Identifier: GPL-2.0
"""Command line of scripts/harness."""
import argparse
import sys

from .common import DEFAULT_CACHE, HarnessError, Progress


def cmd_setup(args):
    from .setup import setup
    setup(args.cache, Progress())
    return 0


def build_parser():
    p = argparse.ArgumentParser(prog="scripts/harness", description=__doc__)
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")
    sub.required = True
    s = sub.add_parser("setup", help="install host packages, build the dom0 cache")
    s.add_argument("--cache", default=DEFAULT_CACHE, help="cache folder (default %(default)s)")
    s.set_defaults(func=cmd_setup)
    return p


def main(argv):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except HarnessError as e:
        sys.stderr.write("harness: error: %s\n" % e)
        return 1
