// SPDX-License-Identifier: GPL-2.0
/*
 * xenstore checks against the real xenstored in dom0: read/write/rm,
 * directory, watches (with duplicates and a queue overflow), unwatch,
 * transactions, clean errors, and control/shutdown ignoring a value it
 * does not know.
 */
#include "test-guest/guest.h"
#include "test-guest/scenario.h"
#include "test-guest/time.h"
#include "test-guest/xenstore.h"
#include "test-guest/control.h"

#define TEST_DIR "data/pvsr/test"
#define WAIT_NS (10 * NSEC_PER_SEC)

struct probe {
	const char *node; /* re-read by the handler */
	unsigned int events;
	int read_rc;
	char value[32];
	char path[64];
};

/* Idempotent: a duplicate event just reads the same value again. */
static void probe_handler(const char *path, void *data)
{
	struct probe *p = data;
	size_t n = strnlen(path, sizeof(p->path) - 1);

	p->events++;
	memcpy(p->path, path, n);
	p->path[n] = '\0';
	p->read_rc = xs_read(p->node, p->value, sizeof(p->value));
}

/* Deliver events until p has seen more than seen (bounded). */
static bool wait_events(struct probe *p, unsigned int seen, uint64_t ns)
{
	uint64_t deadline = time_now_ns() + ns;

	for (;;) {
		xs_poll_watches();
		if (p->events > seen)
			return true;
		if (time_now_ns() > deadline)
			return false;
		time_delay_ns(5 * NSEC_PER_MSEC);
	}
}

static bool value_is(const char *path, const char *want)
{
	char buf[64];
	int len = xs_read(path, buf, sizeof(buf));

	return len >= 0 && !strcmp(buf, want);
}

static void xenstore_rw_watch(struct ktap_ctx *ctx)
{
	static struct probe p = { .node = TEST_DIR "/watched" };
	char buf[64];
	unsigned int before;
	int id, len;

	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/value", "hello") == 0, "write");
	len = xs_read(TEST_DIR "/value", buf, sizeof(buf));
	KTAP_EXPECT(ctx, len == 5 && !strcmp(buf, "hello"),
		    "read back %d \"%s\"", len, len >= 0 ? buf : "");
	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/watched", "0") == 0, "write");

	id = xs_watch(TEST_DIR "/watched", probe_handler, &p);
	if (!KTAP_EXPECT(ctx, id >= 0, "xs_watch: %s", xs_strerror(id)))
		return;
	/* xenstored fires every new watch once. */
	KTAP_EXPECT(ctx, wait_events(&p, 0, WAIT_NS),
		    "no event on registering the watch");

	before = p.events;
	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/watched", "1") == 0, "write");
	KTAP_EXPECT(ctx, wait_events(&p, before, WAIT_NS),
		    "no event after a write");
	KTAP_EXPECT(ctx, !strcmp(p.path, TEST_DIR "/watched"),
		    "event path \"%s\" (relative watch, relative path)",
		    p.path);
	KTAP_EXPECT(ctx, p.read_rc == 1 && !strcmp(p.value, "1"),
		    "handler read %d \"%s\"", p.read_rc, p.value);

	/* The same write again: a second event, and the same state. */
	before = p.events;
	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/watched", "1") == 0, "write");
	KTAP_EXPECT(ctx, wait_events(&p, before, WAIT_NS),
		    "no event for the duplicate write");
	KTAP_EXPECT(ctx, !strcmp(p.value, "1"), "after the duplicate: \"%s\"",
		    p.value);

	KTAP_EXPECT(ctx, xs_unwatch(id) == 0, "unwatch");
	before = p.events;
	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/watched", "2") == 0, "write");
	/* A round trip after the write: any event would be here by now. */
	KTAP_EXPECT(ctx, value_is(TEST_DIR "/watched", "2"), "read back");
	KTAP_EXPECT(ctx, !wait_events(&p, before, 300 * NSEC_PER_MSEC),
		    "%u events after unwatch", p.events - before);
	ktap_diag("xenstore: %u watch events seen, domid %d", p.events,
		  xs_domid());
}

/* Is name among the count NUL-separated names in buf? */
static bool dir_has(const char *buf, int count, const char *name)
{
	while (count-- > 0) {
		if (!strcmp(buf, name))
			return true;
		buf += strlen(buf) + 1;
	}
	return false;
}

