// SPDX-License-Identifier: GPL-2.0
/*
 * control/shutdown for the test guest: see control.h. kernel/control.c
 * decides; this file reads and clears the node and acts.
 */
#include "test-guest/guest.h"
#include "test-guest/control.h"
#include "test-guest/xenstore.h"
#include "test-guest/suspend_channel.h"
#include "hypercall/hypercall.h"

/* A commit that keeps losing to other writers is retried next poll. */
#define CONTROL_TX_RETRIES 8
/* Enough to show what an unknown value was; longer ones are cut. */
#define CONTROL_VALUE_MAX 64

/* One read of the node, and what was decided about it. */
struct control_take {
	char value[CONTROL_VALUE_MAX];
	size_t len;
	bool truncated;
	enum pvsr_control_request req;
	int decision; /* pvsr_control_decide(): 0 or -PVSR_E_* */
	bool unsupported; /* a request this guest cannot carry out */
	bool cleared; /* the clear was committed: acknowledged */
};

static const struct control_ops *control_ops;
static struct pvsr_control control;
static int watch_id = -1;
static bool recheck; /* read the node again at the next poll */
static bool in_check;
/* The unknown value reported last, so a duplicate event stays quiet. */
static char last_ignored[CONTROL_VALUE_MAX];
static unsigned int refused_during_suspend;
/* Where the request being served came from (control_request_via()). */
static const char *request_via = "none";

static bool can_do(enum pvsr_control_request req)
{
	return req != PVSR_CONTROL_SUSPEND ||
	       (control_ops && control_ops->on_suspend);
}

/* Read the node in tx (a missing node is an empty one). */
static int read_node(xs_tx_t tx, struct control_take *t)
{
	int len = xs_tx_read(tx, CONTROL_SHUTDOWN_PATH, t->value,
			     sizeof(t->value));

	t->truncated = len == -XS_E_RANGE;
	if (len == -XS_E_ENOENT) {
		t->value[0] = '\0';
		len = 0;
	} else if (t->truncated) {
		/* Longer than any request: decide() rejects it by length. */
		len = sizeof(t->value);
	} else if (len < 0) {
		return len;
	}
	t->len = len;
	return 0;
}

/*
 * One transaction: read, decide, clear if the request is taken on.
 * Returns 0 or a -XS_E_* (-XS_E_EAGAIN: another writer got in, redo).
 */
static int take_once(struct control_take *t)
{
	bool clear;
	xs_tx_t tx;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = xs_transaction_start(&tx);
	if (rc)
		return rc;
	rc = read_node(tx, t);
	if (rc)
		goto abort;
	t->decision = pvsr_control_decide(&control, t->value, t->len, &t->req,
					  &clear);
	t->unsupported = !t->decision && clear && !can_do(t->req);
	if (t->decision || !clear || t->unsupported)
		goto abort;
	rc = xs_tx_write(tx, CONTROL_SHUTDOWN_PATH, "");
	if (rc)
		goto abort;
	rc = xs_transaction_end(tx, true);
	t->cleared = !rc;
	return rc;
abort:
	xs_transaction_end(tx, false);
	return rc;
}

/* Console and xenstore may not like every byte: show the rest as '?'. */
static void printable(char *dst, const char *src, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f && src[i] != '\'') ?
				 src[i] :
				 '?';
	dst[i] = '\0';
}

static const char *unknown_reason(const struct control_take *t)
{
	if (t->truncated || t->len > PVSR_CONTROL_MAX_LEN)
		return "too long for a request";
	if (strnlen(t->value, t->len) != t->len)
		return "contains a NUL byte";
	return "not one of suspend, poweroff, halt, reboot";
}

/* Console line and data/pvsr/error; the guest carries on. */
static void report(const char *what, const char *value, const char *reason)
{
	char msg[160];

	console_printf("# control/shutdown: %s '%s'\n", what, value);
	snprintf(msg, sizeof(msg), "control/shutdown: %s '%s': %s", what, value,
		 reason);
	if (xs_write(XS_ERROR_PATH, msg))
		console_printf("# control/shutdown: could not write %s\n",
			       XS_ERROR_PATH);
}

static void ignore_unknown(const struct control_take *t)
{
	char shown[CONTROL_VALUE_MAX];

	printable(shown, t->value, sizeof(shown));
	if (!strcmp(shown, last_ignored))
		return;
	memcpy(last_ignored, shown, sizeof(last_ignored));
	report("ignoring unknown value", shown, unknown_reason(t));
}

static void finish(void)
{
	if (control_ops && control_ops->final_report)
		control_ops->final_report();
}

static void act(enum pvsr_control_request req)
{
	console_printf("# control/shutdown: %s\n", pvsr_control_name(req));
	switch (req) {
	case PVSR_CONTROL_POWEROFF:
	case PVSR_CONTROL_HALT:
		finish();
		guest_poweroff();
	case PVSR_CONTROL_REBOOT:
		finish();
		console_flush();
		pvsr_hyp_sched_shutdown(SHUTDOWN_reboot);
		panic("SCHEDOP_shutdown(reboot) returned");
	case PVSR_CONTROL_SUSPEND:
		control_ops->on_suspend();
		return;
	default:
		panic("control/shutdown: acknowledged request %d", req);
	}
}

