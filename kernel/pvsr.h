/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvsr: multiprocessor suspend/resume for Xen PV x86-64 guests.
 *
 * The public API of the module. A guest kernel registers its per-subsystem
 * suspend hooks, binds its event channels through the registry
 * (kernel/evtchn_registry.h) and calls pvsr_suspend() from vCPU 0 when the
 * toolstack asks (xenstore control/shutdown = "suspend").
 */
#ifndef PVSR_KERNEL_PVSR_H
#define PVSR_KERNEL_PVSR_H

#include "hypercall/xen_abi.h"
#include "hypercall/pvsr_error.h"
#include "kernel/arch.h"

/* ------------------------------------------------------------------ */
/* The suspend protocol.                                              */

/*
 * The most vCPUs a domain may have for pvsr (static per-vCPU storage:
 * the caller's slots and the report). vCPUs from 32 on need a vcpu_info
 * registered outside shared_info (VCPUOP_register_vcpu_info).
 */
#define PVSR_MAX_VCPUS 128
#define PVSR_MEMBER_WORDS ((PVSR_MAX_VCPUS + 63) / 64)

/*
 * How vCPU 0 brings the parked vCPUs back after the hypercall.
 *
 * BATCHED (the default): in a new domain, one HYPERVISOR_multicall
 * registers every vCPU's vcpu_info, VCPUOP_initialise goes
 * PVSR_BRINGUP_BATCH contexts per multicall, and one more starts them
 * all (VCPUOP_up), so no rebuilt vCPU competes with vCPU 0 for a
 * physical CPU until all are built; after a cancel, the VCPUOP_ups go as
 * one multicall.
 * SERIAL: one vCPU at a time, one hypercall round trip per step (what
 * pvsr did before; kept to measure against).
 * A failed entry is reported like the single call (step, vCPU, hypercall,
 * subop, Xen's errno from the entry's result).
 */
enum pvsr_bringup {
	PVSR_BRINGUP_BATCHED = 0,
	PVSR_BRINGUP_SERIAL,
};

/* vCPUs per multicall of a new domain's bring-up (a context is ~5 KiB). */
#define PVSR_BRINGUP_BATCH 16

/*
 * Phases of one suspend, timed with the guest's clock (report.phase_ns).
 * They follow each other without gaps, so they add up to "total".
 */
enum pvsr_phase {
	PVSR_PHASE_PREPARE, /* hooks' events-on suspend phase */
	PVSR_PHASE_PARK, /* IPIs until every other vCPU is parked */
	PVSR_PHASE_DOWN, /* VCPUOP_down of the parked vCPUs */
	PVSR_PHASE_TEARDOWN, /* quiesced hooks, channel close, arch pre-suspend */
	PVSR_PHASE_HYPERCALL, /* SCHEDOP_shutdown(SHUTDOWN_suspend) */
	PVSR_PHASE_REBIND, /* shared_info, P2M, vcpu_info, vCPU 0 channels */
	PVSR_PHASE_REBUILD, /* contexts, VCPUOP_initialise/up, "resumed" */
	PVSR_PHASE_HOOKS, /* quiesced resume hooks, every vCPU still held */
	PVSR_PHASE_COMPLETE, /* release, then the events-on resume hooks */
	PVSR_PHASE_TOTAL,
	PVSR_PHASE_COUNT
};

/* How the suspend hypercall came back, as the vCPUs and hooks see it. */
enum pvsr_resume_kind {
	PVSR_RESUME_NEW_DOMAIN, /* returned 0: restored or migrated */
	PVSR_RESUME_CANCELLED, /* returned 1: same domain (checkpoint) */
	PVSR_RESUME_BACKOUT, /* failed before the hypercall: undo */
};

/* What happened to one vCPU (report.vcpu[]). */
enum pvsr_vcpu_outcome {
	PVSR_VCPU_NOT_INVOLVED = 0, /* offline, or the boot vCPU */
	PVSR_VCPU_PARKED, /* parked, not back yet */
	PVSR_VCPU_REBUILT, /* new context, VCPUOP_initialise + up */
	PVSR_VCPU_RESTARTED, /* same context, VCPUOP_up */
	PVSR_VCPU_NEVER_PARKED, /* did not reach the barrier */
	PVSR_VCPU_PARK_FAILED, /* reached it, could not save its state */
};

struct pvsr_vcpu_report {
	enum pvsr_vcpu_outcome outcome;
	/* Park IPIs it let pass because it was inside a hypercall. */
	unsigned int deferred;
	uint64_t park_ns; /* IPI to parked */
	uint64_t resume_ns; /* VCPUOP_up to "resumed" */
};