static void xenstore_directory(struct ktap_ctx *ctx)
{
	char buf[256], abs[96];
	int n;

	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/dir/a", "1") == 0, "write a");
	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/dir/b", "2") == 0, "write b");
	n = xs_directory(TEST_DIR "/dir", buf, sizeof(buf));
	KTAP_EXPECT(ctx, n == 2, "%d entries", n);
	KTAP_EXPECT(ctx, n > 0 && dir_has(buf, n, "a") && dir_has(buf, n, "b"),
		    "a and b listed");

	/* Relative paths live under /local/domain/<domid>. */
	snprintf(abs, sizeof(abs), "/local/domain/%d/" TEST_DIR "/dir/a",
		 xs_domid());
	KTAP_EXPECT(ctx, value_is(abs, "1"), "%s is not \"1\"", abs);

	KTAP_EXPECT(ctx, xs_rm(TEST_DIR "/dir/a") == 0, "rm a");
	n = xs_directory(TEST_DIR "/dir", buf, sizeof(buf));
	KTAP_EXPECT(ctx, n == 1 && !dir_has(buf, n, "a"),
		    "after rm: %d entries", n);
	KTAP_EXPECT(ctx, xs_rm(TEST_DIR "/dir") == 0, "rm dir");
	n = xs_directory(TEST_DIR "/dir", buf, sizeof(buf));
	KTAP_EXPECT(ctx, n == -XS_E_ENOENT, "directory of a removed node: %d",
		    n);
}

static void xenstore_errors(struct ktap_ctx *ctx)
{
	char buf[4];
	int rc;

	rc = xs_read(TEST_DIR "/no-such-node", buf, sizeof(buf));
	KTAP_EXPECT(ctx, rc == -XS_E_ENOENT, "missing node: %d (%s)", rc,
		    xs_strerror(rc));
	KTAP_EXPECT(ctx, !strcmp(xs_last_error(), "ENOENT"),
		    "last error \"%s\"", xs_last_error());

	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/long", "123456") == 0, "write");
	rc = xs_read(TEST_DIR "/long", buf, sizeof(buf));
	KTAP_EXPECT(ctx, rc == -XS_E_RANGE && !strcmp(buf, "123"),
		    "short buffer: %d \"%s\"", rc, buf);
	KTAP_EXPECT(ctx, xs_rm(TEST_DIR "/long") == 0, "rm");

	KTAP_EXPECT(ctx, xs_read("", buf, sizeof(buf)) == -XS_E_ARG,
		    "empty path");
	KTAP_EXPECT(ctx, xs_unwatch(XS_MAX_WATCHES) == -XS_E_NO_WATCH,
		    "unwatch of no watch");
	/* The client still works after all that. */
	KTAP_EXPECT(ctx,
		    xs_write(TEST_DIR "/ok", "1") == 0 &&
			    value_is(TEST_DIR "/ok", "1"),
		    "client unusable after errors");
}

static void xenstore_transaction(struct ktap_ctx *ctx)
{
	xs_tx_t tx;
	char buf[16];
	int rc;

	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/tx", "old") == 0, "write");
	rc = xs_transaction_start(&tx);
	if (!KTAP_EXPECT(ctx, rc == 0, "start: %s", xs_strerror(rc)))
		return;
	KTAP_EXPECT(ctx, xs_tx_write(tx, TEST_DIR "/tx", "new") == 0, "write");
	KTAP_EXPECT(ctx, value_is(TEST_DIR "/tx", "old"),
		    "an open transaction's write is visible outside");
	KTAP_EXPECT(ctx, xs_transaction_end(tx, false) == 0, "abort");
	KTAP_EXPECT(ctx, value_is(TEST_DIR "/tx", "old"), "abort kept it");

	/* Read in the transaction, someone else writes: commit conflicts. */
	if (!KTAP_EXPECT(ctx, xs_transaction_start(&tx) == 0, "start"))
		return;
	KTAP_EXPECT(ctx, xs_tx_read(tx, TEST_DIR "/tx", buf, sizeof(buf)) == 3,
		    "read in tx");
	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/tx", "other") == 0, "write");
	KTAP_EXPECT(ctx, xs_tx_write(tx, TEST_DIR "/tx", "mine") == 0, "write");
	rc = xs_transaction_end(tx, true);
	KTAP_EXPECT(ctx, rc == -XS_E_EAGAIN, "conflicting commit: %d (%s)", rc,
		    xs_strerror(rc));
	KTAP_EXPECT(ctx, value_is(TEST_DIR "/tx", "other"),
		    "the conflicting commit changed the node");

	if (!KTAP_EXPECT(ctx, xs_transaction_start(&tx) == 0, "start"))
		return;
	KTAP_EXPECT(ctx, xs_tx_write(tx, TEST_DIR "/tx", "new") == 0, "write");
	KTAP_EXPECT(ctx, xs_transaction_end(tx, true) == 0, "commit");
	KTAP_EXPECT(ctx, value_is(TEST_DIR "/tx", "new"), "commit lost");
}

