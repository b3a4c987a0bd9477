/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guest's control/shutdown handling: a xenstore watch on the
 * node, pvsr's decision (kernel/control.h) on what it holds, and the
 * action. Everything runs on vCPU 0, from control_poll() in its main
 * loop (one watch thread, as kernel/control.h wants).
 *
 * A request is read and, if taken on, cleared in one xenstore
 * transaction (redone on EAGAIN), so it is acknowledged exactly once even
 * when the watch fires twice. Then:
 *   "poweroff", "halt"  ops->final_report(), then SHUTDOWN_poweroff;
 *   "reboot"            ops->final_report(), then SHUTDOWN_reboot;
 *   "suspend"           ops->on_suspend(), which runs the suspend and
 *                       calls control_done() when it is over. Without an
 *                       on_suspend the request is not taken on: reported
 *                       and left in the node (xl gives up on its own);
 *   anything else       "# control/shutdown: ignoring unknown value '...'"
 *                       on the console and the value and reason in
 *                       data/pvsr/error; not cleared; the guest runs on;
 *   a request while one is active: left in the node and read again
 *                       after control_done().
 */
#ifndef PVSR_TEST_GUEST_CONTROL_H
#define PVSR_TEST_GUEST_CONTROL_H

#include "kernel/control.h"

#define CONTROL_SHUTDOWN_PATH "control/shutdown"

struct control_ops {
	/* Print the final KTAP summary before powering off (may be NULL). */
	void (*final_report)(void);
	/* Run a suspend; call control_done() after it (may be NULL). */
	void (*on_suspend)(void);
};

/*
 * Watch control/shutdown. May be called again to replace ops (the watch
 * stays). ops may be NULL: no report, no suspend. Returns 0 or the
 * -XS_E_* of the failed xs_watch().
 */
int control_init(const struct control_ops *ops);
/* Deliver xenstore watch events and act on requests (vCPU 0's loop). */
void control_poll(void);
/* The active request is over (resumed or cancelled): accept the next. */
/*
 * Right after pvsr_suspend() returns: refuse (clear, report) a suspend
 * request written during the suspend; count them.
 */
void control_after_suspend(void);
unsigned int control_refused_during_suspend(void);
void control_done(void);
/* Whether control_init() has set up the watch. */
bool control_watching(void);
/* "xenstore" or "evtchn": where the request being served came from. */
const char *control_request_via(void);
/* Counters and the active request, for tests and reports. */
const struct pvsr_control *control_state(void);

#endif /* PVSR_TEST_GUEST_CONTROL_H */