struct pvsr_report {
	bool hypercall_called; /* the suspend hypercall was made */
	int hypercall_ret; /* if called: 0 new domain, 1 cancelled, <0 error */
	enum pvsr_resume_kind kind;
	uint64_t phase_ns[PVSR_PHASE_COUNT];
	unsigned int nr_vcpus; /* vCPUs online when the suspend began */
	struct pvsr_vcpu_report vcpu[PVSR_MAX_VCPUS];
	struct pvsr_error_detail error;
};

const char *pvsr_phase_name(enum pvsr_phase phase);

/*
 * A subsystem's part in the suspend, in two phases each way:
 *
 * prepare()  events on, every vCPU running, before the pause barrier:
 *            what needs interrupts and other vCPUs, such as a frontend
 *            quiescing its backend and waiting for the acknowledgement,
 *            or xenstore finishing its requests.
 * suspend()  the quiesced window: other vCPUs parked and down, events
 *            masked, channels still bound; nothing may wait for an event.
 * resume()   quiesced again, after the hypercall (or to back out), before
 *            the parked vCPUs are released.
 * complete() events on, every vCPU released: the counterpart of prepare()
 *            (re-register xenstore watches, restart the backend).
 *
 * Every function is optional. A non-zero return from prepare() or
 * suspend() aborts the suspend, reported as PVSR_E_HOOK with the hook's
 * name, its step (prepare or hooks) and the value in xen_errno; the
 * hooks that went down come back (resume/complete, kind BACKOUT).
 * prepare() and suspend() run in reverse registration order, resume()
 * and complete() in registration order.
 */
struct pvsr_hook {
	const char *name;
	int (*prepare)(void *data);
	int (*suspend)(void *data);
	void (*resume)(void *data, enum pvsr_resume_kind kind);
	void (*complete)(void *data, enum pvsr_resume_kind kind);
	void *data;
};

#define PVSR_MAX_HOOKS 16

/*
 * What pvsr needs from the kernel that embeds it. All are called on the
 * boot vCPU unless said otherwise.
 */
struct pvsr_ops {
	unsigned int (*this_vcpu)(void); /* any vCPU */
	bool (*vcpu_online)(unsigned int vcpu);
	uint64_t (*now_ns)(void); /* monotonic, any vCPU */
	/* Mask (true) or unmask event upcalls on the calling vCPU. */
	void (*mask_events)(bool mask);
	/* Wait a little (e.g. SCHEDOP_yield); must not need events. */
	void (*relax)(void);
	/* Register vcpu's vcpu_info (vcpu is the caller or down). */
	long (*register_vcpu_info)(unsigned int vcpu);
	/*
	 * Optional. After a resume into a new domain, on vCPU 0 right after
	 * its vcpu_info is registered again and before pvsr reads the clock:
	 * make now_ns() continue from where it was (the new host's system
	 * time is unrelated to the old one's).
	 */
	void (*clock_resume)(void);
	/*
	 * On each resumed vCPU itself, events masked, before it reports
	 * back: its per-CPU setup (rebind its channels, re-arm its timer).
	 * Also called on the boot vCPU. Non-zero is fatal after the
	 * hypercall.
	 */
	int (*vcpu_resume)(unsigned int vcpu, enum pvsr_resume_kind kind,
			   struct pvsr_error_detail *detail);
	/* An impossible state after the hypercall: never returns. */
	__noreturn void (*panic)(const char *what,
				 const struct pvsr_error_detail *d);
};

struct pvsr_evtchn_registry;
struct pvsr_arch;
struct pvsr_trace;

/* Timeouts (ns of guest time). */
#define PVSR_PARK_TIMEOUT_NS (10ULL * 1000 * 1000 * 1000)
#define PVSR_PARK_REPOKE_NS (50ULL * 1000 * 1000)
/* A vCPU that let a poke pass inside a hypercall is poked this soon. */
#define PVSR_PARK_DEFER_REPOKE_NS (1ULL * 1000 * 1000)
#define PVSR_RESUME_TIMEOUT_NS (30ULL * 1000 * 1000 * 1000)

/*
 * The barrier word is (generation << PVSR_BARRIER_GEN_SHIFT) | phase, so a
 * vCPU still leaving one suspend's release can never mistake the next
 * suspend's HOLD for its own phase, and slot states carry the generation
 * they were written in.
 */
