// SPDX-License-Identifier: GPL-2.0
/* The suspend event channel: see suspend_channel.h. */
#include "test-guest/suspend_channel.h"
#include "test-guest/guest.h"
#include "test-guest/events.h"
#include "test-guest/xenstore.h"
#include "test-guest/suspend.h"

/* The registry's id of our one unbound port. */
#define SUSPEND_CHANNEL_ID 0
/* libxl, the one that binds to it, runs in dom0. */
#define SUSPEND_CHANNEL_REMOTE 0

static bool active;
static bool pending; /* set by the event, taken by the main loop */
static unsigned int requests;

/* Event context: only note it; the main loop does the rest. */
static void on_event(evtchn_port_t port, void *data)
{
	(void)port;
	(void)data;
	__atomic_add_fetch(&requests, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&pending, true, __ATOMIC_RELEASE);
}

static int current_port(void)
{
	return pvsr_evtchn_port_of(&guest_evtchns, PVSR_EVTCHN_UNBOUND, 0,
				   SUSPEND_CHANNEL_ID);
}

static int publish_port(void)
{
	char value[16];
	int port = current_port();
	int rc;

	if (port < 0) {
		console_printf("# suspend event channel: no port to publish\n");
		return -1;
	}
	snprintf(value, sizeof(value), "%d", port);
	rc = xs_write(SUSPEND_CHANNEL_PATH, value);
	if (rc) {
		console_printf(
			"# suspend event channel: writing %s=%s failed: %s\n",
			SUSPEND_CHANNEL_PATH, value, xs_strerror(rc));
		return -1;
	}
	console_printf("# suspend event channel: port %d in %s\n", port,
		       SUSPEND_CHANNEL_PATH);
	return 0;
}

/*
 * Events on again after a real resume: the registry gave the channel a
 * new port in the new domain, and the toolstack must learn it before it
 * next asks for a suspend (until then it falls back to control/shutdown).
 */
static void republish(void *data, enum pvsr_resume_kind kind)
{
	(void)data;
	if (kind == PVSR_RESUME_NEW_DOMAIN)
		publish_port();
}

static const struct pvsr_hook suspend_channel_hook = {
	.name = "suspend-channel",
	.complete = republish,
};

int suspend_channel_init(void)
{
	struct pvsr_error_detail d = { 0 };
	int rc;

	if (!cmdline_get_ulong("pvsr.suspend_evtchn", 1)) {
		console_printf(
			"# suspend event channel: off (pvsr.suspend_evtchn=0): suspend requests come through control/shutdown\n");
		return 0;
	}
	rc = pvsr_evtchn_alloc_unbound(&guest_evtchns, SUSPEND_CHANNEL_ID,
				       SUSPEND_CHANNEL_REMOTE, on_event, NULL,
				       &d);
	if (rc < 0) {
		console_printf(
			"# suspend event channel: %s: hypercall %d/%d, Xen %ld\n",
			pvsr_strerror(-rc), d.hypercall, d.subop, d.xen_errno);
		return -1;
	}
	rc = pvsr_hook_register(&guest_pvsr, &suspend_channel_hook);
	if (rc) {
		console_printf("# suspend event channel: hook: %s\n",
			       pvsr_strerror(-rc));
		return -1;
	}
	if (publish_port())
		return -1;
	active = true;
	return 0;
}

bool suspend_channel_active(void)
{
	return active;
}

bool suspend_channel_take_request(void)
{
	return __atomic_exchange_n(&pending, false, __ATOMIC_ACQ_REL);
}

void suspend_channel_defer_request(void)
{
	__atomic_store_n(&pending, true, __ATOMIC_RELEASE);
}

unsigned int suspend_channel_requests(void)
{
	return __atomic_load_n(&requests, __ATOMIC_RELAXED);
}