/* A request this guest will not carry out, or may not yet. */
static void refuse(const struct control_take *t)
{
	if (t->decision == -PVSR_E_INVAL) {
		ignore_unknown(t);
		return;
	}
	last_ignored[0] = '\0';
	if (t->decision == -PVSR_E_BUSY)
		console_printf(
			"# control/shutdown: '%s' while '%s' runs: later\n",
			pvsr_control_name(t->req),
			pvsr_control_name(control.active));
	else if (t->unsupported)
		report("ignoring", pvsr_control_name(t->req),
		       "this guest registered no suspend handler");
}

/* The node changed (or may have): read it and do what it asks. */
static void control_check(void)
{
	struct control_take t;
	unsigned int attempt;
	int rc;

	for (attempt = 0; attempt < CONTROL_TX_RETRIES; attempt++) {
		rc = take_once(&t);
		if (rc != -XS_E_EAGAIN)
			break;
	}
	if (rc) {
		console_printf(
			"# control/shutdown: not handled this time: %s\n",
			xs_strerror(rc));
		/* Lost to writers: look again. Else the next event will. */
		recheck = rc == -XS_E_EAGAIN;
		return;
	}
	if (!t.cleared) {
		refuse(&t);
		return;
	}
	last_ignored[0] = '\0';
	/* decide() said not busy and nothing ran since: must succeed. */
	if (pvsr_control_ack(&control, t.req))
		panic("control/shutdown: '%s' cleared but not acknowledged",
		      pvsr_control_name(t.req));
	request_via = "xenstore";
	act(t.req);
}

/*
 * A suspend request on the suspend event channel: the same state machine
 * as control/shutdown's, so either path refuses while the other runs.
 */
static void serve_channel_request(void)
{
	if (!control_ops || !control_ops->on_suspend) {
		console_printf(
			"# suspend event channel: request, but this guest registered no suspend handler\n");
		return;
	}
	if (pvsr_control_ack(&control, PVSR_CONTROL_SUSPEND)) {
		console_printf(
			"# suspend event channel: request while '%s' runs: ignored\n",
			pvsr_control_name(control.active));
		return;
	}
	request_via = "evtchn";
	act(PVSR_CONTROL_SUSPEND);
}

/* Re-entry (a suspend that polls) only asks for another look. */
static void control_check_once(void)
{
	if (in_check) {
		recheck = true;
		return;
	}
	in_check = true;
	recheck = false;
	control_check();
	in_check = false;
}

static void on_shutdown_event(const char *path, void *data)
{
	(void)path;
	(void)data;
	control_check_once();
}

int control_init(const struct control_ops *ops)
{
	int rc;

	control_ops = ops;
	if (watch_id >= 0)
		return 0;
	pvsr_control_init(&control);
	rc = xs_watch(CONTROL_SHUTDOWN_PATH, on_shutdown_event, NULL);
	if (rc < 0) {
		console_printf("# control/shutdown: cannot watch it: %s\n",
			       xs_strerror(rc));
		return rc;
	}
	watch_id = rc;
	return 0;
}

void control_poll(void)
{
	if (suspend_channel_take_request())
		serve_channel_request();
	xs_poll_watches();
	if (recheck && watch_id >= 0 && !pvsr_control_busy(&control))
		control_check_once();
}

/*
 * Right after the suspend hypercall came back, before anyone could have
 * seen this guest run again: a "suspend" in the node now was written
 * while the guest was suspending, i.e. a second request during a suspend.
 * Carrying it out later would suspend a guest nobody is saving (it would
 * stay suspended for good), so it is refused and cleared, with an error
 * in data/pvsr/error. Any other request stays and is served afterwards.
 * A new domain starts with an empty node: nothing to do there.
 */
void control_after_suspend(void)
{
	char value[CONTROL_VALUE_MAX];
	int len = xs_read(CONTROL_SHUTDOWN_PATH, value, sizeof(value));

	if (len < 0 || strcmp(value, pvsr_control_name(PVSR_CONTROL_SUSPEND)))
		return;
	refused_during_suspend++;
	if (xs_write(CONTROL_SHUTDOWN_PATH, ""))
		console_printf("# control/shutdown: could not clear it\n");
	report("refused", "suspend",
	       "a second suspend request arrived during a suspend");
}

unsigned int control_refused_during_suspend(void)
{
	return refused_during_suspend;
}

void control_done(void)
{
	pvsr_control_done(&control);
	/* A request refused as busy is still in the node. */
	recheck = true;
}

const char *control_request_via(void)
{
	return request_via;
}

bool control_watching(void)
{
	return watch_id >= 0;
}

const struct pvsr_control *control_state(void)
{
	return &control;
}
