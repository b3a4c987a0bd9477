/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit only: a simulated N-vCPU PV guest for the suites of
 * pvsr_suspend() (suspend_test.c, suspend_failure_test.c), against the
 * fake hypervisor, every vCPU running the real code.
 *
 * The KUnit test thread is the boot vCPU and runs the orchestrator. Each
 * other online vCPU is a kernel thread bound to its vCPU number in the
 * fake (pvsr_fake_bind_task()) that does what a guest's vCPU does:
 *
 *  - idle, it waits for an event; a park IPI (EVTCHNOP_send to its park
 *    port) wakes it, and with events unmasked its "upcall" calls the real
 *    pvsr_park_this_vcpu() with the address the event interrupted (its
 *    own code, or a syscall in the hypercall page for a vCPU inside a
 *    preempted hypercall), events masked;
 *  - parked, it spins in the real barrier, whose pause is the fake's
 *    pvsr_fake_cpu_relax(): there it lets the others run, and while Xen
 *    has it down it sleeps until VCPUOP_up. If VCPUOP_initialise gave it
 *    a new context meanwhile, it starts on that context the way Xen does
 *    (pvsr_arch_load_context_local()): the faked pvsr_setjmp return is
 *    really taken.
 *
 * The boot vCPU's ops->relax lets the others run too (in turns, see
 * suspend_test_guest.c): a vCPU thread runs only when the others step
 * aside, which tests use to keep a vCPU inside the barrier's release
 * while the next suspend begins. A toolstack in on_suspend rewrites
 * start_info, the P2M and shared_info as a restore does. ops->panic, on
 * any vCPU, records and ends the suspend (the boot vCPU) or the thread
 * (another vCPU).
 */
#ifndef PVSR_KERNEL_SUSPEND_TEST_GUEST_H
#define PVSR_KERNEL_SUSPEND_TEST_GUEST_H

#include <kunit/test.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "kernel/pvsr.h"
#include "kernel/barrier.h"
#include "kernel/evtchn_registry.h"
#include "kernel/trace.h"
#include "arch/x86/suspend.h"
#include "hypercall/fake.h"

#define PAGE_BYTES 4096
#define IPI_PARK 0
#define ID_STORE 0
#define ID_CONSOLE 1
#define NR_HOOKS 3
#define NR_PFNS 1024
#define P2M_LIST_PAGES 2
#define STORE_PFN 7
#define CONSOLE_PFN 9
#define KERNEL_L4_PFN 100
#define USER_L4_PFN 101
#define GDT_PFN 200
#define GDT_ENTS 16
/* Machine frames of the guest's pages: base + pfn, moved by each restore. */
#define MFN_BASE 0x100000UL
#define MFN_STEP 0x100000UL
/* Frames of pages outside the P2M array's PFN range (frame lists). */
#define MFN_OTHER 0x80000UL
#define TICK_NS 1000000ULL
#define NR_LOG 2048
#define SIM_PANICKED (-1000)
/* Turns to wait for the vCPU threads (each one lets them all run). */
#define SETTLE_YIELDS 100000
#define VCPU_STACK_TOP(v) (0xffffc90000004000UL + (v)*0x4000UL)
#define PERCPU(v) (0xffff888000100000UL + (v)*0x100UL)
#define LDT_BASE 0xffff888000200000UL
#define LDT_ENTS 3
/* What each vCPU's thread loads as its live segment bases. */
#define VCPU_FS_BASE(v) (0x00007f0000001000UL + (v)*0x10000UL)
#define VCPU_GS_USER(v) (0x00007f0000800000UL + (v)*0x10000UL)
#define VCPU_GS_KERNEL(v) (PERCPU(v) + 0x40UL)
#define DR0(v) (0xffffffff81100000UL + (v))
#define DR7_VALUE 0x401UL
/* What a vCPU keeps in xmm15 when a park IPI lands (per vCPU, per IPI). */
#define XMM_MARK(v, n) (0x5eed000000000000UL | ((v) << 16) | (n))
/* A preempted mmu_update: the syscall of its stub (fake.c fills it). */
#define PC_IN_HYPERCALL \
	((unsigned long)&hypercall_page[__HYPERVISOR_mmu_update * 32 + 8])
