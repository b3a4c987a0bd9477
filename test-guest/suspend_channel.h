/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The suspend event channel (Xen's docs/misc/xenstore-paths:
 * ~/device/suspend/event-channel): a port left unbound for dom0 whose
 * number the guest writes to that key. libxl reads it at the start of
 * each save or migration, binds to it and notifies it instead of writing
 * "suspend" to control/shutdown, saving a xenstore round trip each way.
 *
 * The port stays open across a cancelled suspend (same domain, same
 * port); after a real resume it is allocated again by the registry and
 * the new number written to the key. control/shutdown stays the fallback
 * and carries every other request. pvsr.suspend_evtchn=0 turns it off.
 */
#ifndef PVSR_TEST_GUEST_SUSPEND_CHANNEL_H
#define PVSR_TEST_GUEST_SUSPEND_CHANNEL_H

#include "kernel/pvsr.h"

#define SUSPEND_CHANNEL_PATH "device/suspend/event-channel"

/*
 * Allocate the port, publish it, register the hook that publishes it
 * again after a real resume. Returns 0 (also when turned off) or -1 after
 * printing which step failed and why; the guest then runs on with
 * control/shutdown alone (the harness notices the xenstore requests).
 */
int suspend_channel_init(void);
/* True if it is in use (not turned off, and set up). */
bool suspend_channel_active(void);
/* A request arrived since the last call (consumes it). Main loop only. */
bool suspend_channel_take_request(void);
/* Keep a request taken too early for the next call. */
void suspend_channel_defer_request(void);
/* Requests that arrived on the channel so far. */
unsigned int suspend_channel_requests(void);

#endif /* PVSR_TEST_GUEST_SUSPEND_CHANNEL_H */
