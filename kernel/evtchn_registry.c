// SPDX-License-Identifier: GPL-2.0
/*
 * The event-channel registry: see evtchn_registry.h for what it is for.
 */
#include "kernel/evtchn_registry.h"
#include "hypercall/hypercall.h"
#include <xenpub/errno.h>

#define NR_WORDS ((PVSR_EVTCHN_MAX + 63) / 64)

/* Which entries one close/rebind call changed, to back them out. */
struct touched {
	uint64_t bits[NR_WORDS];
};

static void touch(struct touched *t, unsigned int i)
{
	t->bits[i / 64] |= 1ULL << (i % 64);
}

static bool touched(const struct touched *t, unsigned int i)
{
	return t->bits[i / 64] & (1ULL << (i % 64));
}

static int fail(struct pvsr_error_detail *detail, enum pvsr_error code,
		enum pvsr_step step, int vcpu, int subop, long xen_errno,
		evtchn_port_t port)
{
	int rc = pvsr_fail(detail, code, step, vcpu,
			   subop < 0 ? -1 : __HYPERVISOR_event_channel_op,
			   subop, xen_errno);

	if (detail)
		detail->port = port;
	return rc;
}

/* Channels we bound ourselves: the ones we rebind after a real resume. */
static bool ours(const struct pvsr_evtchn *ch)
{
	return ch->kind == PVSR_EVTCHN_VIRQ || ch->kind == PVSR_EVTCHN_IPI ||
	       ch->kind == PVSR_EVTCHN_UNBOUND;
}

/*
 * The ones we close around a suspend. An unbound port stays: the
 * toolstack may be bound to it and waiting for the suspend right now.
 */
static bool closed_around_suspend(const struct pvsr_evtchn *ch)
{
	return ch->kind == PVSR_EVTCHN_VIRQ || ch->kind == PVSR_EVTCHN_IPI;
}

static int ch_vcpu(const struct pvsr_evtchn *ch)
{
	return ch->kind == PVSR_EVTCHN_START_INFO ? PVSR_NO_VCPU :
						    (int)ch->vcpu;
}

void pvsr_evtchn_init(struct pvsr_evtchn_registry *reg)
{
	unsigned int i;

	for (i = 0; i < PVSR_EVTCHN_MAX; i++) {
		reg->entry[i].kind = PVSR_EVTCHN_FREE;
		reg->entry[i].port = PVSR_EVTCHN_NO_PORT;
		reg->entry[i].handler = NULL;
		reg->entry[i].data = NULL;
	}
	for (i = 0; i < PVSR_EVTCHN_NR_PORTS; i++)
		reg->by_port[i] = 0;
}

static struct pvsr_evtchn *find(struct pvsr_evtchn_registry *reg,
				enum pvsr_evtchn_kind kind, unsigned int vcpu,
				unsigned int index)
{
	unsigned int i;

	for (i = 0; i < PVSR_EVTCHN_MAX; i++) {
		struct pvsr_evtchn *ch = &reg->entry[i];

		if (ch->kind == kind && ch->index == index &&
		    (kind == PVSR_EVTCHN_START_INFO || ch->vcpu == vcpu))
			return ch;
	}
	return NULL;
}

static struct pvsr_evtchn *alloc_entry(struct pvsr_evtchn_registry *reg)
{
	unsigned int i;

	for (i = 0; i < PVSR_EVTCHN_MAX; i++)
		if (reg->entry[i].kind == PVSR_EVTCHN_FREE)
			return &reg->entry[i];
	return NULL;
}

static void set_port(struct pvsr_evtchn_registry *reg, struct pvsr_evtchn *ch,
		     evtchn_port_t port)
{
	if (ch->port != PVSR_EVTCHN_NO_PORT)
		reg->by_port[ch->port] = 0;
	ch->port = port;
	if (port != PVSR_EVTCHN_NO_PORT)
		reg->by_port[port] = (uint16_t)(ch - reg->entry) + 1;
}

static long xen_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	return pvsr_hyp_event_channel_op(EVTCHNOP_close, &op);
}