/*
 * Longer than the 1 KiB rings: the request goes out in pieces as
 * xenstored makes room, the reply comes in pieces, both wrap.
 */
static void xenstore_large_value(struct ktap_ctx *ctx)
{
	static char big[2001], back[2048];
	unsigned int i, round;
	int len;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < sizeof(big) - 1; i++)
			big[i] = 'a' + (i * 7 + round) % 26;
		big[sizeof(big) - 1] = '\0';
		len = xs_write(TEST_DIR "/big", big);
		if (!KTAP_EXPECT(ctx, len == 0, "write of %zu bytes: %s",
				 sizeof(big) - 1, xs_strerror(len)))
			return;
		len = xs_read(TEST_DIR "/big", back, sizeof(back));
		KTAP_EXPECT(ctx,
			    len == (int)sizeof(big) - 1 && !strcmp(back, big),
			    "round %u: read back %d bytes, differ", round, len);
	}
	KTAP_EXPECT(ctx, xs_rm(TEST_DIR "/big") == 0, "rm");
}

/* More events than the queue holds: coalesced, never lost entirely. */
static void xenstore_watch_overflow(struct ktap_ctx *ctx)
{
	static struct probe p = { .node = TEST_DIR "/flood" };
	char v[8];
	unsigned int i;
	int id;

	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/flood", "0") == 0, "write");
	id = xs_watch(TEST_DIR "/flood", probe_handler, &p);
	if (!KTAP_EXPECT(ctx, id >= 0, "xs_watch: %s", xs_strerror(id)))
		return;
	/* Writes without delivering: the events pile up. */
	for (i = 1; i <= 2 * XS_EVENT_QUEUE; i++) {
		snprintf(v, sizeof(v), "%u", i);
		xs_write(TEST_DIR "/flood", v);
	}
	KTAP_EXPECT(ctx, wait_events(&p, 0, WAIT_NS), "no event at all");
	/* Drain what is left, then the last read must be the last write. */
	while (wait_events(&p, p.events, 200 * NSEC_PER_MSEC))
		;
	KTAP_EXPECT(ctx, !strcmp(p.value, v), "last seen \"%s\", wrote \"%s\"",
		    p.value, v);
	KTAP_EXPECT(ctx, p.events <= 2 * XS_EVENT_QUEUE + 2,
		    "%u events for %u writes", p.events, 2 * XS_EVENT_QUEUE);
	ktap_diag("xenstore: %u writes gave %u events after coalescing",
		  2 * XS_EVENT_QUEUE, p.events);
	KTAP_EXPECT(ctx, xs_unwatch(id) == 0, "unwatch");
}

static bool xs_has_reset_watches(void)
{
	char buf[4];

	return xs_read("control/platform-feature-xs_reset_watches", buf,
		       sizeof(buf)) > 0 &&
	       buf[0] == '1';
}

/*
 * The hooks around a suspend, on the real xenstored: a cancel keeps the
 * watches standing; a resume after xenstored forgot them (as a new
 * domain's connection does) registers them again, and they fire.
 */
