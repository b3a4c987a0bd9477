/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guest's xenstore client: one shared ring page (start_info's
 * store_mfn) and one event channel (store_evtchn) to xenstored in dom0,
 * speaking the wire format of <xenpub/io/xs_wire.h>.
 *
 * One request is in flight at a time (a lock; requests are meant to come
 * from vCPU 0's thread context, never from an event handler). A caller
 * waits for its reply with SCHEDOP_poll on the store port, bounded by
 * XS_TIMEOUT_NS: a dead xenstored is an error, never a hang. The store
 * port is kept masked and only polled, so no event handler and no upcall
 * ever touches it: its pending bit is ours alone.
 *
 * Paths that do not start with '/' are relative to the domain's home,
 * /local/domain/<domid>; xenstored resolves them, and reports watch
 * events of relative watches with relative paths.
 *
 * Watch events may arrive between a request and its reply. They are
 * queued (fixed size, no allocator) and handed to the watch's handler
 * only from xs_poll_watches(), outside the lock, so a handler may issue
 * requests. Handlers must tolerate duplicate and coalesced events: a
 * watch fires once when registered, again after every re-registration
 * (xs_resume()), and when the queue overflows the lost events of a watch
 * become one event for the watched path itself. A handler re-reads the
 * state it cares about instead of trusting the event's path.
 */
#ifndef PVSR_TEST_GUEST_XENSTORE_H
#define PVSR_TEST_GUEST_XENSTORE_H

#include "test-guest/lib.h"
#include "kernel/pvsr.h"

/*
 * Every failure is a distinct negative value, -XS_E_*, with a console
 * diagnostic ("# xenstore: ..."). Values from XS_E_ENOENT on are the
 * errors xenstored itself sent (an XS_ERROR reply with that name);
 * xs_last_error() has the string of the latest one.
 */
enum xs_error {
	XS_OK = 0,
	XS_E_NOT_READY = 1, /* xs_init() not run or failed: no ring */
	XS_E_SUSPENDED, /* between xs_suspend() and resume/cancel */
	XS_E_BUSY, /* the lock stayed taken (another vCPU) */
	XS_E_ARG, /* NULL/empty path, NUL in a value, bad id */
	XS_E_TOOBIG, /* request over XENSTORE_PAYLOAD_MAX */
	XS_E_TIMEOUT, /* no reply (or no ring space) in time */
	XS_E_RING, /* ring indices out of range, server error */
	XS_E_PROTO, /* malformed reply (type, length, no NUL) */
	XS_E_RANGE, /* reply longer than the caller's buffer */
	XS_E_WATCH_FULL, /* all XS_MAX_WATCHES slots in use */
	XS_E_NO_WATCH, /* unwatch of a watch not registered */
	XS_E_BAD_MFN, /* start_info's store_mfn is not our frame */
	/* XS_ERROR replies: */
	XS_E_ENOENT = 32,
	XS_E_EACCES,
	XS_E_EEXIST,
	XS_E_EISDIR,
	XS_E_EINVAL,
	XS_E_ENOMEM,
	XS_E_ENOSPC,
	XS_E_EIO,
	XS_E_ENOTEMPTY,
	XS_E_ENOSYS,
	XS_E_EROFS,
	XS_E_EBUSY,
	XS_E_EAGAIN, /* transaction conflict: retry it */
	XS_E_EISCONN,
	XS_E_E2BIG,
	XS_E_EPERM,
	XS_E_EQUOTA,
	XS_E_OTHER, /* an XS_ERROR string not listed above */
	XS_E_COUNT
};

/* A reply must come within this (guest time); nested TCG is slow. */
#define XS_TIMEOUT_NS (20ULL * 1000 * 1000 * 1000)
#define XS_MAX_WATCHES 8
/* Watch events waiting for xs_poll_watches(); more are coalesced. */
#define XS_EVENT_QUEUE 16
/* Longest event path kept; a longer one is delivered as the watch path. */
#define XS_EVENT_PATH_MAX 128
/* Longest watched path. */
#define XS_WATCH_PATH_MAX 96

/* A transaction id; XS_NO_TX outside a transaction. */
typedef uint32_t xs_tx_t;
#define XS_NO_TX ((xs_tx_t)0)

const char *xs_strerror(int err); /* takes -XS_E_* or XS_E_* */
const char *xs_last_error(void); /* latest XS_ERROR string, or "" */

/*
 * Find the ring and port in start_info, mask the port, check the ring,
 * learn our domid. Once at boot, after shared_info and vCPU 0's
 * vcpu_info are set up. Returns 0 or -XS_E_BAD_MFN / -XS_E_RING /
 * -XS_E_TIMEOUT...; on failure every request returns -XS_E_NOT_READY.
 */
int xs_init(void);
/* Our domain id (from the "domid" node), or -1 if xs_init() failed. */
int xs_domid(void);
/* The store event channel, e.g. for a main loop's SCHEDOP_poll. */
evtchn_port_t xs_port(void);

/*
 * Read path into buf (NUL-terminated). Returns the value's length, or
 * -XS_E_RANGE with a truncated, NUL-terminated prefix in buf.
 */
int xs_tx_read(xs_tx_t tx, const char *path, char *buf, size_t size);
/* Write value (a string; "" is allowed) to path, creating it. */
int xs_tx_write(xs_tx_t tx, const char *path, const char *value);
/* Remove path and its children. */
int xs_tx_rm(xs_tx_t tx, const char *path);
/*
 * The names of path's children, each NUL-terminated, back to back in buf.
 * Returns how many (0 for none), or -XS_E_RANGE if they do not fit.
 */
int xs_tx_directory(xs_tx_t tx, const char *path, char *buf, size_t size);

static inline int xs_read(const char *path, char *buf, size_t size)
{
	return xs_tx_read(XS_NO_TX, path, buf, size);
}

static inline int xs_write(const char *path, const char *value)
{
	return xs_tx_write(XS_NO_TX, path, value);
}

static inline int xs_rm(const char *path)
{
	return xs_tx_rm(XS_NO_TX, path);
}

static inline int xs_directory(const char *path, char *buf, size_t size)
{
	return xs_tx_directory(XS_NO_TX, path, buf, size);
}

/*
 * Transactions: xs_transaction_end() with commit returns -XS_E_EAGAIN
 * when another writer got in between; the caller redoes the whole
 * transaction. Abort (commit false) discards the writes.
 */
int xs_transaction_start(xs_tx_t *tx);
int xs_transaction_end(xs_tx_t tx, bool commit);

/* path is the event's path (see the top comment about duplicates). */
typedef void (*xs_watch_fn)(const char *path, void *data);

/*
 * Watch path (and its children). Returns a watch id >= 0 for
 * xs_unwatch(), or -XS_E_WATCH_FULL, -XS_E_ARG (path longer than
 * XS_WATCH_PATH_MAX) or a request error. The watch fires once at once.
 */
int xs_watch(const char *path, xs_watch_fn fn, void *data);
/* Stop the watch; its queued events are dropped. */
int xs_unwatch(int id);
/*
 * Read what is waiting on the ring and hand queued watch events to their
 * handlers, on the caller's vCPU, outside the lock. Call it from vCPU 0's
 * main loop. Returns the number of events delivered.
 */
unsigned int xs_poll_watches(void);

/*
 * Make xenstored forget every watch (and transaction) of ours, as a new
 * domain's connection would, while the client keeps its table: what
 * xs_resume() must then cope with. For tests; needs xenstored's
 * XS_RESET_WATCHES (the toolstack writes
 * control/platform-feature-xs_reset_watches = 1 when it has it).
 */
int xs_reset_watches(void);

/*
 * Suspend hooks, for the suspend orchestrator (all on vCPU 0):
 *
 * xs_suspend(): before the suspend hypercall. Waits (bounded) until no
 *   request is in flight and keeps the lock, so none starts; requests
 *   return -XS_E_SUSPENDED until one of the two below. Returns 0 or
 *   -XS_E_BUSY / -XS_E_NOT_READY (then nothing changed: back out).
 *
 * xs_resume(): after a resume into a NEW domain (hypercall returned 0),
 *   once start_info holds the new store MFN and port again (the
 *   toolstack rewrote them; arch post-suspend has run). Takes the ring
 *   and port from start_info again, starts from what the new ring says
 *   (drops unread replies and any half-read message: they belonged to
 *   the old connection), drops queued events, and re-registers every
 *   watch (each fires once). Returns 0, or the first error (the others
 *   are still tried; the client works unless it is -XS_E_BAD_MFN).
 *
 * xs_suspend_cancel(): after a cancelled suspend (hypercall returned 1)
 *   or a back-out before the hypercall: same domain, same ring, same
 *   port, and the watches still stand in xenstored, so nothing is
 *   re-registered (XS_WATCH again would fail with EEXIST). Releases what
 *   xs_suspend() took.
 */
int xs_suspend(void);
int xs_resume(void);
void xs_suspend_cancel(void);

/*
 * The three above as one pvsr hook ("xenstore"): suspend = xs_suspend();
 * resume with PVSR_RESUME_NEW_DOMAIN = xs_resume(), with CANCELLED or
 * BACKOUT = xs_suspend_cancel(). Register it after pvsr_init():
 * pvsr_hook_register(&guest_pvsr, &xs_pvsr_hook). A refusal reaches the
 * report as PVSR_E_HOOK with the -XS_E_* in xen_errno.
 */
extern const struct pvsr_hook xs_pvsr_hook;

/*
 * pvsr's own nodes under the domain's home:
 *   data/pvsr/state      what the guest reports ("ready", "resumed <k>",
 *                        "failed"), written by xs_publish_state();
 *   data/pvsr/heartbeat  a counter, bumped by xs_heartbeat() at most
 *                        every XS_HEARTBEAT_NS however often it is called;
 *   data/pvsr/error      the latest problem the guest reported.
 */
#define XS_STATE_PATH "data/pvsr/state"
#define XS_HEARTBEAT_PATH "data/pvsr/heartbeat"
#define XS_ERROR_PATH "data/pvsr/error"
#define XS_HEARTBEAT_NS (500ULL * 1000 * 1000)

int xs_publish_state(const char *state);
/* From vCPU 0's main loop; rate-limited. Returns 0 or a request error. */
int xs_heartbeat(void);

#endif /* PVSR_TEST_GUEST_XENSTORE_H */