static long xen_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	return pvsr_hyp_event_channel_op(EVTCHNOP_unmask, &op);
}

/*
 * Ask Xen for a port with ch's meaning and unmask it. Returns 0 with
 * *port, or Xen's error with *subop saying which call failed. A port Xen
 * bound but we cannot use (unmask failed, or beyond the 2-level ABI) is
 * closed again, so a failure leaves nothing behind.
 */
static long xen_bind(const struct pvsr_evtchn *ch, evtchn_port_t *port,
		     int *subop)
{
	long rc;

	if (ch->kind == PVSR_EVTCHN_VIRQ) {
		struct evtchn_bind_virq op = { .virq = ch->index,
					       .vcpu = ch->vcpu };

		*subop = EVTCHNOP_bind_virq;
		rc = pvsr_hyp_event_channel_op(EVTCHNOP_bind_virq, &op);
		*port = op.port;
	} else if (ch->kind == PVSR_EVTCHN_UNBOUND) {
		struct evtchn_alloc_unbound op = { .dom = DOMID_SELF,
						   .remote_dom = ch->remote };

		*subop = EVTCHNOP_alloc_unbound;
		rc = pvsr_hyp_event_channel_op(EVTCHNOP_alloc_unbound, &op);
		*port = op.port;
	} else {
		struct evtchn_bind_ipi op = { .vcpu = ch->vcpu };

		*subop = EVTCHNOP_bind_ipi;
		rc = pvsr_hyp_event_channel_op(EVTCHNOP_bind_ipi, &op);
		*port = op.port;
	}
	if (rc)
		return rc;
	if (*port == PVSR_EVTCHN_NO_PORT || *port >= PVSR_EVTCHN_NR_PORTS) {
		/* Not a 2-level port: not usable by us, and not Xen's error. */
		if (*port != PVSR_EVTCHN_NO_PORT)
			xen_close(*port);
		return -XEN_ERANGE;
	}
	*subop = EVTCHNOP_unmask;
	rc = xen_unmask(*port);
	if (rc)
		xen_close(*port);
	return rc;
}

static int bind_new(struct pvsr_evtchn_registry *reg,
		    enum pvsr_evtchn_kind kind, unsigned int index,
		    unsigned int vcpu, domid_t remote,
		    pvsr_evtchn_handler_t handler, void *data,
		    struct pvsr_error_detail *detail)
{
	struct pvsr_evtchn *ch;
	evtchn_port_t port = PVSR_EVTCHN_NO_PORT;
	int subop;
	long rc;

	if (vcpu >= PVSR_EVTCHN_MAX_VCPUS ||
	    (kind == PVSR_EVTCHN_VIRQ && index >= NR_VIRQS) ||
	    find(reg, kind, vcpu, index))
		return fail(detail, PVSR_E_INVAL, PVSR_STEP_NONE, vcpu, -1, 0,
			    PVSR_EVTCHN_NO_PORT);
	ch = alloc_entry(reg);
	if (!ch)
		return fail(detail, PVSR_E_REGISTRY_FULL, PVSR_STEP_NONE, vcpu,
			    -1, 0, PVSR_EVTCHN_NO_PORT);
	ch->kind = kind;
	ch->vcpu = vcpu;
	ch->index = index;
	ch->remote = remote;
	ch->handler = handler;
	ch->data = data;
	ch->port = PVSR_EVTCHN_NO_PORT;
	rc = xen_bind(ch, &port, &subop);
	if (rc) {
		ch->kind = PVSR_EVTCHN_FREE;
		return fail(detail, PVSR_E_BIND, PVSR_STEP_NONE, vcpu, subop,
			    rc, port);
	}
	set_port(reg, ch, port);
	return port;
}

int pvsr_evtchn_bind_virq(struct pvsr_evtchn_registry *reg, unsigned int virq,
			  unsigned int vcpu, pvsr_evtchn_handler_t handler,
			  void *data, struct pvsr_error_detail *detail)
{
	return bind_new(reg, PVSR_EVTCHN_VIRQ, virq, vcpu, 0, handler, data,
			detail);
}

