/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fake hypervisor behind hypercall/hypercall.h in the KUnit build.
 *
 * It keeps the state Xen keeps for one domain with up to 128 vCPUs (vCPU
 * up/down/initialised, vcpu_info registrations, 2-level event channels,
 * shared_info mapping, timers) and enforces the ABI rules the suspend path
 * depends on, with the errors Xen returns:
 *
 *  - VCPUOP_initialise of an initialised vCPU: -EEXIST; of a vCPU >= 32
 *    (XEN_LEGACY_MAX_VCPUS) without VCPUOP_register_vcpu_info: -EINVAL;
 *    VCPUOP_up of an uninitialised vCPU: -EINVAL.
 *  - VCPUOP_register_vcpu_info on an up vCPU other than the caller, or a
 *    second time in the same domain: -EINVAL.
 *  - VCPUOP_down of the last running vCPU shuts the domain down.
 *  - HYPERVISOR_multicall runs vcpu_op and event_channel_op entries, each
 *    as its own call (counted, failures injected per entry), every entry
 *    even after one failed, and like a debug Xen scribbles over all but
 *    `result` of each entry it ran.
 *  - EVTCHNOP_bind_virq of a virq+vCPU already bound: -EEXIST;
 *    EVTCHNOP_close of a closed port: -EINVAL.
 *  - The suspend hypercall while another vCPU is up, off vCPU 0 or with
 *    the wrong start_info MFN is recorded (see PVSR_FAKE_V_*) and refused
 *    with an error. That refusal is the tests' own check of pvsr's
 *    protocol, not Xen's behaviour: real Xen suspends such a domain
 *    anyway (the other vCPUs are saved running, and the toolstack takes
 *    the start_info MFN from vCPU 0's rdx), and the guest breaks later.
 *
 * It is one global object: the hypercall API has no context argument, and
 * KUnit runs one test at a time. Tests call pvsr_fake_reset() first, then
 * read struct pvsr_fake directly through pvsr_fake() and use the helpers
 * below to act as a vCPU, arm failures and hook events.
 *
 * Which vCPU makes a call is per task: a kernel thread that stands for a
 * secondary vCPU binds itself with pvsr_fake_bind_task(); every other
 * task is fake.current_vcpu (pvsr_fake_set_current(), vCPU 0 after a
 * reset). Calls from several tasks are serialised by a lock inside the
 * fake. Hooks run when the code under test sends an event (e.g. a park
 * IPI), yields or polls, brings a vCPU up or down, suspends, or spins
 * (pvsr_fake_cpu_relax(), the arch's cpu_relax in the KUnit build).
 */
#ifndef PVSR_HYPERCALL_FAKE_H
#define PVSR_HYPERCALL_FAKE_H

#include "hypercall/hypercall.h"
#include <xenpub/errno.h>

#define PVSR_FAKE_MAX_VCPUS 128
/* Enough ports for 128 vCPUs x several channels; tests may lower max_ports. */
#define PVSR_FAKE_MAX_PORTS 2048
#define PVSR_FAKE_MAX_FAULTS 8
#define PVSR_FAKE_MMU_LOG 16
/* Matches any subop in pvsr_fake_inject() and pvsr_fake_calls(). */
#define PVSR_FAKE_ANY (-1)
/* Hypercall numbers below this and subops below this are counted. */
#define PVSR_FAKE_NR_HYPERCALLS 64
#define PVSR_FAKE_NR_SUBOPS 32

/* Protocol violations the fake saw (bits of struct pvsr_fake.violations). */
enum pvsr_fake_violation {
	PVSR_FAKE_V_SUSPEND_OTHERS_UP = 1 << 0, /* another vCPU still up */
	PVSR_FAKE_V_SUSPEND_NOT_VCPU0 = 1 << 1, /* suspend off vCPU 0 */
	PVSR_FAKE_V_SUSPEND_BAD_MFN = 1 << 2, /* rdx != start_info MFN */
	PVSR_FAKE_V_SUSPEND_SHINFO_MAPPED = 1
					    << 3, /* shared_info still mapped */
	PVSR_FAKE_V_SUSPEND_NO_MFN = 1 << 4, /* suspend via _shutdown() */
	PVSR_FAKE_V_LAST_VCPU_DOWN = 1 << 5, /* domain shut itself down */
	PVSR_FAKE_V_CALL_FROM_DOWN_VCPU = 1 << 6, /* a down vCPU made a call */
	PVSR_FAKE_V_CALL_AFTER_SHUTDOWN = 1 << 7, /* the domain is gone */
};

/* One event channel, as Xen's 2-level ABI keeps it. */
struct pvsr_fake_port {
	unsigned int state; /* EVTCHNSTAT_* */
	unsigned int vcpu; /* notify vCPU */
	unsigned int virq; /* EVTCHNSTAT_virq */
	domid_t remote_dom; /* EVTCHNSTAT_interdomain / _unbound */
	evtchn_port_t remote_port;
	bool pending;
	bool masked;
	bool from_start_info; /* created by the "toolstack" (store/console) */
	unsigned int sends; /* EVTCHNOP_send count */
};

struct pvsr_fake_vcpu {
	bool initialised;
	bool up;
	bool vcpu_info_registered;
	uint64_t vcpu_info_mfn;
	uint32_t vcpu_info_offset;
	struct vcpu_guest_context ctx; /* from the last VCPUOP_initialise */
	uint64_t periodic_ns; /* 0 = stopped */
	bool singleshot_armed;
	uint64_t singleshot_ns;
	unsigned long kernel_ss, kernel_sp; /* stack_switch */
	unsigned long fs_base, gs_base_kernel, gs_base_user;
	unsigned int gs_user_sel;
	unsigned long debugreg[8]; /* what get_debugreg reads */
	/* Non-zero: every rdmsr of a segment base fails with this errno. */
	long read_segment_base_err;
	bool trap_table_set;
	unsigned int gdt_entries;
	unsigned int callbacks; /* bitmask of CALLBACKTYPE_* */
	unsigned int nr_initialise, nr_up, nr_down;
};

struct pvsr_fake;

/*
 * Hooks: all optional, all get the hooks' data pointer. They run with
 * current set to the vCPU that made the call; they may call hypercalls
 * themselves (e.g. as another vCPU, after pvsr_fake_set_current()).
 */
struct pvsr_fake_hooks {
	/*
	 * Before every hypercall, after failure injection: return 0 to let
	 * it proceed, or a negative Xen errno to fail it.
	 */
	long (*on_call)(int hypercall, int subop, unsigned int vcpu,
			void *data);
	/* EVTCHNOP_send delivered an event to port (an IPI: to vcpu). */
	void (*on_send)(evtchn_port_t port, unsigned int vcpu, void *data);
	/* The caller yields, blocks or polls: other vCPUs may make progress. */
	void (*on_yield)(unsigned int vcpu, void *data);
	/* VCPUOP_up started vCPU vcpu (f->vcpu[vcpu].ctx is its context). */
	void (*on_vcpu_up)(unsigned int vcpu, void *data);
	/* VCPUOP_down took vCPU vcpu down. */
	void (*on_vcpu_down)(unsigned int vcpu, void *data);
	/* A VCPUOP_* call on vCPU vcpu succeeded (alone or in a multicall). */
	void (*on_vcpu_op)(int cmd, unsigned int vcpu, void *data);
	/* The suspend hypercall is about to return result (state changed). */
	void (*on_suspend)(long result, void *data);
	/*
	 * vcpu spins (pvsr_fake_cpu_relax()). Called without the fake's
	 * lock: it may sleep (e.g. while vcpu is down), yield the CPU to
	 * the other vCPUs' threads, or jump away (Xen starting vcpu on a
	 * new context).
	 */
	void (*on_relax)(unsigned int vcpu, void *data);
	void *data;
};

struct pvsr_fake_fault {
	bool armed;
	int hypercall;
	int subop; /* or PVSR_FAKE_ANY */
	unsigned int nth; /* fail the nth matching call from arming */
	unsigned int times; /* consecutive failures from there (>= 1) */
	unsigned int seen;
	long xen_errno; /* negative, e.g. -XEN_EINVAL */
};

struct pvsr_fake_mmu_entry {
	uint64_t ptr;
	uint64_t val;
};

/* A task that stands for a vCPU (pvsr_fake_bind_task()). */
struct pvsr_fake_task {
	const void *task; /* struct task_struct *, NULL if free */
	unsigned int vcpu;
};

struct pvsr_fake {
	unsigned int nr_vcpus;
	unsigned int current_vcpu; /* of tasks not bound to a vCPU */
	struct pvsr_fake_task task[PVSR_FAKE_MAX_VCPUS];
	struct pvsr_fake_vcpu vcpu[PVSR_FAKE_MAX_VCPUS];

	struct pvsr_fake_port port[PVSR_FAKE_MAX_PORTS];
	unsigned int max_ports; /* ports valid: 1 .. max_ports - 1 */
	unsigned int port_base; /* lowest port handed out */
	unsigned int resume_port_shift; /* added to port_base on resume */
	evtchn_port_t store_port, console_port; /* start_info channels */

	/* Frames of the current domain; they change on every resume. */
	uint64_t start_info_mfn;
	uint64_t shared_info_mfn;
	bool shared_info_mapped;
	unsigned long shared_info_va;
	uint64_t nr_pages;

	long suspend_result; /* what the next suspend returns */
	unsigned int generation; /* domains we have been (resumes) */
	unsigned int nr_suspends, nr_cancelled;
	bool shut_down;
	unsigned int shutdown_reason;

	unsigned int violations; /* enum pvsr_fake_violation bits */
	uint64_t now_ns; /* system time for timers */
	unsigned int vm_assists;

	unsigned int multicalls; /* HYPERVISOR_multicall batches run */
	unsigned int multicall_entries; /* entries in them */
	unsigned int calls[PVSR_FAKE_NR_HYPERCALLS][PVSR_FAKE_NR_SUBOPS];
	unsigned int calls_total[PVSR_FAKE_NR_HYPERCALLS];
	struct pvsr_fake_fault fault[PVSR_FAKE_MAX_FAULTS];

	struct pvsr_fake_mmu_entry mmu_log[PVSR_FAKE_MMU_LOG];
	unsigned int mmu_updates; /* entries ever logged */
	unsigned int nr_va_updates;

	struct pvsr_fake_hooks hooks;
};

/* The fake's state, for tests to read (and tweak configuration fields). */
struct pvsr_fake *pvsr_fake(void);

/*
 * A fresh domain with nr_vcpus (1..128) vCPUs as Xen builds it: vCPU 0
 * initialised and running, the others down and uninitialised, two
 * start_info channels (xenstore, console), shared_info not mapped,
 * suspend_result 0, no faults, no hooks. Returns 0 or -XEN_EINVAL.
 */
int pvsr_fake_reset(unsigned int nr_vcpus);

/* Fill hypercall_page with the stubs Xen writes (syscall at +8). */
void pvsr_fake_fill_hypercall_page(void);

/* Act as vCPU k for the following calls (the calling task only if bound). */
void pvsr_fake_set_current(unsigned int vcpu);

/* The vCPU the calling task acts as. */
unsigned int pvsr_fake_current(void);

/*
 * The calling task is vCPU k from now on, whatever fake.current_vcpu
 * says, until pvsr_fake_unbind_task() (or a reset). Returns 0, or
 * -XEN_EINVAL / -XEN_ENOSPC.
 */
int pvsr_fake_bind_task(unsigned int vcpu);
void pvsr_fake_unbind_task(void);

/*
 * A vCPU's spin-loop pause (pvsr_arch_cpu_relax() in the KUnit build):
 * the on_relax hook, or cpu_relax() without one.
 */
void pvsr_fake_cpu_relax(void);

/*
 * Run fn(data) as vCPU k (for hooks that simulate another vCPU's
 * handler), then make the previous vCPU current again.
 */
void pvsr_fake_run_as(unsigned int vcpu, void (*fn)(void *data), void *data);

/*
 * An event arrives on port, as if Xen or the remote end raised it: sets
 * pending (the guest still has to look). Returns 0, or -XEN_EINVAL for a
 * port that is not bound.
 */
int pvsr_fake_raise(evtchn_port_t port);

/*
 * Mark vCPU k initialised and up without hypercalls, as if it had been
 * brought up earlier (to set up an N-vCPU domain for orchestrator tests).
 */
void pvsr_fake_bring_up(unsigned int vcpu);

/*
 * Fail the nth (1 = next) call of hypercall (and subop, or PVSR_FAKE_ANY)
 * counting from now, with xen_errno (negative); the call changes nothing.
 * pvsr_fake_inject_n fails `times` consecutive matching calls from the
 * nth on. Returns 0, or -XEN_ENOSPC when every slot is armed.
 */
int pvsr_fake_inject(int hypercall, int subop, unsigned int nth,
		     long xen_errno);
int pvsr_fake_inject_n(int hypercall, int subop, unsigned int nth,
		       unsigned int times, long xen_errno);
void pvsr_fake_inject_clear(void);

/* Calls seen since reset (subop PVSR_FAKE_ANY: all subops together). */
unsigned int pvsr_fake_calls(int hypercall, int subop);

void pvsr_fake_set_hooks(const struct pvsr_fake_hooks *hooks);

/* Port state, or NULL for a port outside 0 .. max_ports - 1. */
const struct pvsr_fake_port *pvsr_fake_port(evtchn_port_t port);
/* Port bound to virq on vcpu, or 0 if none. */
evtchn_port_t pvsr_fake_virq_port(unsigned int virq, unsigned int vcpu);
/* Ports in use (any state but closed), optionally only those of a vCPU. */
unsigned int pvsr_fake_ports_in_use(void);
unsigned int pvsr_fake_ports_of_vcpu(unsigned int vcpu);
/* vCPUs currently up. */
unsigned int pvsr_fake_vcpus_up(void);

/* A short name for one violation bit (for test messages). */
const char *pvsr_fake_violation_name(unsigned int bit);

/*
 * What Xen 4.17 writes into a 64-bit PV guest's page table for a new entry
 * (the fake's model of Xen, independent of arch/x86/pte.c on purpose):
 * present L1 entries without USER get USER and bit 52 (guest kernel),
 * with USER get GLOBAL; present higher-level entries get USER.
 */
uint64_t pvsr_fake_xen_adjust_pte(uint64_t pte, unsigned int level);

#endif /* PVSR_HYPERCALL_FAKE_H */
