// SPDX-License-Identifier: GPL-2.0
/*
 * xenstore client of the test guest: see xenstore.h for the contract.
 *
 * The ring page holds two byte rings with free-running 32-bit indices;
 * a message (struct xsd_sockmsg header + len bytes) may wrap around the
 * end of a ring and may be only partly there when we look, so the reader
 * keeps its progress (rx) across calls and a half-read message survives
 * until the rest arrives. Replies carry our req_id back; one that does
 * not match the request in flight is the late answer to a request that
 * timed out, and is dropped.
 */
#include "test-guest/guest.h"
#include "test-guest/time.h"
#include "test-guest/xenstore.h"
#include "hypercall/hypercall.h"

/* A lost wakeup costs at most this much; normally the poll ends early. */
#define XS_POLL_STEP_NS (100ULL * 1000 * 1000)

struct xs_iov {
	const char *base;
	size_t len;
};

struct xs_watch_slot {
	bool used;
	bool missed; /* events lost to a full queue */
	uint32_t gen; /* makes the token of a reused slot new */
	char path[XS_WATCH_PATH_MAX + 1];
	char token[24];
	xs_watch_fn fn;
	void *data;
};

struct xs_event {
	unsigned int slot;
	uint32_t gen;
	char path[XS_EVENT_PATH_MAX];
};

static struct {
	struct xenstore_domain_interface *intf;
	evtchn_port_t port;
	int domid;
	bool ready;
	bool suspended;
	uint32_t next_req_id;
	uint32_t wait_req_id; /* the request in flight, or 0 */
	char last_error[16];
} xs = { .domid = -1 };

/* Owner vCPU + 1, or 0. */
static unsigned int xs_lock_owner;

/* The message being read off the response ring. */
static struct {
	struct xsd_sockmsg hdr;
	unsigned int hdr_got;
	unsigned int body_got;
	char body[XENSTORE_PAYLOAD_MAX + 1];
} rx;

static struct xs_watch_slot watches[XS_MAX_WATCHES];
static struct xs_event evq[XS_EVENT_QUEUE];
static unsigned int evq_head, evq_len;
static unsigned int stray_events;

/* -------------------------------------------------------------------- */
/* Errors */

static const char *const xsd_error_names[] = {
	[XS_E_ENOENT - XS_E_ENOENT] = "ENOENT",
	[XS_E_EACCES - XS_E_ENOENT] = "EACCES",
	[XS_E_EEXIST - XS_E_ENOENT] = "EEXIST",
	[XS_E_EISDIR - XS_E_ENOENT] = "EISDIR",
	[XS_E_EINVAL - XS_E_ENOENT] = "EINVAL",
	[XS_E_ENOMEM - XS_E_ENOENT] = "ENOMEM",
	[XS_E_ENOSPC - XS_E_ENOENT] = "ENOSPC",
	[XS_E_EIO - XS_E_ENOENT] = "EIO",
	[XS_E_ENOTEMPTY - XS_E_ENOENT] = "ENOTEMPTY",
	[XS_E_ENOSYS - XS_E_ENOENT] = "ENOSYS",
	[XS_E_EROFS - XS_E_ENOENT] = "EROFS",
	[XS_E_EBUSY - XS_E_ENOENT] = "EBUSY",
	[XS_E_EAGAIN - XS_E_ENOENT] = "EAGAIN",
	[XS_E_EISCONN - XS_E_ENOENT] = "EISCONN",
	[XS_E_E2BIG - XS_E_ENOENT] = "E2BIG",
	[XS_E_EPERM - XS_E_ENOENT] = "EPERM",
	[XS_E_EQUOTA - XS_E_ENOENT] = "EQUOTA",
};

static const char *const xs_error_text[XS_E_ENOENT] = {
	[XS_OK] = "success",
	[XS_E_NOT_READY] = "xenstore client not initialised",
	[XS_E_SUSPENDED] = "xenstore client suspended",
	[XS_E_BUSY] = "another request stayed in flight",
	[XS_E_ARG] = "bad argument",
	[XS_E_TOOBIG] = "request larger than XENSTORE_PAYLOAD_MAX",
	[XS_E_TIMEOUT] = "no reply from xenstored in time",
	[XS_E_RING] = "ring indices out of range or server error",
	[XS_E_PROTO] = "malformed reply",
	[XS_E_RANGE] = "reply does not fit the buffer",
	[XS_E_WATCH_FULL] = "no free watch slot",
	[XS_E_NO_WATCH] = "no such watch",
	[XS_E_BAD_MFN] = "store_mfn is not a frame of this domain",
};