int pvsr_evtchn_bind_ipi(struct pvsr_evtchn_registry *reg, unsigned int ipi,
			 unsigned int vcpu, pvsr_evtchn_handler_t handler,
			 void *data, struct pvsr_error_detail *detail)
{
	return bind_new(reg, PVSR_EVTCHN_IPI, ipi, vcpu, 0, handler, data,
			detail);
}

int pvsr_evtchn_alloc_unbound(struct pvsr_evtchn_registry *reg, unsigned int id,
			      domid_t remote, pvsr_evtchn_handler_t handler,
			      void *data, struct pvsr_error_detail *detail)
{
	return bind_new(reg, PVSR_EVTCHN_UNBOUND, id, 0, remote, handler, data,
			detail);
}

int pvsr_evtchn_add_start_info(struct pvsr_evtchn_registry *reg,
			       unsigned int id, evtchn_port_t port,
			       pvsr_evtchn_handler_t handler, void *data,
			       struct pvsr_error_detail *detail)
{
	struct pvsr_evtchn *ch = find(reg, PVSR_EVTCHN_START_INFO, 0, id);
	/* Known already: a resume moving it to its new port. */
	enum pvsr_step step = ch ? PVSR_STEP_REBIND : PVSR_STEP_NONE;
	enum pvsr_error code = ch ? PVSR_E_REBIND : PVSR_E_BIND;
	const struct pvsr_evtchn *owner;
	long rc;

	if (port == PVSR_EVTCHN_NO_PORT || port >= PVSR_EVTCHN_NR_PORTS)
		return fail(detail, PVSR_E_INVAL, step, PVSR_NO_VCPU, -1, 0,
			    port);
	owner = pvsr_evtchn_lookup(reg, port);
	if (owner && owner != ch)
		return fail(detail, PVSR_E_INVAL, step, PVSR_NO_VCPU, -1, 0,
			    port);
	if (!ch) {
		ch = alloc_entry(reg);
		if (!ch)
			return fail(detail, PVSR_E_REGISTRY_FULL, step,
				    PVSR_NO_VCPU, -1, 0, port);
		ch->kind = PVSR_EVTCHN_START_INFO;
		ch->vcpu = 0;
		ch->index = id;
		ch->port = PVSR_EVTCHN_NO_PORT;
	}
	ch->handler = handler;
	ch->data = data;
	rc = xen_unmask(port);
	if (rc) {
		set_port(reg, ch, PVSR_EVTCHN_NO_PORT);
		if (step == PVSR_STEP_NONE)
			ch->kind = PVSR_EVTCHN_FREE;
		return fail(detail, code, step, PVSR_NO_VCPU, EVTCHNOP_unmask,
			    rc, port);
	}
	set_port(reg, ch, port);
	return 0;
}

int pvsr_evtchn_unbind(struct pvsr_evtchn_registry *reg, evtchn_port_t port,
		       struct pvsr_error_detail *detail)
{
	struct pvsr_evtchn *ch;
	long rc;

	if (port == PVSR_EVTCHN_NO_PORT || port >= PVSR_EVTCHN_NR_PORTS ||
	    !reg->by_port[port])
		return fail(detail, PVSR_E_NOT_FOUND, PVSR_STEP_NONE,
			    PVSR_NO_VCPU, -1, 0, port);
	ch = &reg->entry[reg->by_port[port] - 1];
	if (ours(ch)) {
		rc = xen_close(port);
		if (rc)
			return fail(detail, PVSR_E_EVTCHN_CLOSE, PVSR_STEP_NONE,
				    ch_vcpu(ch), EVTCHNOP_close, rc, port);
	}
	set_port(reg, ch, PVSR_EVTCHN_NO_PORT);
	ch->kind = PVSR_EVTCHN_FREE;
	ch->handler = NULL;
	ch->data = NULL;
	return 0;
}

static bool selected(const struct pvsr_evtchn *ch, bool all, unsigned int vcpu)
{
	return ours(ch) && (all || ch->vcpu == vcpu);
}