/* The same stub's first byte: in the page, but not at a syscall. */
#define PC_STUB_START \
	((unsigned long)&hypercall_page[__HYPERVISOR_mmu_update * 32])

/* One vCPU: its thread, what the test asks of it, what it saw. */
struct sim_vcpu {
	struct task_struct *task; /* NULL for vCPU 0 and offline vCPUs */
	wait_queue_head_t wq;
	struct pvsr_jmp_buf top; /* where stop (or its panic) ends it */
	bool online; /* what ops->vcpu_online says */
	/* Set by the test before a suspend. */
	bool never_parks; /* ignores every park IPI */
	unsigned int deaf_ipis; /* ignores this many park IPIs first */
	unsigned int defer_left; /* IPIs that land inside a hypercall */
	unsigned long pc; /* where IPIs interrupt it (0: its own code) */
	bool hangs_on_resume; /* never reports back */
	bool hold_after_resume; /* stays in the release until let go */
	bool ctx_returns_zero; /* Xen gets a context with rax = 0 */
	/* Shared with its thread. */
	bool ready;
	bool wants_cpu; /* runnable: in the ring of turns */
	bool ipi_pending;
	bool masked; /* event upcalls masked */
	bool in_park; /* inside pvsr_park_this_vcpu() */
	bool holding;
	unsigned int ipis_sent; /* park IPIs sent to it */
	unsigned int park_ipis; /* park IPIs it took */
	unsigned int results[PVSR_PARK_DONE + 1];
	unsigned int resumes; /* ops->vcpu_resume calls */
	enum pvsr_resume_kind resume_kind;
	unsigned int resumed_on; /* its vCPU number in the fake, there */
	unsigned int init_seen; /* VCPUOP_initialise it last started on */
	unsigned int downs_seen; /* VCPUOP_down it has noticed */
	unsigned int ctx_starts; /* started on a context it was given */
	unsigned int down_while_running;
	/* Its live segment bases, read back after a park returned. */
	unsigned long fs_after, gs_user_after, gs_kernel_after;
	/* xmm15 when it parked, and when its resume work began. */
	unsigned long xmm_mark, xmm_at_resume;
	struct vcpu_guest_context ctx; /* the context it started on */
};

/*
 * What happened, in order: R vcpu_info registered, I VCPUOP_initialise,
 * U VCPUOP_up (a: the vCPU, each on success), X the suspend hypercall, P/S/H/C a hook's prepare,
 * suspend, resume, complete (b: kind, c: 1 if its context was right),
 * V ops->vcpu_resume.
 */
struct log_entry {
	char what;
	int a, b, c;
};

/* The guest's state at the suspend hypercall. */
struct at_hypercall {
	bool seen;
	unsigned int current_vcpu;
	unsigned int vcpus_up;
	bool shared_info_mapped;
	bool vcpu0_masked;
	uint64_t store_frame, console_frame;
	unsigned int ports_in_use;
};