const char *xs_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err < XS_E_ENOENT)
		return xs_error_text[err] ? xs_error_text[err] : "?";
	if (err < XS_E_OTHER)
		return xsd_error_names[err - XS_E_ENOENT];
	if (err == XS_E_OTHER)
		return "unknown xenstored error";
	return "?";
}

const char *xs_last_error(void)
{
	return xs.last_error;
}

static int xsd_error_code(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xsd_error_names); i++)
		if (!strcmp(name, xsd_error_names[i]))
			return -(XS_E_ENOENT + (int)i);
	return -XS_E_OTHER;
}

static const char *xs_op_name(uint32_t type)
{
	switch (type) {
	case XS_DIRECTORY:
		return "XS_DIRECTORY";
	case XS_READ:
		return "XS_READ";
	case XS_WATCH:
		return "XS_WATCH";
	case XS_UNWATCH:
		return "XS_UNWATCH";
	case XS_TRANSACTION_START:
		return "XS_TRANSACTION_START";
	case XS_TRANSACTION_END:
		return "XS_TRANSACTION_END";
	case XS_WRITE:
		return "XS_WRITE";
	case XS_RM:
		return "XS_RM";
	case XS_RESET_WATCHES:
		return "XS_RESET_WATCHES";
	default:
		return "XS_?";
	}
}

/* The one place failures are printed: op, path, what went wrong. */
static int xs_fail(int err, uint32_t type, const char *path)
{
	if (err <= -XS_E_ENOENT)
		console_printf("# xenstore: %s %s: %s from xenstored\n",
			       xs_op_name(type), path ? path : "",
			       xs.last_error);
	else
		console_printf("# xenstore: %s %s: %s\n", xs_op_name(type),
			       path ? path : "", xs_strerror(err));
	return err;
}

/* -------------------------------------------------------------------- */
/* Lock: one request in flight */

static unsigned int lock_me(void)
{
	return this_cpu()->id + 1;
}