static bool selected_to_close(const struct pvsr_evtchn *ch, bool all,
			      unsigned int vcpu)
{
	return closed_around_suspend(ch) && selected(ch, all, vcpu);
}

/* Close the channels a failed rebind had bound: back to all closed. */
static void unbind_touched(struct pvsr_evtchn_registry *reg,
			   const struct touched *t)
{
	unsigned int i;

	for (i = 0; i < PVSR_EVTCHN_MAX; i++) {
		struct pvsr_evtchn *ch = &reg->entry[i];

		if (!touched(t, i) || ch->port == PVSR_EVTCHN_NO_PORT)
			continue;
		xen_close(ch->port);
		set_port(reg, ch, PVSR_EVTCHN_NO_PORT);
	}
}

/*
 * Rebind the channels a failed close had closed, so the guest runs on as
 * before (on new ports). If Xen refuses here too the entry stays closed;
 * a later rebind retries it. The close failure is what gets reported.
 */
static void rebind_touched(struct pvsr_evtchn_registry *reg,
			   const struct touched *t)
{
	unsigned int i;

	for (i = 0; i < PVSR_EVTCHN_MAX; i++) {
		struct pvsr_evtchn *ch = &reg->entry[i];
		evtchn_port_t port;
		int subop;

		if (!touched(t, i) || ch->port != PVSR_EVTCHN_NO_PORT)
			continue;
		if (xen_bind(ch, &port, &subop) == 0)
			set_port(reg, ch, port);
	}
}

static int close_some(struct pvsr_evtchn_registry *reg, bool all,
		      unsigned int vcpu, struct pvsr_error_detail *detail)
{
	struct touched t = { { 0 } };
	unsigned int i;

	if (!all && vcpu >= PVSR_EVTCHN_MAX_VCPUS)
		return fail(detail, PVSR_E_INVAL, PVSR_STEP_TEARDOWN, vcpu, -1,
			    0, PVSR_EVTCHN_NO_PORT);
	for (i = 0; i < PVSR_EVTCHN_MAX; i++) {
		struct pvsr_evtchn *ch = &reg->entry[i];
		evtchn_port_t port = ch->port;
		long rc;

		if (!selected_to_close(ch, all, vcpu) ||
		    port == PVSR_EVTCHN_NO_PORT)
			continue;
		rc = xen_close(port);
		if (rc) {
			rebind_touched(reg, &t);
			return fail(detail, PVSR_E_EVTCHN_CLOSE,
				    PVSR_STEP_TEARDOWN, ch->vcpu,
				    EVTCHNOP_close, rc, port);
		}
		set_port(reg, ch, PVSR_EVTCHN_NO_PORT);
		touch(&t, i);
	}
	return 0;
}

int pvsr_evtchn_close_vcpu(struct pvsr_evtchn_registry *reg, unsigned int vcpu,
			   struct pvsr_error_detail *detail)
{
	return close_some(reg, false, vcpu, detail);
}

int pvsr_evtchn_close_all(struct pvsr_evtchn_registry *reg,
			  struct pvsr_error_detail *detail)
{
	return close_some(reg, true, 0, detail);
}

void pvsr_evtchn_forget_ports(struct pvsr_evtchn_registry *reg)
{
	unsigned int i;

	for (i = 0; i < PVSR_EVTCHN_MAX; i++)
		if (reg->entry[i].kind != PVSR_EVTCHN_FREE)
			set_port(reg, &reg->entry[i], PVSR_EVTCHN_NO_PORT);
}