enum pvsr_barrier_phase {
	PVSR_BARRIER_IDLE, /* no suspend running */
	PVSR_BARRIER_HOLD, /* park and stay parked */
	PVSR_BARRIER_RESUME, /* parked vCPUs may run their resume work */
	PVSR_BARRIER_RELEASE, /* everyone back: return to what you did */
};

/*
 * How the barrier word and the slot states pack their generation. An
 * enum, not macros, so that the guest's debug info carries it and
 * scripts/pvsr-core decodes a core without hard-coding the layout.
 */
enum pvsr_state_layout {
	PVSR_BARRIER_GEN_SHIFT = 4,
	PVSR_BARRIER_PHASE_MASK = (1U << PVSR_BARRIER_GEN_SHIFT) - 1,
	PVSR_SLOT_GEN_SHIFT = 8,
	PVSR_SLOT_OUTCOME_MASK = (1U << PVSR_SLOT_GEN_SHIFT) - 1,
};

struct pvsr_vcpu_slot;

/* One instance per guest; the embedding kernel owns the storage. */
struct pvsr {
	const struct pvsr_ops *ops;
	struct pvsr_evtchn_registry *evtchns;
	struct pvsr_arch *arch;
	unsigned int park_ipi; /* the registry's IPI index */
	unsigned int nr_vcpus; /* vCPUs the domain has */
	struct pvsr_hook hooks[PVSR_MAX_HOOKS];
	unsigned int nr_hooks;
	/* Pause barrier state, shared with the parked vCPUs. */
	int busy;
	unsigned int barrier; /* generation and enum pvsr_barrier_phase */
	int resume_kind; /* enum pvsr_resume_kind */
	unsigned int generation; /* suspends so far */
	/* Who takes part in this suspend, snapshotted once when it begins. */
	uint64_t members[PVSR_MEMBER_WORDS];
	enum pvsr_bringup bringup; /* BATCHED unless the kernel says */
	struct pvsr_vcpu_slot *slots; /* PVSR_MAX_VCPUS of them */
	struct pvsr_trace *trace; /* NULL unless pvsr_trace_attach() */
};

/* Storage for the per-vCPU barrier state (the caller provides it). */
struct pvsr_vcpu_slot {
	/* (generation << 8) | enum pvsr_vcpu_outcome, shared */
	unsigned int state;
	unsigned int deferred; /* park IPIs let pass in a hypercall */
	struct pvsr_jmp_buf jb; /* the parked context */
	struct pvsr_arch_park park; /* FPU, segment bases, debug registers */
	struct pvsr_error_detail error; /* why it could not park */
	uint64_t park_sent_ns;
	uint64_t parked_ns;
	uint64_t up_ns;
	uint64_t resumed_ns;
} __aligned(64);

int pvsr_init(struct pvsr *p, const struct pvsr_ops *ops,
	      struct pvsr_evtchn_registry *evtchns, struct pvsr_arch *arch,
	      unsigned int park_ipi, unsigned int nr_vcpus,
	      struct pvsr_vcpu_slot *slots);

/* Returns 0 or -PVSR_E_INVAL (no name) / -PVSR_E_HOOKS_FULL. */
int pvsr_hook_register(struct pvsr *p, const struct pvsr_hook *hook);

/*
 * Suspend the domain (on vCPU 0, events may be on). Returns 0 after a
 * resume into a new domain, 1 after a cancelled suspend, or a negative
 * -PVSR_E_* with report->error filled; a failure before the hypercall
 * leaves the guest as it was. report is always filled.
 */
int pvsr_suspend(struct pvsr *p, struct pvsr_report *report);

/*
 * The park IPI handler calls this on its vCPU, events masked, with the
 * address the event interrupted (the bounce frame's rip). It saves the
 * context, parks, and returns once the suspend is over (possibly in a
 * new domain, on a rebuilt context) with the vCPU's state as it was. A
 * park IPI with no suspend running is ignored; one that interrupted a
 * preempted hypercall is let pass (the boot vCPU pokes again).
 */
enum pvsr_park_result {
	PVSR_PARK_IGNORED, /* no suspend holding, or parked already */
	PVSR_PARK_DEFERRED, /* inside a preempted hypercall: not now */
	PVSR_PARK_FAILED, /* could not save its state: the suspend backs out */
	PVSR_PARK_DONE, /* parked, and back with its state as it was */
};

enum pvsr_park_result pvsr_park_this_vcpu(struct pvsr *p,
					  unsigned long interrupted_pc);

/* True while a suspend runs (control/shutdown requests are refused). */
bool pvsr_busy(const struct pvsr *p);

#endif /* PVSR_KERNEL_PVSR_H */
