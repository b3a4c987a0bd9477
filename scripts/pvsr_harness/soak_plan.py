# SPDX-License-Identifier: GPL-2.0
"""A soak's plan: which suspends and faults, in which order.

The plan is a list of (KIND, COUNT) entries that dom0's soak.sh runs in
order (written into the job folder as soak.conf). KIND is "checkpoint"
(COUNT remus checkpoints in one `xl remus` run), "save-restore",
"migrate", or "fault-<name>" (soak_count.FAULTS). Several kinds are
interleaved evenly over the soak, so a mixed soak has them all from the
start to the end, not one after the other.
"""
from .soak_count import FAULTS

# The faults a mixed soak runs when --faults is not given: every one that
# works with any guest (vcpu-set needs a guest that honours
# cpu/N/availability, so it is asked for by name only).
DEFAULT_MIXED_FAULTS = tuple(f for f in FAULTS if f != "vcpu-set")
# How many suspends each entry makes (remus: one per checkpoint).
CYCLES_PER = {"save-restore": 1, "migrate": 1, "fault-back-to-back": 2,
              "fault-double-request": 1, "fault-unknown": 1, "fault-pause": 1,
              "fault-toolstack-fail": 1, "fault-vcpu-set": 4}
# A generous bound on the seconds one entry takes under TCG (the run's
# hard timeout; a stall is caught much sooner by the per-cycle timeout).
SECONDS_PER = {"checkpoint": 5, "save-restore": 40, "migrate": 60,
               "fault-back-to-back": 40, "fault-double-request": 60,
               "fault-unknown": 40, "fault-pause": 40,
               "fault-toolstack-fail": 40, "fault-vcpu-set": 150}


def parse_faults(text):
    """"pause,unknown:3,all" -> {"pause": 1, "unknown": 3, ...}.
    "all" is every fault but vcpu-set. Raises ValueError."""
    out = {}
    for word in filter(None, (w.strip() for w in (text or "").split(","))):
        name, sep, n = word.partition(":")
        try:
            count = int(n) if sep else 1
        except ValueError:
            raise ValueError("--faults %s: %r is not a count" % (word, n))
        if count < 1:
            raise ValueError("--faults %s: the count must be at least 1" % word)
        names = DEFAULT_MIXED_FAULTS if name == "all" else (name,)
        for nm in names:
            if nm not in FAULTS:
                raise ValueError("--faults: unknown fault %r (known: %s, all)"
                                 % (nm, ", ".join(FAULTS)))
            out[nm] = out.get(nm, 0) + count
    return out


def interleave(counts, checkpoint_block=None):
    """{kind: count} -> [(kind, n)]: every kind spread evenly over the
    soak (each kind with its own phase, so kinds that occur once do not
    bunch up). Checkpoints come in blocks, one remus run each: of
    checkpoint_block checkpoints, or by default one block between each two
    other entries."""
    others = [(k, n) for k, n in counts.items() if k != "checkpoint" and n > 0]
    n_other = sum(n for _, n in others)
    cps = counts.get("checkpoint", 0)
    events = []
    for j, (kind, n) in enumerate(others):
        phase = (j + 1.0) / (len(others) + 1)
        for i in range(n):
            events.append(((i + phase) / n, 1, kind, 1))
    if cps:
        if checkpoint_block:
            blocks = -(-cps // checkpoint_block)
        else:
            blocks = n_other + 1
        blocks = min(blocks, cps)
        for i in range(blocks):
            size = cps * (i + 1) // blocks - cps * i // blocks
            events.append(((i + 0.0) / blocks, 0, "checkpoint", size))
    events.sort(key=lambda e: e[:2])
    plan = []
    for _, _, kind, n in events:
        if plan and plan[-1][0] == kind and (kind != "checkpoint" or not checkpoint_block):
            plan[-1] = (kind, plan[-1][1] + n)
        else:
            plan.append((kind, n))
    return plan


def build(checkpoints=0, save_restore=0, migrate=0, faults=None,
          checkpoint_block=None):
    """The plan for these counts (faults: {name: count})."""
    counts = {"checkpoint": checkpoints, "save-restore": save_restore,
              "migrate": migrate}
    for name, n in (faults or {}).items():
        counts["fault-" + name] = n
    plan = interleave(counts, checkpoint_block)
    if not plan:
        raise ValueError("nothing to do: give --checkpoints, --save-restore, "
                         "--migrate or --faults")
    return plan


def cycles_of(plan):
    """Suspends the plan makes (at least: a double request may add none)."""
    return sum(n * CYCLES_PER.get(k, 1) for k, n in plan)


def seconds_of(plan):
    return sum(n * SECONDS_PER.get(k, 60) for k, n in plan)


def planned_faults(plan):
    out = {}
    for k, n in plan:
        if k.startswith("fault-"):
            out[k[len("fault-"):]] = out.get(k[len("fault-"):], 0) + n
    return out


def conf_text(plan, remus_ms, cycle_timeout):
    """soak.conf for dom0 (sourced by soak.sh)."""
    for k, n in plan:
        if " " in k or "\n" in k or int(n) < 1:
            raise ValueError("bad plan entry %r %r" % (k, n))
    lines = "\n".join("%s %d" % (k, n) for k, n in plan)
    return ("# Written by scripts/soak: the plan dom0's soak.sh runs, in order.\n"
            "SOAK_REMUS_MS=%d\nSOAK_CYCLE_TIMEOUT=%d\nSOAK_PLAN='%s'\n"
            % (int(remus_ms), int(cycle_timeout), lines))