static int rebind_some(struct pvsr_evtchn_registry *reg, bool all,
		       unsigned int vcpu, struct pvsr_error_detail *detail)
{
	struct touched t = { { 0 } };
	unsigned int i;

	if (!all && vcpu >= PVSR_EVTCHN_MAX_VCPUS)
		return fail(detail, PVSR_E_INVAL, PVSR_STEP_REBIND, vcpu, -1, 0,
			    PVSR_EVTCHN_NO_PORT);
	for (i = 0; i < PVSR_EVTCHN_MAX; i++) {
		struct pvsr_evtchn *ch = &reg->entry[i];
		evtchn_port_t port = PVSR_EVTCHN_NO_PORT;
		int subop;
		long rc;

		if (!selected(ch, all, vcpu) || ch->port != PVSR_EVTCHN_NO_PORT)
			continue;
		rc = xen_bind(ch, &port, &subop);
		if (rc) {
			unbind_touched(reg, &t);
			return fail(detail, PVSR_E_REBIND, PVSR_STEP_REBIND,
				    ch->vcpu, subop, rc, port);
		}
		set_port(reg, ch, port);
		touch(&t, i);
	}
	return 0;
}

int pvsr_evtchn_rebind_vcpu(struct pvsr_evtchn_registry *reg, unsigned int vcpu,
			    struct pvsr_error_detail *detail)
{
	return rebind_some(reg, false, vcpu, detail);
}

int pvsr_evtchn_rebind_all(struct pvsr_evtchn_registry *reg,
			   struct pvsr_error_detail *detail)
{
	return rebind_some(reg, true, 0, detail);
}

const struct pvsr_evtchn *
pvsr_evtchn_lookup(const struct pvsr_evtchn_registry *reg, evtchn_port_t port)
{
	if (port == PVSR_EVTCHN_NO_PORT || port >= PVSR_EVTCHN_NR_PORTS ||
	    !reg->by_port[port])
		return NULL;
	return &reg->entry[reg->by_port[port] - 1];
}

int pvsr_evtchn_dispatch(const struct pvsr_evtchn_registry *reg,
			 evtchn_port_t port)
{
	const struct pvsr_evtchn *ch = pvsr_evtchn_lookup(reg, port);

	if (!ch)
		return -PVSR_E_NOT_FOUND;
	if (ch->handler)
		ch->handler(port, ch->data);
	return 0;
}

int pvsr_evtchn_port_of(const struct pvsr_evtchn_registry *reg,
			enum pvsr_evtchn_kind kind, unsigned int vcpu,
			unsigned int index)
{
	const struct pvsr_evtchn *ch;

	if (kind == PVSR_EVTCHN_FREE)
		return -PVSR_E_NOT_FOUND;
	/* find() only reads; the cast keeps one search for both uses. */
	ch = find((struct pvsr_evtchn_registry *)reg, kind, vcpu, index);
	if (!ch || ch->port == PVSR_EVTCHN_NO_PORT)
		return -PVSR_E_NOT_FOUND;
	return ch->port;
}

int pvsr_evtchn_send_ipi(const struct pvsr_evtchn_registry *reg,
			 unsigned int ipi, unsigned int vcpu,
			 struct pvsr_error_detail *detail)
{
	int port = pvsr_evtchn_port_of(reg, PVSR_EVTCHN_IPI, vcpu, ipi);
	struct evtchn_send op;
	long rc;

	if (port < 0)
		return fail(detail, PVSR_E_NOT_FOUND, PVSR_STEP_PARK, vcpu, -1,
			    0, PVSR_EVTCHN_NO_PORT);
	op.port = port;
	rc = pvsr_hyp_event_channel_op(EVTCHNOP_send, &op);
	if (rc)
		return fail(detail, PVSR_E_PARK_IPI, PVSR_STEP_PARK, vcpu,
			    EVTCHNOP_send, rc, port);
	return 0;
}

unsigned int pvsr_evtchn_count(const struct pvsr_evtchn_registry *reg)
{
	unsigned int i, n = 0;

	for (i = 0; i < PVSR_EVTCHN_MAX; i++)
		n += reg->entry[i].kind != PVSR_EVTCHN_FREE;
	return n;
}

unsigned int pvsr_evtchn_count_bound(const struct pvsr_evtchn_registry *reg)
{
	unsigned int i, n = 0;

	for (i = 0; i < PVSR_EVTCHN_MAX; i++)
		n += reg->entry[i].kind != PVSR_EVTCHN_FREE &&
		     reg->entry[i].port != PVSR_EVTCHN_NO_PORT;
	return n;
}