struct sim {
	struct kunit *test;
	struct task_struct *boot_task;
	unsigned int nr_vcpus;
	unsigned int gen; /* restores the toolstack did */
	bool stopping;
	unsigned int turn; /* whose turn it is to run (0: the boot vCPU) */
	struct pvsr p;
	struct pvsr_arch arch;
	struct pvsr_evtchn_registry reg;
	struct pvsr_vcpu_slot slots[PVSR_MAX_VCPUS];
	struct pvsr_report report;
	struct pvsr_error_detail d;
	struct sim_vcpu v[PVSR_MAX_VCPUS];
	struct at_hypercall at;
	spinlock_t log_lock;
	struct log_entry log[NR_LOG];
	unsigned int nr_log;
	/* Hooks: which one refuses (index + 1), in which phase, with what. */
	unsigned int hook_refuses;
	char refuse_in; /* 'P' prepare or 'S' suspend */
	int hook_rc;
	unsigned int hook_down[NR_HOOKS];
	unsigned int hook_prepared[NR_HOOKS];
	bool nested_suspend;
	unsigned int offline_in_suspend; /* vCPU the kernel marks offline */
	int nested_rc;
	struct pvsr_report nested_report;
	/* The next boot vCPU relax lets held vCPUs leave the release. */
	bool release_holds;
	/* After the hypercall, EVTCHNOP_bind_ipi fails on this vCPU + 1. */
	unsigned int fail_ipi_rebind;
	/* ops->panic */
	struct pvsr_jmp_buf panic_jb;
	bool panicked;
	int panic_vcpu;
	const char *panic_what;
	struct pvsr_error_detail panic_detail;
	/* The clock read on vCPU 0 while it had no vcpu_info (stale time). */
	unsigned int stale_clock_reads;
	unsigned int clock_resumes;
	/* The kernel does not say where vcpu_infos are: ops register them. */
	bool vcpu_info_by_op;
	/* nr_pages the toolstack's restore writes (0: NR_PFNS). */
	unsigned long restore_nr_pages;
	unsigned int vcpu_info_ops; /* ops->register_vcpu_info calls */
};

struct want {
	enum pvsr_error code;
	enum pvsr_step step;
	int vcpu;
	int hypercall;
	int subop;
	long xen_errno;
};

/* A running guest, as after boot (the previous one's threads stopped). */
struct sim *sim_setup(struct kunit *test, unsigned int nr_vcpus);
/* The suite's exit: stop the vCPU threads. */
void sim_exit(struct kunit *test);
/* pvsr_suspend() on the boot vCPU, or SIM_PANICKED (ops->panic). */
int sim_suspend(struct sim *s);
/* The calling task steps aside until every other runnable one moved. */
void sim_let_others_run(void);
/* Let the vCPU threads run until none is parked or has an IPI pending. */
bool sim_settle(struct sim *s);
/* Send vCPU v a park IPI, let it take it: what its handler returned. */
enum pvsr_park_result sim_poke_and_wait(struct kunit *test, struct sim *s,
					unsigned int v);
/* Close and forget the channel with that meaning. */
void sim_unbind(struct kunit *test, struct sim *s, enum pvsr_evtchn_kind kind,
		unsigned int vcpu, unsigned int index);
/* Log entries of one kind (see struct log_entry), in order; how many. */
unsigned int sim_log_pick(struct sim *s, char what, int *a, int *b,
			  unsigned int max);

/* Checks (KUnit expectations on test). */
void sim_expect_detail(struct kunit *test, const struct pvsr_error_detail *d,
		       const struct want *w);
void sim_expect_no_panic(struct kunit *test, struct sim *s);
void sim_expect_channels_bound(struct kunit *test, struct sim *s);
void sim_expect_frames_are_mfns(struct kunit *test);
void sim_expect_hooks_balanced(struct kunit *test, struct sim *s);
void sim_expect_hooks_in_context(struct kunit *test, struct sim *s);
void sim_expect_finished(struct kunit *test, struct sim *s);
void sim_expect_backed_out(struct kunit *test, struct sim *s);
void sim_expect_clean_hypercall(struct kunit *test, struct sim *s);
void sim_expect_hook_order(struct kunit *test, struct sim *s,
			   enum pvsr_resume_kind kind);
void sim_expect_hooks_prepared_only(struct kunit *test, struct sim *s);
void sim_expect_vcpu_as_it_was(struct kunit *test, struct sim *s,
			       unsigned int v);
void sim_expect_new_domain(struct kunit *test, struct sim *s, int rc);
void sim_expect_panic(struct kunit *test, struct sim *s, int rc,
		      const struct want *w);

#endif /* PVSR_KERNEL_SUSPEND_TEST_GUEST_H */
