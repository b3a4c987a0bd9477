/* SPDX-License-Identifier: GPL-2.0 */
/*
 * control/shutdown: the toolstack's requests to the guest.
 *
 * xl writes "suspend" (save, checkpoint, migrate), "poweroff", "halt" or
 * "reboot" to the domain's control/shutdown node and waits for the guest
 * to acknowledge by clearing it. The guest clears it exactly once per
 * request it takes on, and leaves alone what it does not take on:
 *
 *  - an unknown or malformed value is reported and ignored (not cleared);
 *  - an empty node is no request (our own clear fires the watch again,
 *    and watches may fire more than once for one write);
 *  - while a suspend runs, a new request is refused with -PVSR_E_BUSY and
 *    left in the node; after pvsr_control_done() the caller reads the
 *    node again and handles it then.
 *
 * The decision (pvsr_control_decide) changes nothing, so it can be
 * retried with the xenstore transaction that reads and clears the node;
 * only once the clear is committed does pvsr_control_ack() take the
 * request on. The caller serialises calls (one watch thread).
 */
#ifndef PVSR_KERNEL_CONTROL_H
#define PVSR_KERNEL_CONTROL_H

#include "kernel/pvsr.h"

/* Longer values are rejected unread: the longest request is 8 bytes. */
#define PVSR_CONTROL_MAX_LEN 16

enum pvsr_control_request {
	PVSR_CONTROL_NONE = 0, /* empty node */
	PVSR_CONTROL_SUSPEND,
	PVSR_CONTROL_POWEROFF,
	PVSR_CONTROL_HALT,
	PVSR_CONTROL_REBOOT,
	PVSR_CONTROL_COUNT
};

struct pvsr_control {
	/* The request taken on and not finished yet, or NONE. */
	enum pvsr_control_request active;
	unsigned int acked; /* requests taken on so far */
	unsigned int refused; /* requests refused as busy */
	unsigned int ignored; /* malformed values seen */
};

void pvsr_control_init(struct pvsr_control *ctl);

/*
 * Parse len bytes (no terminator needed; a NUL inside is malformed).
 * Returns 0 with *req set, or -PVSR_E_INVAL (unknown value, NUL inside,
 * longer than PVSR_CONTROL_MAX_LEN) with *req = PVSR_CONTROL_NONE.
 */
int pvsr_control_parse(const char *value, size_t len,
		       enum pvsr_control_request *req);

/*
 * What to do with a value read from control/shutdown. Sets *req and
 * *clear (whether the node must be cleared as the acknowledgement) and
 * returns 0, -PVSR_E_INVAL (malformed: do not clear) or -PVSR_E_BUSY (a
 * request is active: do not clear, read the node again when it is done).
 * Changes nothing but the statistics of ctl.
 */
int pvsr_control_decide(struct pvsr_control *ctl, const char *value, size_t len,
			enum pvsr_control_request *req, bool *clear);

/*
 * The node was cleared for req: take it on. Returns 0 the first time;
 * -PVSR_E_BUSY if a request is already active (acknowledging twice),
 * -PVSR_E_INVAL for NONE or an unknown request.
 */
int pvsr_control_ack(struct pvsr_control *ctl, enum pvsr_control_request req);

/* The active request finished (resumed, or cancelled): accept again. */
void pvsr_control_done(struct pvsr_control *ctl);

bool pvsr_control_busy(const struct pvsr_control *ctl);

/* The node value for req ("" for NONE, "?" if unknown). */
const char *pvsr_control_name(enum pvsr_control_request req);

#endif /* PVSR_KERNEL_CONTROL_H */