static bool lock_try(void)
{
	unsigned int expected = 0;

	return __atomic_compare_exchange_n(&xs_lock_owner, &expected, lock_me(),
					   false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static int lock_take(void)
{
	/* The holder may itself wait XS_TIMEOUT_NS for its reply. */
	uint64_t deadline = time_now_ns() + 2 * XS_TIMEOUT_NS;

	while (!lock_try()) {
		if (__atomic_load_n(&xs_lock_owner, __ATOMIC_RELAXED) ==
		    lock_me())
			panic("xenstore: request re-entered on vCPU %u (from an event handler or a watch handler under the lock?)",
			      this_cpu()->id);
		if (time_now_ns() > deadline)
			return -XS_E_BUSY;
		pvsr_hyp_sched_yield();
	}
	return 0;
}

static void lock_release(void)
{
	if (__atomic_load_n(&xs_lock_owner, __ATOMIC_RELAXED) != lock_me())
		panic("xenstore: lock released by vCPU %u, held by %u",
		      this_cpu()->id, xs_lock_owner);
	__atomic_store_n(&xs_lock_owner, 0, __ATOMIC_RELEASE);
}

/* -------------------------------------------------------------------- */
/* The event channel: masked, polled, its pending bit ours alone */

static void port_mask(evtchn_port_t port)
{
	__atomic_or_fetch(&guest_shared_info->evtchn_mask[port / 64],
			  (xen_ulong_t)1 << (port % 64), __ATOMIC_SEQ_CST);
}

static void port_clear_pending(evtchn_port_t port)
{
	__atomic_and_fetch(&guest_shared_info->evtchn_pending[port / 64],
			   ~((xen_ulong_t)1 << (port % 64)), __ATOMIC_SEQ_CST);
}

static void notify_xenstored(void)
{
	struct evtchn_send send = { .port = xs.port };

	pvsr_hyp_event_channel_op(EVTCHNOP_send, &send);
}

/* The server's error field (if it has one) says the ring is dead. */
static int server_error(void)
{
	const struct xenstore_domain_interface *intf = xs.intf;
	uint32_t err;

	if (!(intf->server_features & XENSTORE_SERVER_FEATURE_ERROR))
		return 0;
	err = __atomic_load_n(&intf->error, __ATOMIC_ACQUIRE);
	if (err == XENSTORE_ERROR_NONE)
		return 0;
	console_printf(
		"# xenstore: xenstored marked the ring broken (error %u)\n",
		err);
	return -XS_E_RING;
}

/*
 * Sleep until xenstored notifies us or a little time passes. The pending
 * bit is cleared before ready() looks at the ring, so a notification
 * after the look leaves it set and SCHEDOP_poll returns at once.
 */
static int store_wait(bool (*ready)(void), uint64_t deadline)
{
	uint64_t now = time_now_ns(), step = XS_POLL_STEP_NS;
	evtchn_port_t port = xs.port;
	long rc;

	port_clear_pending(port);
	if (ready())
		return 0;
	rc = server_error();
	if (rc)
		return rc;
	if (now >= deadline)
		return -XS_E_TIMEOUT;
	if (deadline - now < step)
		step = deadline - now;
	/* SCHEDOP_poll's timeout is absolute Xen system time. */
	rc = pvsr_hyp_sched_poll(&port, 1, time_raw_ns() + step);
	if (rc)
		panic("xenstore: SCHEDOP_poll on port %u failed: %ld", port,
		      rc);
	return 0;
}

/* -------------------------------------------------------------------- */
/* The rings */

static int ring_broken(const char *which, XENSTORE_RING_IDX cons,
		       XENSTORE_RING_IDX prod)
{
	console_printf(
		"# xenstore: %s ring indices out of range: cons %u prod %u: client disabled until resume\n",
		which, cons, prod);
	/* Nothing on a ring we cannot index can be trusted again. */
	xs.ready = false;
	return -XS_E_RING;
}

static bool rsp_ready(void)
{
	const struct xenstore_domain_interface *intf = xs.intf;

	return __atomic_load_n(&intf->rsp_prod, __ATOMIC_ACQUIRE) !=
	       intf->rsp_cons;
}

static bool req_has_space(void)
{
	const struct xenstore_domain_interface *intf = xs.intf;

	return intf->req_prod -
		       __atomic_load_n(&intf->req_cons, __ATOMIC_ACQUIRE) <
	       XENSTORE_RING_SIZE;
}

/* Copy len bytes into the request ring, waiting (bounded) for room. */
static int ring_put(const char *data, size_t len, uint64_t deadline)
{
	struct xenstore_domain_interface *intf = xs.intf;

	while (len) {
		XENSTORE_RING_IDX cons, prod;
		size_t n;
		int rc;

		cons = __atomic_load_n(&intf->req_cons, __ATOMIC_ACQUIRE);
		prod = intf->req_prod;
		if (prod - cons > XENSTORE_RING_SIZE)
			return ring_broken("request", cons, prod);
		if (prod - cons == XENSTORE_RING_SIZE) {
			rc = store_wait(req_has_space, deadline);
			if (rc)
				return rc;
			continue;
		}
		for (n = 0; n < len && prod - cons < XENSTORE_RING_SIZE; n++)
			intf->req[MASK_XENSTORE_IDX(prod++)] = data[n];
		/* The bytes before the index that publishes them. */
		__atomic_store_n(&intf->req_prod, prod, __ATOMIC_RELEASE);
		notify_xenstored();
		data += n;
		len -= n;
	}
	return 0;
}

/* Take up to want bytes from the response ring; returns how many. */
static int ring_get(char *dst, unsigned int want)
{
	struct xenstore_domain_interface *intf = xs.intf;
	XENSTORE_RING_IDX cons = intf->rsp_cons;
	XENSTORE_RING_IDX prod =
		__atomic_load_n(&intf->rsp_prod, __ATOMIC_ACQUIRE);
	unsigned int n;

	if (prod - cons > XENSTORE_RING_SIZE)
		return ring_broken("response", cons, prod);
	for (n = 0; n < want && cons != prod; n++)
		dst[n] = intf->rsp[MASK_XENSTORE_IDX(cons++)];
	if (n) {
		/* Done reading before xenstored may overwrite. */
		__atomic_store_n(&intf->rsp_cons, cons, __ATOMIC_RELEASE);
		notify_xenstored();
	}
	return n;
}

static void rx_reset(void)
{
	rx.hdr_got = 0;
	rx.body_got = 0;
}

/* Drop everything unread: the ring's content can no longer be parsed. */
static void rx_resync(void)
{
	struct xenstore_domain_interface *intf = xs.intf;

	rx_reset();
	__atomic_store_n(&intf->rsp_cons,
			 __atomic_load_n(&intf->rsp_prod, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	notify_xenstored();
}

/* Returns 1 when rx holds a whole message, 0 if more is to come. */
static int rx_fill(void)
{
	int n;

	if (rx.hdr_got < sizeof(rx.hdr)) {
		n = ring_get((char *)&rx.hdr + rx.hdr_got,
			     sizeof(rx.hdr) - rx.hdr_got);
		if (n < 0)
			return n;
		rx.hdr_got += n;
		if (rx.hdr_got < sizeof(rx.hdr))
			return 0;
		if (rx.hdr.len > XENSTORE_PAYLOAD_MAX) {
			console_printf(
				"# xenstore: reply of %u bytes (type %u, req_id %u): dropping the ring's content\n",
				rx.hdr.len, rx.hdr.type, rx.hdr.req_id);
			rx_resync();
			return -XS_E_PROTO;
		}
	}
	if (rx.body_got < rx.hdr.len) {
		n = ring_get(rx.body + rx.body_got, rx.hdr.len - rx.body_got);
		if (n < 0)
			return n;
		rx.body_got += n;
		if (rx.body_got < rx.hdr.len)
			return 0;
	}
	rx.body[rx.hdr.len] = '\0';
	return 1;
}

/* -------------------------------------------------------------------- */
/* Watch events */

static struct xs_watch_slot *watch_by_token(const char *token)
{
	unsigned int i;

	for (i = 0; i < XS_MAX_WATCHES; i++)
		if (watches[i].used && !strcmp(watches[i].token, token))
			return &watches[i];
	return NULL;
}

static void evq_push(struct xs_watch_slot *w, const char *path)
{
	struct xs_event *ev;

	/* Full, or a path we cannot keep: one event for the watch later. */
	if (evq_len == XS_EVENT_QUEUE ||
	    strnlen(path, XS_EVENT_PATH_MAX) == XS_EVENT_PATH_MAX) {
		w->missed = true;
		return;
	}
	ev = &evq[(evq_head + evq_len++) % XS_EVENT_QUEUE];
	ev->slot = w - watches;
	ev->gen = w->gen;
	memcpy(ev->path, path, strlen(path) + 1);
}

static bool evq_pop(struct xs_event *out)
{
	unsigned int i;

	if (evq_len) {
		*out = evq[evq_head];
		evq_head = (evq_head + 1) % XS_EVENT_QUEUE;
		evq_len--;
		return true;
	}
	for (i = 0; i < XS_MAX_WATCHES; i++) {
		struct xs_watch_slot *w = &watches[i];

		if (w->used && w->missed) {
			w->missed = false;
			out->slot = i;
			out->gen = w->gen;
			memcpy(out->path, w->path, strlen(w->path) + 1);
			return true;
		}
	}
	return false;
}

/* XS_WATCH_EVENT: "path\0token\0". */
static void rx_watch_event(void)
{
	const char *path = rx.body;
	size_t plen = strnlen(path, rx.hdr.len);
	const char *token = path + plen + 1;
	struct xs_watch_slot *w;

	if (plen + 1 >= rx.hdr.len) {
		console_printf(
			"# xenstore: malformed watch event (%u bytes) dropped\n",
			rx.hdr.len);
		return;
	}
	w = watch_by_token(token);
	if (!w) {
		/* A watch we removed since: its late events are harmless. */
		stray_events++;
		return;
	}
	evq_push(w, path);
}

/*
 * Handle the whole message in rx: queue a watch event, drop a stale
 * reply. Returns true if it is the reply to the request in flight (it
 * stays in rx until the caller is done with it).
 */
static bool rx_dispatch(void)
{
	if (rx.hdr.type == XS_WATCH_EVENT) {
		rx_watch_event();
		return false;
	}
	if (xs.wait_req_id && rx.hdr.req_id == xs.wait_req_id)
		return true;
	console_printf(
		"# xenstore: dropping a reply nobody waits for (type %u, req_id %u)\n",
		rx.hdr.type, rx.hdr.req_id);
	return false;
}

/* Read whole messages until our reply is in rx (1) or the ring is dry. */
static int rx_pump(void)
{
	for (;;) {
		int rc = rx_fill();

		if (rc <= 0)
			return rc;
		if (rx_dispatch())
			return 1;
		rx_reset();
	}
}

/* -------------------------------------------------------------------- */
/* Requests */

static int send_request(uint32_t type, xs_tx_t tx, const struct xs_iov *iov,
			unsigned int n, uint64_t deadline)
{
	struct xsd_sockmsg hdr = { .type = type, .tx_id = tx };
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++)
		hdr.len += iov[i].len;
	if (hdr.len > XENSTORE_PAYLOAD_MAX)
		return -XS_E_TOOBIG;
	/* 0 is the req_id of watch events: never use it. */
	if (++xs.next_req_id == 0)
		xs.next_req_id = 1;
	hdr.req_id = xs.next_req_id;
	rc = ring_put((const char *)&hdr, sizeof(hdr), deadline);
	for (i = 0; !rc && i < n; i++)
		rc = ring_put(iov[i].base, iov[i].len, deadline);
	if (rc) {
		/* A partial request would glue onto the next one. */
		console_printf(
			"# xenstore: request ring left with a partial message: client disabled until resume\n");
		xs.ready = false;
		return rc;
	}
	xs.wait_req_id = hdr.req_id;
	return 0;
}

static int wait_reply(uint64_t deadline)
{
	for (;;) {
		int rc = rx_pump();

		if (rc)
			return rc < 0 ? rc : 0;
		rc = store_wait(rsp_ready, deadline);
		if (rc)
			return rc;
	}
}

/* Copy the reply out of rx; XS_ERROR becomes its code. */
static int take_reply(uint32_t type, char *out, size_t size)
{
	size_t len = rx.hdr.len;

	if (rx.hdr.type == XS_ERROR) {
		size_t n = strnlen(rx.body, sizeof(xs.last_error) - 1);

		memcpy(xs.last_error, rx.body, n);
		xs.last_error[n] = '\0';
		return xsd_error_code(xs.last_error);
	}
	if (rx.hdr.type != type) {
		console_printf(
			"# xenstore: reply of type %u to a request of type %u\n",
			rx.hdr.type, type);
		return -XS_E_PROTO;
	}
	if (!size)
		return (int)len;
	if (len + 1 > size) {
		memcpy(out, rx.body, size - 1);
		out[size - 1] = '\0';
		return -XS_E_RANGE;
	}
	memcpy(out, rx.body, len + 1);
	return (int)len;
}

/* Under the lock: send, wait, take the reply. */
static int talk_locked(uint32_t type, xs_tx_t tx, const struct xs_iov *iov,
		       unsigned int n, char *out, size_t size)
{
	uint64_t deadline = time_now_ns() + XS_TIMEOUT_NS;
	int rc;

	if (!xs.ready)
		return -XS_E_NOT_READY;
	rc = send_request(type, tx, iov, n, deadline);
	if (rc)
		return rc;
	rc = wait_reply(deadline);
	if (!rc) {
		rc = take_reply(type, out, size);
		rx_reset();
	}
	xs.wait_req_id = 0;
	return rc;
}

/*
 * One request: returns the reply's length (copied NUL-terminated to out
 * if size > 0) or a -XS_E_* code, printed with path.
 */
static int xs_talk(uint32_t type, xs_tx_t tx, const struct xs_iov *iov,
		   unsigned int n, char *out, size_t size, const char *path)
{
	int rc;

	if (xs.suspended)
		return xs_fail(-XS_E_SUSPENDED, type, path);
	if (!xs.intf)
		return xs_fail(-XS_E_NOT_READY, type, path);
	rc = lock_take();
	if (rc)
		return xs_fail(rc, type, path);
	rc = talk_locked(type, tx, iov, n, out, size);
	lock_release();
	if (rc < 0)
		return xs_fail(rc, type, path);
	return rc;
}

static bool path_ok(const char *path)
{
	return path && path[0] &&
	       strnlen(path, XENSTORE_ABS_PATH_MAX + 1) <=
		       XENSTORE_ABS_PATH_MAX;
}

/* "path\0" */
static struct xs_iov path_iov(const char *path)
{
	return (struct xs_iov){ path, strlen(path) + 1 };
}

int xs_tx_read(xs_tx_t tx, const char *path, char *buf, size_t size)
{
	struct xs_iov iov;

	if (!path_ok(path) || !buf || !size)
		return xs_fail(-XS_E_ARG, XS_READ, path);
	iov = path_iov(path);
	return xs_talk(XS_READ, tx, &iov, 1, buf, size, path);
}

int xs_tx_write(xs_tx_t tx, const char *path, const char *value)
{
	struct xs_iov iov[2];
	char ok[4];
	int rc;

	if (!path_ok(path) || !value)
		return xs_fail(-XS_E_ARG, XS_WRITE, path);
	/* The value is the rest of the message: no NUL of its own. */
	iov[0] = path_iov(path);
	iov[1] = (struct xs_iov){ value, strlen(value) };
	rc = xs_talk(XS_WRITE, tx, iov, 2, ok, sizeof(ok), path);
	return rc < 0 ? rc : 0;
}

int xs_tx_rm(xs_tx_t tx, const char *path)
{
	struct xs_iov iov;
	char ok[4];
	int rc;

	if (!path_ok(path))
		return xs_fail(-XS_E_ARG, XS_RM, path);
	iov = path_iov(path);
	rc = xs_talk(XS_RM, tx, &iov, 1, ok, sizeof(ok), path);
	return rc < 0 ? rc : 0;
}

/* Children as "a\0b\0"; some servers end an empty list with one NUL. */
static int count_names(const char *buf, size_t len)
{
	size_t i;
	int count = 0;

	for (i = 0; i < len; i++)
		if (buf[i] == '\0' && i > 0 && buf[i - 1] != '\0')
			count++;
	return count;
}

int xs_tx_directory(xs_tx_t tx, const char *path, char *buf, size_t size)
{
	struct xs_iov iov;
	int len;

	if (!path_ok(path) || !buf || !size)
		return xs_fail(-XS_E_ARG, XS_DIRECTORY, path);
	iov = path_iov(path);
	len = xs_talk(XS_DIRECTORY, tx, &iov, 1, buf, size, path);
	if (len < 0)
		return len;
	if (len > 0 && buf[len - 1] != '\0') {
		console_printf(
			"# xenstore: XS_DIRECTORY %s: list not NUL-terminated\n",
			path);
		return -XS_E_PROTO;
	}
	return count_names(buf, len);
}

int xs_transaction_start(xs_tx_t *tx)
{
	struct xs_iov iov = { "", 1 };
	char id[16];
	unsigned long v;
	int len;

	if (!tx)
		return xs_fail(-XS_E_ARG, XS_TRANSACTION_START, NULL);
	len = xs_talk(XS_TRANSACTION_START, XS_NO_TX, &iov, 1, id, sizeof(id),
		      NULL);
	if (len < 0)
		return len;
	/* The id as a decimal string, NUL-terminated. */
	len = strnlen(id, len);
	if (!parse_ulong(id, len, &v) || v == 0 || v > 0xffffffffUL)
		return xs_fail(-XS_E_PROTO, XS_TRANSACTION_START, id);
	*tx = (xs_tx_t)v;
	return 0;
}

int xs_transaction_end(xs_tx_t tx, bool commit)
{
	struct xs_iov iov = { commit ? "T" : "F", 2 };
	char ok[4];
	int rc;

	if (tx == XS_NO_TX)
		return xs_fail(-XS_E_ARG, XS_TRANSACTION_END, NULL);
	rc = xs_talk(XS_TRANSACTION_END, tx, &iov, 1, ok, sizeof(ok), NULL);
	return rc < 0 ? rc : 0;
}

/* -------------------------------------------------------------------- */
/* Watches */

static int send_watch(uint32_t type, const struct xs_watch_slot *w)
{
	struct xs_iov iov[2] = { path_iov(w->path), path_iov(w->token) };
	char ok[4];
	int rc;

	rc = xs_talk(type, XS_NO_TX, iov, 2, ok, sizeof(ok), w->path);
	return rc < 0 ? rc : 0;
}

static struct xs_watch_slot *watch_alloc(void)
{
	unsigned int i;

	for (i = 0; i < XS_MAX_WATCHES; i++)
		if (!watches[i].used)
			return &watches[i];
	return NULL;
}

int xs_watch(const char *path, xs_watch_fn fn, void *data)
{
	struct xs_watch_slot *w;
	int rc;

	if (!path_ok(path) || !fn ||
	    strnlen(path, XS_WATCH_PATH_MAX + 1) > XS_WATCH_PATH_MAX)
		return xs_fail(-XS_E_ARG, XS_WATCH, path);
	w = watch_alloc();
	if (!w)
		return xs_fail(-XS_E_WATCH_FULL, XS_WATCH, path);
	w->gen++;
	memcpy(w->path, path, strlen(path) + 1);
	snprintf(w->token, sizeof(w->token), "pvsr:%u:%u",
		 (unsigned int)(w - watches), w->gen);
	w->fn = fn;
	w->data = data;
	w->missed = false;
	/* In use before XS_WATCH: the first event may beat the reply. */
	__atomic_store_n(&w->used, true, __ATOMIC_RELEASE);
	rc = send_watch(XS_WATCH, w);
	if (rc) {
		w->used = false;
		return rc;
	}
	return w - watches;
}

int xs_unwatch(int id)
{
	struct xs_watch_slot *w;
	int rc;

	if (id < 0 || id >= XS_MAX_WATCHES || !watches[id].used)
		return xs_fail(-XS_E_NO_WATCH, XS_UNWATCH, NULL);
	w = &watches[id];
	rc = send_watch(XS_UNWATCH, w);
	/*
	 * Freed even if xenstored refused: its events now find no slot
	 * (and a stale gen) and are dropped.
	 */
	w->used = false;
	w->missed = false;
	return rc;
}

int xs_reset_watches(void)
{
	struct xs_iov iov = { "", 1 };
	char ok[4];
	int rc;

	rc = xs_talk(XS_RESET_WATCHES, XS_NO_TX, &iov, 1, ok, sizeof(ok), NULL);
	return rc < 0 ? rc : 0;
}

/* Deliver one event, if its watch still stands. */
static void deliver(const struct xs_event *ev)
{
	const struct xs_watch_slot *w = &watches[ev->slot];
	xs_watch_fn fn = w->fn;
	void *data = w->data;

	if (!w->used || w->gen != ev->gen)
		return;
	fn(ev->path, data);
}

unsigned int xs_poll_watches(void)
{
	struct xs_event ev;
	unsigned int n;

	/*
	 * Bounded: a handler that writes what it watches would otherwise
	 * keep us here forever; the rest waits for the next call.
	 */
	for (n = 0; n < 2 * XS_EVENT_QUEUE; n++) {
		bool got;

		if (!xs.intf || xs.suspended || !lock_try())
			break;
		/* A reader elsewhere holds a half-message: leave it be. */
		if (xs.ready)
			rx_pump();
		got = evq_pop(&ev);
		lock_release();
		if (!got)
			break;
		deliver(&ev);
	}
	return n;
}

/* -------------------------------------------------------------------- */
/* Attach, suspend, resume */

/* Ring and port from start_info; the MFN must map back to our frame. */
static int attach_ring(void)
{
	const start_info_t *si = guest_start_info;
	unsigned long mfn = si->store_mfn, pfn = mfn_to_pfn(mfn);

	if (pfn >= si->nr_pages || pfn_to_mfn(pfn) != mfn) {
		console_printf(
			"# xenstore: store_mfn %#lx maps to pfn %#lx, not one of our %lu frames\n",
			mfn, pfn, si->nr_pages);
		return -XS_E_BAD_MFN;
	}
	xs.intf = pfn_to_virt(pfn);
	xs.port = si->store_evtchn;
	port_mask(xs.port);
	port_clear_pending(xs.port);
	return 0;
}

/*
 * Start from what the ring says. Unread replies belong to a connection
 * that is gone (or to nobody): drop them, as Linux's xb_init_comms does.
 */
static int ring_adopt(void)
{
	struct xenstore_domain_interface *intf = xs.intf;
	XENSTORE_RING_IDX rc = intf->rsp_cons, rp = intf->rsp_prod;
	XENSTORE_RING_IDX qc = intf->req_cons, qp = intf->req_prod;

	if (rp - rc > XENSTORE_RING_SIZE)
		return ring_broken("response", rc, rp);
	if (qp - qc > XENSTORE_RING_SIZE)
		return ring_broken("request", qc, qp);
	if (qp != qc)
		console_printf(
			"# xenstore: request ring not quiescent (cons %u prod %u)\n",
			qc, qp);
	if (rp != rc)
		console_printf(
			"# xenstore: dropping %u unread response bytes\n",
			rp - rc);
	rx_resync();
	return server_error();
}

static void learn_domid(void)
{
	char buf[16];
	unsigned long v;
	int len = xs_read("domid", buf, sizeof(buf));

	if (len > 0 && parse_ulong(buf, len, &v))
		xs.domid = (int)v;
}

int xs_init(void)
{
	int rc = attach_ring();

	if (!rc)
		rc = ring_adopt();
	if (rc) {
		console_printf("# xenstore: no client: %s\n", xs_strerror(rc));
		xs.intf = NULL;
		return rc;
	}
	xs.ready = true;
	learn_domid();
	console_printf("# xenstore: ring at pfn %#lx, port %u, domid %d\n",
		       virt_to_pfn(xs.intf), xs.port, xs.domid);
	return 0;
}

int xs_domid(void)
{
	return xs.domid;
}

evtchn_port_t xs_port(void)
{
	return xs.port;
}

int xs_suspend(void)
{
	int rc;

	if (!xs.intf)
		return -XS_E_NOT_READY;
	if (xs.suspended)
		panic("xenstore: xs_suspend() twice without a resume");
	rc = lock_take();
	if (rc) {
		console_printf(
			"# xenstore: suspend: a request stayed in flight\n");
		return rc;
	}
	/* Keep the lock: no request may start until resume or cancel. */
	xs.suspended = true;
	return 0;
}

static void suspend_end(void)
{
	if (!xs.suspended)
		panic("xenstore: resume or cancel without xs_suspend()");
	xs.suspended = false;
	lock_release();
}

void xs_suspend_cancel(void)
{
	suspend_end();
}

static void drop_events(void)
{
	unsigned int i;

	evq_len = 0;
	for (i = 0; i < XS_MAX_WATCHES; i++)
		watches[i].missed = false;
}

/*
 * The new connection has no watches: register them all again, pipelined
 * (every request, then every reply: xenstored answers one connection's
 * requests in order), one round trip with dom0 instead of one per watch.
 * Called under the suspend lock: nothing else is in flight.
 */
static int rewatch_all(void)
{
	uint64_t deadline = time_now_ns() + XS_TIMEOUT_NS;
	uint32_t req_id[XS_MAX_WATCHES];
	unsigned int slot[XS_MAX_WATCHES];
	unsigned int i, n = 0;
	int rc = 0, first = 0;
	char ok[4];

	for (i = 0; i < XS_MAX_WATCHES && !rc; i++) {
		struct xs_iov iov[2];

		if (!watches[i].used)
			continue;
		iov[0] = path_iov(watches[i].path);
		iov[1] = path_iov(watches[i].token);
		rc = send_request(XS_WATCH, XS_NO_TX, iov, 2, deadline);
		if (rc) {
			first = xs_fail(rc, XS_WATCH, watches[i].path);
			break;
		}
		slot[n] = i;
		req_id[n++] = xs.wait_req_id;
	}
	for (i = 0; i < n; i++) {
		xs.wait_req_id = req_id[i];
		rc = wait_reply(deadline);
		if (!rc) {
			rc = take_reply(XS_WATCH, ok, sizeof(ok));
			rx_reset();
		}
		if (rc < 0 && !first)
			first = xs_fail(rc, XS_WATCH, watches[slot[i]].path);
		if (rc == -XS_E_TIMEOUT)
			break;
	}
	xs.wait_req_id = 0;
	return first;
}

int xs_resume(void)
{
	int rc;

	/* Still under xs_suspend()'s lock: no reader is in the ring. */
	rc = attach_ring();
	if (!rc)
		rc = ring_adopt();
	drop_events();
	xs.wait_req_id = 0;
	xs.ready = !rc;
	if (rc) {
		suspend_end();
		console_printf("# xenstore: resume: no client: %s\n",
			       xs_strerror(rc));
		return rc;
	}
	rc = rewatch_all();
	suspend_end();
	return rc;
}

/*
 * Both with events on: the requests in flight finish (their replies are
 * events) before the vCPUs are parked, and watches are registered again
 * after every vCPU is released, outside the quiesced window.
 */
static int hook_prepare(void *data)
{
	(void)data;
	return xs_suspend();
}

/* DESIGN #11: watches are registered again after a real resume only. */
static void hook_complete(void *data, enum pvsr_resume_kind kind)
{
	(void)data;
	if (kind == PVSR_RESUME_NEW_DOMAIN)
		xs_resume();
	else
		xs_suspend_cancel();
}

const struct pvsr_hook xs_pvsr_hook = {
	.name = "xenstore",
	.prepare = hook_prepare,
	.complete = hook_complete,
};

/* -------------------------------------------------------------------- */
/* pvsr's own nodes */

int xs_publish_state(const char *state)
{
	int rc = xs_write(XS_STATE_PATH, state);

	if (!rc)
		console_printf("# xenstore: %s = %s\n", XS_STATE_PATH, state);
	return rc;
}

int xs_heartbeat(void)
{
	static uint64_t last_ns, beats;
	uint64_t now = time_now_ns();
	char buf[24];

	if (beats && now - last_ns < XS_HEARTBEAT_NS)
		return 0;
	last_ns = now;
	beats++;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)beats);
	return xs_write(XS_HEARTBEAT_PATH, buf);
}
