# SPDX-License-Identifier: GPL-2.0
"""Pictures of the pvsr-against-Linux numbers (scripts/plot, and
scripts/bench --compare-linux through write_png).

Input rows, one per guest, cycle kind and vCPU count (medians over the
cycles; any value may be missing or None):

    {"vcpus": 4, "guest": "pvsr" | "linux",
     "kind": "save-restore" | "checkpoint" | "migrate" | "remus",
     "before_ms": .., "after_ms": .., "downtime_ms": ..,
     "toolstack_ms": .., "rate_per_s": ..}

The PNG has one panel per cycle kind: guest-side time (before + after
the suspend hypercall) and downtime against vCPUs, pvsr and Linux,
log-scale y. A row, or a value, that cannot be drawn (missing, not a
number, not above 0 on a log scale, an unknown guest) is left out and
named in the list write_png returns: nothing is dropped silently.

Needs Debian's python3-matplotlib; without it this raises
MissingMatplotlib naming the apt-get command. That package serves
Debian's own interpreter, /usr/bin/python3; the python3 first on PATH
can be another one (pyenv's, on this project's machines) that does not
see it, so scripts/plot runs itself again under /usr/bin/python3
(debian_python_for_matplotlib) and other tools should run scripts/plot
rather than import this module.
"""
import importlib.util
import os
import statistics
import sys

KINDS = ("save-restore", "checkpoint", "migrate", "remus")
GUESTS = ("pvsr", "linux")
APT_INSTALL = "sudo apt-get install -y python3-matplotlib"
DEBIAN_PYTHON = "/usr/bin/python3"
# (metric, label, line style, marker)
METRICS = (("guest_ms", "guest-side time (before + after the hypercall)",
            "-", "o"),
           ("downtime_ms", "downtime", "--", "s"))
# The pvsr guest without its suspend event channel (rows with "evtchn":
# "off") is a line of its own: the two are different request paths.
LINES = ("pvsr", "pvsr-noevt", "linux")
COLOURS = {"pvsr": "tab:blue", "pvsr-noevt": "tab:green",
           "linux": "tab:orange"}
GUEST_LABELS = {"pvsr": "pvsr", "pvsr-noevt": "pvsr, evtchn off",
                "linux": "Linux"}


def line_of(row):
    """The line a valid row belongs to (LINES)."""
    if row["guest"] == "pvsr" and row.get("evtchn") == "off":
        return "pvsr-noevt"
    return row["guest"]


class MissingMatplotlib(RuntimeError):
    pass


def debian_python_for_matplotlib(argv):
    """If this interpreter has no matplotlib and is not Debian's, run
    argv again under /usr/bin/python3, whose python3-matplotlib this is
    (os.execv: does not return). Otherwise return and let pyplot() say
    what is missing."""
    if importlib.util.find_spec("matplotlib") is not None or \
            os.environ.get("PVSR_PLOT_REEXEC") or \
            not os.access(DEBIAN_PYTHON, os.X_OK) or \
            os.path.realpath(sys.executable) == \
            os.path.realpath(DEBIAN_PYTHON):
        return
    os.environ["PVSR_PLOT_REEXEC"] = "1"     # once, never a loop
    os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + list(argv))