static void xenstore_suspend_hooks(struct ktap_ctx *ctx)
{
	static struct probe p = { .node = TEST_DIR "/hooked" };
	char buf[8];
	unsigned int before;
	int id, rc;

	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/hooked", "0") == 0, "write");
	id = xs_watch(TEST_DIR "/hooked", probe_handler, &p);
	if (!KTAP_EXPECT(ctx, id >= 0, "xs_watch: %s", xs_strerror(id)))
		return;
	wait_events(&p, 0, WAIT_NS);

	rc = xs_suspend();
	if (!KTAP_EXPECT(ctx, rc == 0, "xs_suspend: %s", xs_strerror(rc)))
		return;
	rc = xs_read(TEST_DIR "/hooked", buf, sizeof(buf));
	KTAP_EXPECT(ctx, rc == -XS_E_SUSPENDED, "request while suspended: %d",
		    rc);
	KTAP_EXPECT(ctx, xs_poll_watches() == 0, "events while suspended");
	xs_suspend_cancel();
	before = p.events;
	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/hooked", "cancel") == 0, "write");
	KTAP_EXPECT(ctx, wait_events(&p, before, WAIT_NS),
		    "the watch is gone after a cancel");

	if (!xs_has_reset_watches()) {
		ktap_skip(ctx, "xenstored has no XS_RESET_WATCHES");
		goto out;
	}
	KTAP_EXPECT(ctx, xs_reset_watches() == 0, "XS_RESET_WATCHES");
	before = p.events;
	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/hooked", "forgot") == 0, "write");
	KTAP_EXPECT(ctx, value_is(TEST_DIR "/hooked", "forgot"), "read back");
	KTAP_EXPECT(ctx, !wait_events(&p, before, 300 * NSEC_PER_MSEC),
		    "xenstored still has the watch");

	rc = xs_suspend();
	KTAP_EXPECT(ctx, rc == 0, "xs_suspend: %s", xs_strerror(rc));
	rc = xs_resume();
	KTAP_EXPECT(ctx, rc == 0, "xs_resume: %s", xs_strerror(rc));
	KTAP_EXPECT(ctx, wait_events(&p, before, WAIT_NS),
		    "no event from the re-registration");
	before = p.events;
	KTAP_EXPECT(ctx, xs_write(TEST_DIR "/hooked", "resumed") == 0, "write");
	KTAP_EXPECT(ctx, wait_events(&p, before, WAIT_NS),
		    "the watch does not fire after xs_resume");
	KTAP_EXPECT(ctx, !strcmp(p.value, "resumed"), "handler read \"%s\"",
		    p.value);
out:
	KTAP_EXPECT(ctx, xs_unwatch(id) == 0, "unwatch");
}

/* Pump control/shutdown handling until the error node names value. */
static bool wait_error_report(const char *value)
{
	uint64_t deadline = time_now_ns() + WAIT_NS;
	char buf[160];
	char want[48];

	snprintf(want, sizeof(want), "'%s'", value);
	for (;;) {
		control_poll();
		if (xs_read(XS_ERROR_PATH, buf, sizeof(buf)) >= 0) {
			const char *p;

			for (p = buf; *p; p++)
				if (!strncmp(p, want, strlen(want)))
					return true;
		}
		if (time_now_ns() > deadline)
			return false;
		time_delay_ns(5 * NSEC_PER_MSEC);
	}
}

static void control_unknown_value_ignored(struct ktap_ctx *ctx)
{
	unsigned int acked, ignored;
	int rc;

	/* Keep the guest's own ops if it set them; none is needed here. */
	rc = control_watching() ? 0 : control_init(NULL);
	if (!KTAP_EXPECT(ctx, rc == 0, "control_init: %s", xs_strerror(rc)))
		return;
	acked = control_state()->acked;
	ignored = control_state()->ignored;
	xs_rm(XS_ERROR_PATH);
	KTAP_EXPECT(ctx, xs_write(CONTROL_SHUTDOWN_PATH, "pvsr-bogus") == 0,
		    "the guest may write its control/shutdown");
	KTAP_EXPECT(ctx, wait_error_report("pvsr-bogus"), "no report in %s",
		    XS_ERROR_PATH);
	KTAP_EXPECT(ctx, value_is(CONTROL_SHUTDOWN_PATH, "pvsr-bogus"),
		    "an unknown value was cleared");
	KTAP_EXPECT(ctx, control_state()->acked == acked, "acknowledged");
	KTAP_EXPECT(ctx, control_state()->ignored > ignored, "not counted");
	/* Leave the node as xl expects it: empty. */
	KTAP_EXPECT(ctx, xs_write(CONTROL_SHUTDOWN_PATH, "") == 0, "clear");
	control_poll();
	xs_rm(XS_ERROR_PATH);
}

const struct ktap_case xenstore_cases[] = {
	{ "xenstore_rw_watch", xenstore_rw_watch },
	{ "xenstore_directory", xenstore_directory },
	{ "xenstore_errors", xenstore_errors },
	{ "xenstore_transaction", xenstore_transaction },
	{ "xenstore_large_value", xenstore_large_value },
	{ "xenstore_watch_overflow", xenstore_watch_overflow },
	{ "xenstore_suspend_hooks", xenstore_suspend_hooks },
	{ "control_unknown_value_ignored", control_unknown_value_ignored },
	{ NULL, NULL }
};