def pyplot():
    """matplotlib.pyplot on the file-only Agg backend, or a loud error."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise MissingMatplotlib(
            f"{sys.executable} cannot import matplotlib ({e}); install "
            f"Debian's python3-matplotlib (for {DEBIAN_PYTHON}) with: "
            f"{APT_INSTALL}") from e
    return plt


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _row_name(i, row):
    return (f"row {i} ({row.get('guest')} {row.get('kind')} "
            f"{row.get('vcpus')} vCPUs)")


def series(rows):
    """({kind: {(guest, metric): [(vcpus, value)]}}, problems). Several
    rows for one point are reduced to their median (and said so)."""
    points, problems = {}, []
    for i, row in enumerate(rows):
        name = _row_name(i, row) if isinstance(row, dict) else f"row {i}"
        if not isinstance(row, dict):
            problems.append(f"{name}: not an object, left out")
            continue
        vcpus, guest, kind = row.get("vcpus"), row.get("guest"), \
            row.get("kind")
        if not _number(vcpus) or vcpus < 1 or guest not in GUESTS or \
                not isinstance(kind, str) or not kind:
            problems.append(f"{name}: needs vcpus >= 1, guest one of "
                            f"{', '.join(GUESTS)} and a kind; left out")
            continue
        guest = line_of(row)
        values = {"guest_ms": None, "downtime_ms": row.get("downtime_ms")}
        before, after = row.get("before_ms"), row.get("after_ms")
        if _number(before) and _number(after):
            values["guest_ms"] = before + after
        else:
            values["guest_ms"] = (before, after)
        for metric, label, _, _ in METRICS:
            v = values[metric]
            if isinstance(v, tuple):
                miss = [k for k, x in zip(("before_ms", "after_ms"), v)
                        if not _number(x)]
                problems.append(f"{name}: {' and '.join(miss)} missing: "
                                f"no {label.split(' (')[0]}")
            elif not _number(v):
                problems.append(f"{name}: {metric} missing: no {label}")
            elif v <= 0:
                problems.append(f"{name}: {label.split(' (')[0]} is {v} "
                                "ms, not drawable on a log scale")
            else:
                points.setdefault(kind, {}).setdefault(
                    (guest, metric), {}).setdefault(int(vcpus), []).append(v)
    out = {}
    for kind, lines in points.items():
        for key, by_vcpus in lines.items():
            line = []
            for vcpus, vals in sorted(by_vcpus.items()):
                if len(vals) > 1:
                    problems.append(f"{key[0]} {kind} {vcpus} vCPUs: "
                                    f"{len(vals)} rows for {key[1]}, their "
                                    "median is drawn")
                line.append((vcpus, statistics.median(vals)))
            out.setdefault(kind, {})[key] = line
    return out, problems


def rates(rows):
    """{kind: [(guest, vcpus, rate_per_s)]} for rows that have a rate."""
    out = {}
    for row in rows:
        if isinstance(row, dict) and _number(row.get("rate_per_s")) and \
                row.get("guest") in GUESTS and _number(row.get("vcpus")):
            out.setdefault(row.get("kind"), []).append(
                (line_of(row), int(row["vcpus"]), row["rate_per_s"]))
    return out


def panel_kinds(data, rows):
    seen = set(data) | {r.get("kind") for r in rows if isinstance(r, dict)
                        and isinstance(r.get("kind"), str)}
    return [k for k in KINDS if k in seen] + sorted(seen - set(KINDS))


def _draw_panel(ax, kind, lines, kind_rates):
    """One kind's panel; returns {label: line handle} for the legend."""
    from matplotlib.ticker import LogFormatter, NullFormatter, \
        ScalarFormatter
    handles = {}
    vcpus = sorted({v for line in lines.values() for v, _ in line})
    for guest in LINES:
        for metric, label, style, marker in METRICS:
            line = lines.get((guest, metric))
            if not line:
                continue
            name = f"{GUEST_LABELS[guest]}: {label}"
            handles[name], = ax.plot(
                [v for v, _ in line], [y for _, y in line], linestyle=style,
                marker=marker, color=COLOURS[guest], label=name)
    ax.set_title(kind)
    if lines:
        ax.set_xlabel("vCPUs")
        ax.set_ylabel("time per suspend (ms, log scale)")
        ax.grid(True, which="both", alpha=0.3)
        ax.set_yscale("log")
        # Plain numbers, and the in-between ticks labelled when the
        # values span less than about two decades.
        ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
        ax.yaxis.set_minor_formatter(LogFormatter(
            labelOnlyBase=False, minor_thresholds=(2, 0.5)))
        if len(vcpus) > 1:
            ax.set_xscale("log", base=2)
        ax.set_xticks(vcpus)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        if len(vcpus) == 1:
            ax.set_xlim(vcpus[0] * 0.5, vcpus[0] * 1.5)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.text(0.5, 0.8, "no guest-side time or downtime\nin these rows",
                ha="center", va="center", transform=ax.transAxes)
    if kind_rates:
        text = "checkpoints per second\n" + "\n".join(
            f"{GUEST_LABELS[g]}, {v} vCPUs: {r:.2f}"
            for g, v, r in sorted(kind_rates, key=lambda x: (x[1], x[0])))
        ax.text(0.5 if not lines else 0.03, 0.45 if not lines else 0.03,
                text, fontsize="small" if lines else "medium",
                ha="center" if not lines else "left",
                va="center" if not lines else "bottom",
                transform=ax.transAxes,
                bbox={"facecolor": "white", "alpha": 0.8})
    return handles


def write_png(rows, out, date, machine):
    """Draw rows into the PNG `out`; returns the problems (values left
    out). Raises ValueError if nothing at all can be drawn, and
    MissingMatplotlib without python3-matplotlib."""
    if not isinstance(rows, list):
        raise ValueError("rows must be a list of objects")
    data, problems = series(rows)
    kind_rates = rates(rows)
    kinds = panel_kinds(data, rows)
    if not data and not kind_rates:
        raise ValueError("nothing to draw: no row has a guest-side time, "
                         "a downtime or a rate"
                         + (" (" + "; ".join(problems[:3]) + ")"
                            if problems else ""))
    plt = pyplot()
    fig, axes = plt.subplots(1, len(kinds), figsize=(5 * len(kinds), 4.8),
                             squeeze=False)
    handles = {}
    for ax, kind in zip(axes[0], kinds):
        handles.update(_draw_panel(ax, kind, data.get(kind, {}),
                                   kind_rates.get(kind)))
    order = [f"{GUEST_LABELS[g]}: {m[1]}" for g in LINES for m in METRICS]
    names = [n for n in order if n in handles]
    fig.legend([handles[n] for n in names], names, loc="lower center",
               ncol=2, fontsize="small")
    fig.suptitle("pvsr against a Linux PV guest, per suspend (medians): "
                 f"{date}, {machine}")
    # Room below the panels for the legend's rows (two entries a row).
    fig.tight_layout(rect=(0, 0.05 + 0.035 * ((len(names) + 1) // 2), 1, 1))
    fig.savefig(out, format="png", dpi=100)
    plt.close(fig)
    return problems
