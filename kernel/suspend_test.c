// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: pvsr_suspend() against the fake hypervisor, every vCPU running
 * the real code.
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
 *    pvsr_fake_cpu_relax(): there it yields the one UML CPU, and while
 *    Xen has it down it sleeps until VCPUOP_up. If VCPUOP_initialise gave
 *    it a new context meanwhile, it starts on that context the way Xen
 *    does (pvsr_arch_load_context_local()): the faked pvsr_setjmp return
 *    is really taken.
 *
 * The boot vCPU's ops->relax yields too. UML has one CPU and no
 * preemption, so a thread runs only when the others yield or sleep:
 * tests use that to keep a vCPU inside the barrier's release while the
 * next suspend begins. A toolstack in on_suspend rewrites start_info, the
 * P2M and shared_info as a restore does. ops->panic, on any vCPU, records
 * and ends the suspend (the boot vCPU) or the thread (another vCPU).
 */
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/sched.h>
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
#define NR_LOG 512
#define SIM_PANICKED (-1000)
/* Yields to wait for the vCPU threads (each one lets them all run). */
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
	struct vcpu_guest_context ctx; /* the context it started on */
};

/*
 * What happened, in order: R vcpu_info registered, I VCPUOP_initialise,
 * U VCPUOP_up, X the suspend hypercall, P/S/H/C a hook's prepare,
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
};

static struct sim *sim;

static start_info_t test_start_info __aligned(PAGE_BYTES);
static union {
	struct shared_info s;
	char page[PAGE_BYTES];
} test_shared_info __aligned(PAGE_BYTES);
static struct vcpu_info test_vcpu_info[PVSR_MAX_VCPUS] __aligned(PAGE_BYTES);
static unsigned long test_p2m[NR_PFNS] __aligned(PAGE_BYTES);
static const struct trap_info test_traps[] = {
	{ .vector = 3, .flags = 3, .cs = FLAT_KERNEL_CS, .address = 0x1003 },
	{ .vector = 14, .cs = FLAT_KERNEL_CS, .address = 0x100e },
	{ 0 }
};

static const char *const hook_names[NR_HOOKS] = { "xenbus", "blkfront",
						  "netfront" };

static void log_add4(char what, int a, int b, int c)
{
	unsigned long flags;

	spin_lock_irqsave(&sim->log_lock, flags);
	if (sim->nr_log < NR_LOG)
		sim->log[sim->nr_log++] = (struct log_entry){ what, a, b, c };
	spin_unlock_irqrestore(&sim->log_lock, flags);
}

static void log_add(char what, int a, int b)
{
	log_add4(what, a, b, 1);
}

static unsigned int sim_index(const struct sim_vcpu *sv)
{
	return sv - sim->v;
}

/* The vCPU thread the caller is, or NULL (the boot vCPU's test thread). */
static struct sim_vcpu *this_thread(void)
{
	unsigned int v;

	for (v = 1; v < sim->nr_vcpus; v++)
		if (sim->v[v].task == current)
			return &sim->v[v];
	return NULL;
}

/*
 * One vCPU at a time, in turn. UML has one CPU, no preemption, and a
 * scheduler clock that only moves at the tick, so "yield" does not
 * reliably let anyone else run. Instead the tasks of the simulation (the
 * boot vCPU's test thread, index 0, and the vCPU threads) pass a baton:
 * only the task whose turn it is runs; one that spins hands the turn to
 * the next task that wants the CPU and waits to get it back, in a ring,
 * so every runnable vCPU moves on between two steps of any other. A vCPU
 * waiting for an event (an IPI, VCPUOP_up) does not want the CPU; whoever
 * delivers the event marks it wanting again.
 */
static unsigned int my_turn_index(void)
{
	struct sim_vcpu *sv = this_thread();

	return sv ? sim_index(sv) : 0;
}

static void wait_for_turn(unsigned int me)
{
	wait_event(sim->v[me].wq,
		   READ_ONCE(sim->turn) == me || READ_ONCE(sim->stopping));
}

/* Hand the turn to the next task after me that wants the CPU, if any. */
static bool give_turn(unsigned int me)
{
	unsigned int i, t;

	for (i = 1; i < sim->nr_vcpus; i++) {
		t = (me + i) % sim->nr_vcpus;
		if (READ_ONCE(sim->v[t].wants_cpu)) {
			WRITE_ONCE(sim->turn, t);
			wake_up(&sim->v[t].wq);
			return true;
		}
	}
	return false;
}

/* A spinning task steps aside until every other runnable one moved. */
static void let_others_run(void)
{
	unsigned int me = my_turn_index();

	if (give_turn(me))
		wait_for_turn(me);
	cond_resched();
}

/* Wake vCPU v for an event: it wants the CPU again. */
static void wake_vcpu(unsigned int v)
{
	WRITE_ONCE(sim->v[v].wants_cpu, true);
	wake_up(&sim->v[v].wq);
}

/* A vCPU thread waits for cond, giving its turn away meanwhile. */
#define vcpu_sleep_until(sv, cond)                                        \
	do {                                                              \
		unsigned int me__ = sim_index(sv);                        \
		WRITE_ONCE((sv)->wants_cpu, false);                       \
		give_turn(me__);                                          \
		wait_event((sv)->wq, (cond) || READ_ONCE(sim->stopping)); \
		WRITE_ONCE((sv)->wants_cpu, true);                        \
		wait_for_turn(me__);                                      \
	} while (0)

static bool vcpu_up_in_xen(unsigned int v)
{
	return READ_ONCE(pvsr_fake()->vcpu[v].up);
}

static enum pvsr_barrier_phase barrier_phase(void)
{
	return pvsr_load(&sim->p.barrier) & PVSR_BARRIER_PHASE_MASK;
}

/* ---- the embedding kernel: memory ---------------------------------- */

static unsigned long mfn_base(void)
{
	return MFN_BASE + sim->gen * MFN_STEP;
}

static void fill_p2m(void)
{
	unsigned long pfn;

	for (pfn = 0; pfn < NR_PFNS; pfn++)
		test_p2m[pfn] = mfn_base() + pfn;
}

static unsigned long arch_virt_to_mfn(const void *va)
{
	if (va == &test_start_info)
		return pvsr_fake()->start_info_mfn;
	return mfn_base() + MFN_OTHER + (((unsigned long)va >> 12) & 0xffff);
}

static unsigned long arch_mfn_to_pfn(unsigned long mfn)
{
	if (mfn < mfn_base() || mfn >= mfn_base() + NR_PFNS)
		return ~0UL;
	return mfn - mfn_base();
}

static void arch_vcpu_state(unsigned int v, struct pvsr_vcpu_arch_state *st)
{
	*st = (struct pvsr_vcpu_arch_state){
		.kernel_sp = VCPU_STACK_TOP(v),
		.gs_base_kernel = PERCPU(v),
		.kernel_l4_mfn = test_p2m[KERNEL_L4_PFN],
		.user_l4_mfn = test_p2m[USER_L4_PFN],
		.gdt_mfn = test_p2m[GDT_PFN + v],
		.gdt_ents = GDT_ENTS,
		.traps = test_traps,
		.event_callback = 0xffffffff81000100UL,
		.failsafe_callback = 0xffffffff81000200UL,
		.callback_flags = VGCF_failsafe_disables_events,
		.ldt_base = LDT_BASE,
		.ldt_ents = LDT_ENTS,
	};
}

/* What a restore writes into the new domain's start_info and memory. */
static void toolstack_restore(void)
{
	struct pvsr_fake *f = pvsr_fake();
	start_info_t *si = &test_start_info;
	unsigned int i;

	sim->gen++;
	fill_p2m();
	si->shared_info = f->shared_info_mfn << 12;
	si->store_mfn = test_p2m[STORE_PFN];
	si->console.domU.mfn = test_p2m[CONSOLE_PFN];
	si->store_evtchn = f->store_port;
	si->console.domU.evtchn = f->console_port;
	si->nr_pages = NR_PFNS;
	for (i = 0; i < PAGE_BYTES; i++)
		test_shared_info.page[i] = 0;
}

static void setup_start_info(void)
{
	struct pvsr_fake *f = pvsr_fake();
	start_info_t *si = &test_start_info;

	*si = (start_info_t){ 0 };
	fill_p2m();
	si->nr_pages = NR_PFNS;
	si->shared_info = f->shared_info_mfn << 12;
	si->store_mfn = test_p2m[STORE_PFN];
	si->store_evtchn = f->store_port;
	si->console.domU.mfn = test_p2m[CONSOLE_PFN];
	si->console.domU.evtchn = f->console_port;
	si->mfn_list = (unsigned long)test_p2m;
}

/* ---- the embedding kernel: pvsr_ops --------------------------------- */

static unsigned int op_this_vcpu(void)
{
	return pvsr_fake_current();
}

static bool op_vcpu_online(unsigned int vcpu)
{
	return vcpu < sim->nr_vcpus && sim->v[vcpu].online;
}

static uint64_t op_now_ns(void)
{
	struct pvsr_fake *f = pvsr_fake();

	/* A new domain forgot vCPU 0's vcpu_info: its time is stale. */
	if (sim && pvsr_fake_current() == 0 && !f->vcpu[0].vcpu_info_registered)
		sim->stale_clock_reads++;
	return __atomic_add_fetch(&f->now_ns, TICK_NS, __ATOMIC_RELAXED);
}

static void op_clock_resume(void)
{
	sim->clock_resumes++;
}

static void op_mask_events(bool mask)
{
	WRITE_ONCE(sim->v[op_this_vcpu()].masked, mask);
}

/*
 * The boot vCPU waits: let the vCPU threads run. A panic on another
 * vCPU takes the domain down, so the boot vCPU stops there too.
 */
static void op_relax(void)
{
	unsigned int v;

	if (READ_ONCE(sim->panicked))
		pvsr_longjmp(&sim->panic_jb, 1);
	if (READ_ONCE(sim->release_holds)) {
		WRITE_ONCE(sim->release_holds, false);
		for (v = 1; v < sim->nr_vcpus; v++)
			WRITE_ONCE(sim->v[v].holding, false);
	}
	let_others_run();
}

static long op_register_vcpu_info(unsigned int vcpu)
{
	struct vcpu_register_vcpu_info info = {
		.mfn = arch_virt_to_mfn(test_vcpu_info),
		.offset = vcpu * sizeof(struct vcpu_info),
	};
	long rc = pvsr_hyp_vcpu_op(VCPUOP_register_vcpu_info, vcpu, &info);

	if (!rc)
		log_add('R', vcpu, 0);
	return rc;
}

/* vCPU 0 in a new domain: the toolstack's channels have new ports. */
static int add_start_info_channels(struct pvsr_error_detail *detail)
{
	int rc;

	rc = pvsr_evtchn_add_start_info(&sim->reg, ID_STORE,
					test_start_info.store_evtchn, NULL,
					NULL, detail);
	if (rc)
		return rc;
	return pvsr_evtchn_add_start_info(&sim->reg, ID_CONSOLE,
					  test_start_info.console.domU.evtchn,
					  NULL, NULL, detail);
}

static int op_vcpu_resume(unsigned int vcpu, enum pvsr_resume_kind kind,
			  struct pvsr_error_detail *detail)
{
	struct sim_vcpu *sv = &sim->v[vcpu];
	int rc;

	sv->resumes++;
	sv->resume_kind = kind;
	sv->resumed_on = op_this_vcpu();
	log_add('V', vcpu, kind);
	while (sv->hangs_on_resume)
		pvsr_fake_cpu_relax(); /* until the test stops the thread */
	if (sv->hold_after_resume)
		WRITE_ONCE(sv->holding, true);
	rc = pvsr_evtchn_rebind_vcpu(&sim->reg, vcpu, detail);
	if (rc || vcpu != 0 || kind != PVSR_RESUME_NEW_DOMAIN)
		return rc;
	return add_start_info_channels(detail);
}

static __noreturn void op_panic(const char *what,
				const struct pvsr_error_detail *d)
{
	struct sim_vcpu *sv = this_thread();

	if (!READ_ONCE(sim->panicked)) {
		sim->panic_what = what;
		sim->panic_detail = *d;
		sim->panic_vcpu = sv ? (int)sim_index(sv) : 0;
		WRITE_ONCE(sim->panicked, true);
	}
	pvsr_longjmp(sv ? &sv->top : &sim->panic_jb, 1);
}

static const struct pvsr_ops test_ops = {
	.this_vcpu = op_this_vcpu,
	.vcpu_online = op_vcpu_online,
	.now_ns = op_now_ns,
	.mask_events = op_mask_events,
	.relax = op_relax,
	.register_vcpu_info = op_register_vcpu_info,
	.clock_resume = op_clock_resume,
	.vcpu_resume = op_vcpu_resume,
	.panic = op_panic,
};

/* ---- the other vCPUs: kernel threads running the real park code ------ */

/* The context Xen got must return from this vCPU's pvsr_setjmp with 1. */
static void check_rebuilt_context(unsigned int v,
				  const struct vcpu_guest_context *ctx)
{
	const struct cpu_user_regs *regs = &ctx->user_regs;
	const struct pvsr_jmp_buf *jb = &sim->slots[v].jb;
	struct kunit *test = sim->test;

	KUNIT_EXPECT_EQ(test, regs->rip, (uint64_t)jb->rip);
	KUNIT_EXPECT_EQ(test, regs->rsp, (uint64_t)jb->rsp + 8);
	KUNIT_EXPECT_EQ(test, regs->rbx, (uint64_t)jb->rbx);
	KUNIT_EXPECT_EQ(test, regs->rbp, (uint64_t)jb->rbp);
	KUNIT_EXPECT_EQ(test, regs->r12, (uint64_t)jb->r12);
	KUNIT_EXPECT_EQ(test, regs->r13, (uint64_t)jb->r13);
	KUNIT_EXPECT_EQ(test, regs->r14, (uint64_t)jb->r14);
	KUNIT_EXPECT_EQ(test, regs->r15, (uint64_t)jb->r15);
	/* Frame numbers of the new domain, not of the old one. */
	KUNIT_EXPECT_EQ(test, ctx->ctrlreg[3],
			xen_pfn_to_cr3(test_p2m[KERNEL_L4_PFN]));
	KUNIT_EXPECT_EQ(test, ctx->ctrlreg[1],
			xen_pfn_to_cr3(test_p2m[USER_L4_PFN]));
	KUNIT_EXPECT_EQ(test, ctx->gdt_frames[0],
			(xen_ulong_t)test_p2m[GDT_PFN + v]);
	KUNIT_EXPECT_EQ(test, ctx->kernel_sp, VCPU_STACK_TOP(v));
	/* What the kernel says besides the registers. */
	KUNIT_EXPECT_TRUE(test, ctx->flags & VGCF_failsafe_disables_events);
	KUNIT_EXPECT_EQ(test, ctx->ldt_base, LDT_BASE);
	KUNIT_EXPECT_EQ(test, ctx->ldt_ents, (unsigned long)LDT_ENTS);
	/* What only the vCPU could read, saved when it parked. */
	KUNIT_EXPECT_EQ(test, ctx->fs_base, (uint64_t)VCPU_FS_BASE(v));
	KUNIT_EXPECT_EQ(test, ctx->gs_base_user, (uint64_t)VCPU_GS_USER(v));
	KUNIT_EXPECT_EQ(test, ctx->gs_base_kernel, (uint64_t)VCPU_GS_KERNEL(v));
	if (sim->arch.uses_debugregs) {
		KUNIT_EXPECT_EQ(test, ctx->debugreg[0], (uint64_t)DR0(v));
		KUNIT_EXPECT_EQ(test, ctx->debugreg[7], (uint64_t)DR7_VALUE);
	}
	KUNIT_EXPECT_TRUE(test, pvsr_fake()->vcpu[v].vcpu_info_registered);
}

/*
 * Xen runs the vCPU on the context VCPUOP_initialise gave it: the
 * registers as they are (rax included), on the stack they name.
 */
static __noreturn void start_on_context(struct sim_vcpu *sv)
{
	unsigned int v = sim_index(sv);
	struct pvsr_fake_vcpu *fv = &pvsr_fake()->vcpu[v];

	sv->init_seen = fv->nr_initialise;
	sv->ctx = fv->ctx;
	sv->ctx_starts++;
	check_rebuilt_context(v, &sv->ctx);
	if (sv->ctx_returns_zero)
		sv->ctx.user_regs.rax = 0;
	pvsr_arch_load_context_local(&sv->ctx);
}

/*
 * A vCPU spins (the barrier's pause): give the CPU away. If Xen took it
 * down meanwhile, it may not go on: it sleeps until VCPUOP_up, then runs
 * on where it was (same context) or starts on the one VCPUOP_initialise
 * gave it. The test can hold it here, and stop it.
 */
static void on_relax(unsigned int vcpu, void *data)
{
	struct sim_vcpu *sv = this_thread();
	struct pvsr_fake_vcpu *fv = &pvsr_fake()->vcpu[vcpu];

	if (!sv) {
		let_others_run();
		return;
	}
	while (READ_ONCE(sv->holding) && !READ_ONCE(sim->stopping))
		let_others_run();
	let_others_run();
	if (READ_ONCE(fv->nr_down) != sv->downs_seen) {
		sv->downs_seen = READ_ONCE(fv->nr_down);
		vcpu_sleep_until(sv, vcpu_up_in_xen(vcpu));
		if (!READ_ONCE(sim->stopping) &&
		    READ_ONCE(fv->nr_initialise) != sv->init_seen)
			start_on_context(sv);
	}
	if (READ_ONCE(sim->stopping))
		pvsr_longjmp(&sv->top, 1);
}

static void read_bases(struct sim_vcpu *sv)
{
	pvsr_hyp_read_segment_base(SEGBASE_FS, &sv->fs_after);
	pvsr_hyp_read_segment_base(SEGBASE_GS_USER, &sv->gs_user_after);
	pvsr_hyp_read_segment_base(SEGBASE_GS_KERNEL, &sv->gs_kernel_after);
}

/* The event upcall with a park IPI pending: the guest's handler. */
static void take_park_ipi(struct sim_vcpu *sv)
{
	unsigned long pc = sv->pc ? sv->pc : (unsigned long)take_park_ipi;
	enum pvsr_park_result res;

	sv->park_ipis++;
	/* Missed it, as a vCPU about to block can. */
	if (sv->never_parks || sv->park_ipis <= sv->deaf_ipis)
		return;
	if (sv->defer_left) {
		sv->defer_left--;
		pc = PC_IN_HYPERCALL;
	}
	WRITE_ONCE(sv->masked, true);
	WRITE_ONCE(sv->in_park, true);
	res = pvsr_park_this_vcpu(&sim->p, pc);
	WRITE_ONCE(sv->in_park, false);
	sv->results[res]++;
	if (res == PVSR_PARK_DONE)
		read_bases(sv);
	WRITE_ONCE(sv->masked, false);
}

static void vcpu_main(struct sim_vcpu *sv)
{
	unsigned int v = sim_index(sv);

	/* Its own bases, which only it can read back (rdmsr). */
	pvsr_hyp_set_segment_base(SEGBASE_FS, VCPU_FS_BASE(v));
	pvsr_hyp_set_segment_base(SEGBASE_GS_USER, VCPU_GS_USER(v));
	pvsr_hyp_set_segment_base(SEGBASE_GS_KERNEL, VCPU_GS_KERNEL(v));
	WRITE_ONCE(sv->ready, true);
	while (!READ_ONCE(sim->stopping)) {
		if (__atomic_exchange_n(&sv->ipi_pending, false,
					__ATOMIC_ACQ_REL))
			take_park_ipi(sv);
		else
			vcpu_sleep_until(sv, READ_ONCE(sv->ipi_pending));
	}
}

static int vcpu_thread(void *arg)
{
	struct sim_vcpu *sv = arg;

	wait_for_turn(sim_index(sv));
	if (!READ_ONCE(sim->stopping) &&
	    pvsr_fake_bind_task(sim_index(sv)) == 0 &&
	    pvsr_setjmp(&sv->top) == 0)
		vcpu_main(sv);
	/* Stopped, or panicked: done being a vCPU. */
	pvsr_fake_unbind_task();
	WRITE_ONCE(sv->wants_cpu, false);
	give_turn(sim_index(sv));
	wait_event(sv->wq, kthread_should_stop());
	return 0;
}

static void stop_vcpus(struct sim *s)
{
	unsigned int v;

	WRITE_ONCE(s->stopping, true);
	for (v = 1; v < s->nr_vcpus; v++) {
		if (!s->v[v].task)
			continue;
		wake_up(&s->v[v].wq);
		kthread_stop(s->v[v].task);
		s->v[v].task = NULL;
	}
}

/* Let the vCPU threads run until none is parked or has an IPI to take. */
static bool settle(struct sim *s)
{
	unsigned int i, v;
	bool busy = true;

	for (i = 0; i < SETTLE_YIELDS && busy; i++) {
		busy = false;
		for (v = 1; v < s->nr_vcpus; v++)
			busy |= s->v[v].task && !s->v[v].never_parks &&
				(READ_ONCE(s->v[v].in_park) ||
				 READ_ONCE(s->v[v].ipi_pending));
		if (busy)
			let_others_run();
	}
	return !busy;
}

/* ---- the fake hypervisor's hooks ----------------------------------- */

static void on_vcpu_up(unsigned int vcpu, void *data)
{
	log_add('U', vcpu, 0);
	if (sim->v[vcpu].task)
		wake_vcpu(vcpu);
}

static void on_vcpu_down(unsigned int vcpu, void *data)
{
	if (!READ_ONCE(sim->v[vcpu].in_park))
		sim->v[vcpu].down_while_running++;
}

static void on_send(evtchn_port_t port, unsigned int vcpu, void *data)
{
	const struct pvsr_evtchn *ch = pvsr_evtchn_lookup(&sim->reg, port);
	struct sim_vcpu *sv;

	if (!ch || ch->kind != PVSR_EVTCHN_IPI || ch->index != IPI_PARK ||
	    vcpu >= sim->nr_vcpus)
		return;
	sv = &sim->v[vcpu];
	sv->ipis_sent++;
	if (!sv->task)
		return;
	WRITE_ONCE(sv->ipi_pending, true);
	wake_vcpu(vcpu);
}

static void snapshot_at_hypercall(void)
{
	struct pvsr_fake *f = pvsr_fake();
	struct at_hypercall *at = &sim->at;

	at->seen = true;
	at->current_vcpu = pvsr_fake_current();
	at->vcpus_up = pvsr_fake_vcpus_up();
	at->shared_info_mapped = f->shared_info_mapped;
	at->vcpu0_masked = sim->v[0].masked;
	at->store_frame = test_start_info.store_mfn;
	at->console_frame = test_start_info.console.domU.mfn;
	at->ports_in_use = pvsr_fake_ports_in_use();
	log_add('X', 0, 0);
}

static long on_call(int hypercall, int subop, unsigned int vcpu, void *data)
{
	if (hypercall == __HYPERVISOR_sched_op && subop == SCHEDOP_shutdown)
		snapshot_at_hypercall();
	if (hypercall == __HYPERVISOR_vcpu_op && subop == VCPUOP_initialise)
		log_add('I', -1, 0);
	if (hypercall == __HYPERVISOR_event_channel_op &&
	    subop == EVTCHNOP_bind_ipi && pvsr_fake()->nr_suspends &&
	    sim->fail_ipi_rebind == vcpu + 1)
		return -XEN_ENOSPC;
	return 0;
}

static void on_suspend(long result, void *data)
{
	if (result == 0)
		toolstack_restore();
}

static const struct pvsr_fake_hooks sim_hooks = {
	.on_call = on_call,
	.on_send = on_send,
	.on_vcpu_up = on_vcpu_up,
	.on_vcpu_down = on_vcpu_down,
	.on_suspend = on_suspend,
	.on_relax = on_relax,
};

/* ---- subsystem hooks ------------------------------------------------ */

static unsigned int hook_index(void *data)
{
	return (unsigned int *)data - sim->hook_down;
}

static unsigned int secondaries_up(void)
{
	return pvsr_fake_vcpus_up() - vcpu_up_in_xen(0);
}

static unsigned int online_secondaries(void)
{
	unsigned int v, n = 0;

	for (v = 1; v < sim->nr_vcpus; v++)
		n += sim->v[v].online;
	return n;
}

/* Events on, every vCPU running: before the barrier. */
static int hook_prepare(void *data)
{
	unsigned int i = hook_index(data);
	bool ok = !sim->v[0].masked && barrier_phase() != PVSR_BARRIER_HOLD &&
		  secondaries_up() == online_secondaries();

	log_add4('P', i, 0, ok);
	if (sim->refuse_in == 'P' && sim->hook_refuses == i + 1)
		return sim->hook_rc;
	sim->hook_prepared[i]++;
	return 0;
}

/* The quiesced window: events masked, the others parked and down. */
static int hook_suspend(void *data)
{
	unsigned int i = hook_index(data);
	bool ok = sim->v[0].masked && barrier_phase() == PVSR_BARRIER_HOLD &&
		  secondaries_up() == 0;

	log_add4('S', i, 0, ok);
	if (sim->nested_suspend)
		sim->nested_rc = pvsr_suspend(&sim->p, &sim->nested_report);
	if (sim->offline_in_suspend)
		sim->v[sim->offline_in_suspend].online = false;
	if (sim->refuse_in == 'S' && sim->hook_refuses == i + 1)
		return sim->hook_rc;
	sim->hook_down[i]++;
	return 0;
}

/* Quiesced again: the others parked, or back but not released. */
static void hook_resume(void *data, enum pvsr_resume_kind kind)
{
	unsigned int i = hook_index(data);
	enum pvsr_barrier_phase ph = barrier_phase();
	bool ok = sim->v[0].masked &&
		  (ph == PVSR_BARRIER_HOLD || ph == PVSR_BARRIER_RESUME);

	log_add4('H', i, kind, ok);
	sim->hook_down[i]--;
}

/* Events on, nobody held at the barrier. */
static void hook_complete(void *data, enum pvsr_resume_kind kind)
{
	unsigned int i = hook_index(data);
	enum pvsr_barrier_phase ph = barrier_phase();
	bool ok = !sim->v[0].masked && ph != PVSR_BARRIER_HOLD &&
		  ph != PVSR_BARRIER_RESUME;

	log_add4('C', i, kind, ok);
	sim->hook_prepared[i]--;
}

/* ---- set-up ----------------------------------------------------------- */

static void register_own_vcpu_info(void *arg)
{
	struct sim_vcpu *sv = arg;

	KUNIT_ASSERT_EQ(sim->test, op_register_vcpu_info(sim_index(sv)), 0L);
}

static void bind_channels(struct kunit *test, struct sim *s)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;

	pvsr_evtchn_init(&s->reg);
	for (v = 0; v < s->nr_vcpus; v++) {
		KUNIT_ASSERT_GT(test,
				pvsr_evtchn_bind_virq(&s->reg, VIRQ_TIMER, v,
						      NULL, NULL, &s->d),
				0);
		KUNIT_ASSERT_GT(test,
				pvsr_evtchn_bind_ipi(&s->reg, IPI_PARK, v, NULL,
						     NULL, &s->d),
				0);
	}
	KUNIT_ASSERT_EQ(test,
			pvsr_evtchn_add_start_info(&s->reg, ID_STORE,
						   f->store_port, NULL, NULL,
						   &s->d),
			0);
	KUNIT_ASSERT_EQ(test,
			pvsr_evtchn_add_start_info(&s->reg, ID_CONSOLE,
						   f->console_port, NULL, NULL,
						   &s->d),
			0);
}

static void setup_guest_memory(struct kunit *test, struct sim *s)
{
	setup_start_info();
	s->arch = (struct pvsr_arch){
		.start_info = &test_start_info,
		.shared_info_va = (unsigned long)&test_shared_info,
		.p2m = test_p2m,
		.nr_pfns = NR_PFNS,
		.virt_to_mfn = arch_virt_to_mfn,
		.mfn_to_pfn = arch_mfn_to_pfn,
		.vcpu_state = arch_vcpu_state,
	};
	KUNIT_ASSERT_EQ(test, pvsr_arch_map_shared_info(&s->arch), 0L);
	KUNIT_ASSERT_EQ(test, pvsr_arch_publish_p2m(&s->arch), 0);
}

static void setup_hooks(struct kunit *test, struct sim *s)
{
	unsigned int i;

	for (i = 0; i < NR_HOOKS; i++) {
		struct pvsr_hook h = {
			.name = hook_names[i],
			.prepare = hook_prepare,
			.suspend = hook_suspend,
			.resume = hook_resume,
			.complete = hook_complete,
			.data = &s->hook_down[i],
		};

		KUNIT_ASSERT_EQ(test, pvsr_hook_register(&s->p, &h), 0);
	}
}

static void start_vcpus(struct kunit *test, struct sim *s)
{
	unsigned int i, v;
	bool all;

	init_waitqueue_head(&s->v[0].wq);
	s->v[0].wants_cpu = true; /* the boot vCPU always does */
	s->turn = 0;
	for (v = 1; v < s->nr_vcpus; v++) {
		struct sim_vcpu *sv = &s->v[v];
		struct task_struct *t;

		init_waitqueue_head(&sv->wq);
		sv->wants_cpu = true;
		t = kthread_run(vcpu_thread, sv, "pvsr-vcpu%u", v);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		sv->task = t;
	}
	for (i = 0, all = false; i < SETTLE_YIELDS && !all; i++) {
		all = true;
		for (v = 1; v < s->nr_vcpus; v++)
			all &= READ_ONCE(s->v[v].ready);
		if (!all)
			let_others_run();
	}
	KUNIT_ASSERT_TRUE_MSG(test, all, "vCPU threads did not start");
}

/*
 * A running N-vCPU guest, as after boot: everything bound and mapped,
 * every other vCPU a thread of its own, idle.
 */
static struct sim *sim_setup(struct kunit *test, unsigned int nr_vcpus)
{
	struct sim *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned int v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	if (sim)
		stop_vcpus(sim);
	sim = s;
	s->test = test;
	s->boot_task = current;
	s->nr_vcpus = nr_vcpus;
	spin_lock_init(&s->log_lock);
	pvsr_fake_set_hooks(NULL);
	KUNIT_ASSERT_EQ(test, pvsr_fake_reset(nr_vcpus), 0);
	pvsr_fake()->nr_pages = NR_PFNS;
	pvsr_fake_fill_hypercall_page();
	for (v = 0; v < nr_vcpus; v++) {
		pvsr_fake_bring_up(v);
		s->v[v].online = true;
		pvsr_fake_run_as(v, register_own_vcpu_info, &s->v[v]);
	}
	setup_guest_memory(test, s);
	bind_channels(test, s);
	KUNIT_ASSERT_EQ(test,
			pvsr_init(&s->p, &test_ops, &s->reg, &s->arch, IPI_PARK,
				  nr_vcpus, s->slots),
			0);
	setup_hooks(test, s);
	s->nr_log = 0;
	pvsr_fake_set_hooks(&sim_hooks);
	start_vcpus(test, s);
	return s;
}

static void suspend_exit(struct kunit *test)
{
	if (sim)
		stop_vcpus(sim);
	pvsr_fake_set_hooks(NULL);
	pvsr_fake_set_current(0);
	sim = NULL;
}

/* pvsr_suspend(), or SIM_PANICKED if it ended in ops->panic. */
static int sim_suspend(struct sim *s)
{
	if (pvsr_setjmp(&s->panic_jb)) {
		pvsr_fake_set_current(0);
		return SIM_PANICKED;
	}
	return pvsr_suspend(&s->p, &s->report);
}

/* ---- checks ------------------------------------------------------------ */

struct want {
	enum pvsr_error code;
	enum pvsr_step step;
	int vcpu;
	int hypercall;
	int subop;
	long xen_errno;
};

static void expect_detail(struct kunit *test, const struct pvsr_error_detail *d,
			  const struct want *w)
{
	KUNIT_EXPECT_EQ_MSG(test, d->code, w->code, "got \"%s\"",
			    pvsr_strerror(d->code));
	KUNIT_EXPECT_EQ_MSG(test, d->step, w->step, "got step %s",
			    pvsr_step_name(d->step));
	KUNIT_EXPECT_EQ(test, d->vcpu, w->vcpu);
	KUNIT_EXPECT_EQ(test, d->hypercall, w->hypercall);
	KUNIT_EXPECT_EQ(test, d->subop, w->subop);
	KUNIT_EXPECT_EQ(test, d->xen_errno, w->xen_errno);
}

static void expect_no_panic(struct kunit *test, struct sim *s)
{
	KUNIT_ASSERT_FALSE_MSG(test, s->panicked, "panic: %s: %s (vCPU %d)",
			       s->panic_what,
			       pvsr_strerror(s->panic_detail.code),
			       s->panic_detail.vcpu);
}

/* Xen agrees with each registry entry, and no port is left over. */
static void expect_channels_bound(struct kunit *test, struct sim *s)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned int i;

	KUNIT_EXPECT_EQ(test, pvsr_evtchn_count_bound(&s->reg),
			pvsr_evtchn_count(&s->reg));
	KUNIT_EXPECT_EQ(test, pvsr_fake_ports_in_use(),
			pvsr_evtchn_count(&s->reg));
	for (i = 0; i < PVSR_EVTCHN_MAX; i++) {
		const struct pvsr_evtchn *ch = &s->reg.entry[i];
		const struct pvsr_fake_port *fp = pvsr_fake_port(ch->port);

		if (ch->kind == PVSR_EVTCHN_FREE)
			continue;
		KUNIT_ASSERT_NOT_NULL(test, fp);
		KUNIT_EXPECT_FALSE_MSG(test, fp->masked, "port %u", ch->port);
		if (ch->kind == PVSR_EVTCHN_START_INFO) {
			KUNIT_EXPECT_EQ(test, ch->port,
					ch->index == ID_STORE ?
						f->store_port :
						f->console_port);
			continue;
		}
		KUNIT_EXPECT_EQ(test, fp->state,
				ch->kind == PVSR_EVTCHN_VIRQ ?
					(unsigned int)EVTCHNSTAT_virq :
					(unsigned int)EVTCHNSTAT_ipi);
		KUNIT_EXPECT_EQ(test, fp->vcpu, ch->vcpu);
	}
}

/* start_info's frames as the running guest keeps them: MFNs. */
static void expect_frames_are_mfns(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, (unsigned long)test_start_info.store_mfn,
			test_p2m[STORE_PFN]);
	KUNIT_EXPECT_EQ(test, (unsigned long)test_start_info.console.domU.mfn,
			test_p2m[CONSOLE_PFN]);
}

static void expect_hooks_balanced(struct kunit *test, struct sim *s)
{
	unsigned int i;

	for (i = 0; i < NR_HOOKS; i++) {
		KUNIT_EXPECT_EQ_MSG(test, s->hook_down[i], 0U, "hook %s",
				    hook_names[i]);
		KUNIT_EXPECT_EQ_MSG(test, s->hook_prepared[i], 0U, "hook %s",
				    hook_names[i]);
	}
}

/*
 * The protocol is over: barrier released in this suspend's generation,
 * not busy, events back on, and once the vCPU threads had the CPU, each
 * online one is running its own code again, up in Xen.
 */
static void expect_finished(struct kunit *test, struct sim *s)
{
	unsigned int v;

	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	KUNIT_EXPECT_EQ(test, s->p.barrier & PVSR_BARRIER_PHASE_MASK,
			(unsigned int)PVSR_BARRIER_RELEASE);
	KUNIT_EXPECT_EQ(test, s->p.barrier >> PVSR_BARRIER_GEN_SHIFT,
			s->p.generation);
	KUNIT_EXPECT_FALSE(test, s->v[0].masked);
	KUNIT_EXPECT_EQ(test, pvsr_fake_current(), 0U);
	KUNIT_EXPECT_TRUE_MSG(test, settle(s), "vCPU threads never settled");
	KUNIT_EXPECT_EQ_MSG(test, pvsr_fake()->violations, 0U, "first: %s",
			    pvsr_fake_violation_name(pvsr_fake()->violations &
						     -pvsr_fake()->violations));
	KUNIT_EXPECT_FALSE(test, pvsr_fake()->shut_down);
	expect_hooks_balanced(test, s);
	expect_channels_bound(test, s);
	for (v = 1; v < s->nr_vcpus; v++) {
		if (!s->v[v].online)
			continue;
		KUNIT_EXPECT_FALSE_MSG(test, s->v[v].in_park,
				       "vCPU %u still parked", v);
		KUNIT_EXPECT_FALSE_MSG(test, s->v[v].masked,
				       "vCPU %u left masked", v);
		KUNIT_EXPECT_TRUE_MSG(test, vcpu_up_in_xen(v),
				      "vCPU %u left down", v);
		KUNIT_EXPECT_EQ_MSG(test, s->v[v].down_while_running, 0U,
				    "vCPU %u taken down while not parked", v);
	}
}

/*
 * A failure before the hypercall: the guest runs exactly as before. Every
 * vCPU up and back from the barrier (or never parked), every channel
 * bound, shared_info mapped, MFNs in start_info, nothing suspended.
 */
static void expect_backed_out(struct kunit *test, struct sim *s)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;

	expect_no_panic(test, s);
	expect_finished(test, s);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, f->nr_suspends, 0U);
	KUNIT_EXPECT_EQ(test, f->generation, 0U);
	KUNIT_EXPECT_TRUE(test, f->shared_info_mapped);
	KUNIT_EXPECT_EQ(test, f->shared_info_va,
			(unsigned long)&test_shared_info);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), s->nr_vcpus);
	expect_frames_are_mfns(test);
	for (v = 0; v < s->nr_vcpus; v++) {
		KUNIT_EXPECT_TRUE(test, f->vcpu[v].initialised);
		KUNIT_EXPECT_TRUE(test, f->vcpu[v].vcpu_info_registered);
		KUNIT_EXPECT_EQ(test, f->vcpu[v].nr_initialise, 0U);
		if (v == 0)
			continue;
		KUNIT_EXPECT_EQ(test, s->v[v].ctx_starts, 0U);
		KUNIT_EXPECT_EQ(test, s->v[v].results[PVSR_PARK_FAILED] > 0,
				s->report.vcpu[v].outcome ==
					PVSR_VCPU_PARK_FAILED);
		if (s->v[v].resumes)
			KUNIT_EXPECT_EQ(test, s->v[v].resume_kind,
					PVSR_RESUME_BACKOUT);
	}
}

/* What Xen saw at SCHEDOP_shutdown(SHUTDOWN_suspend). */
static void expect_clean_hypercall(struct kunit *test, struct sim *s)
{
	struct pvsr_fake *f = pvsr_fake();

	KUNIT_ASSERT_TRUE(test, s->at.seen);
	KUNIT_EXPECT_TRUE(test, s->report.hypercall_called);
	/* The fake refuses, and records, a wrong MFN, others up, a mapping. */
	KUNIT_EXPECT_EQ(test, f->violations, 0U);
	KUNIT_EXPECT_EQ(test, s->at.current_vcpu, 0U);
	KUNIT_EXPECT_EQ(test, s->at.vcpus_up, 1U);
	KUNIT_EXPECT_FALSE(test, s->at.shared_info_mapped);
	KUNIT_EXPECT_TRUE(test, s->at.vcpu0_masked);
	KUNIT_EXPECT_EQ(test, s->at.store_frame, (uint64_t)STORE_PFN);
	KUNIT_EXPECT_EQ(test, s->at.console_frame, (uint64_t)CONSOLE_PFN);
	/* Only the toolstack's channels are left open. */
	KUNIT_EXPECT_EQ(test, s->at.ports_in_use, 2U);
	KUNIT_EXPECT_EQ(test, s->report.hypercall_ret,
			s->report.kind == PVSR_RESUME_NEW_DOMAIN ? 0 : 1);
}

/* Entries of one kind from the log, in order; returns how many. */
static unsigned int log_pick(struct sim *s, char what, int *a, int *b,
			     unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nr_log && n < max; i++) {
		if (s->log[i].what != what)
			continue;
		a[n] = s->log[i].a;
		if (b)
			b[n] = s->log[i].b;
		n++;
	}
	return n;
}

/* Index of the first (last) log entry of a kind, or -1. */
static int log_first(struct sim *s, char what)
{
	unsigned int i;

	for (i = 0; i < s->nr_log; i++)
		if (s->log[i].what == what)
			return i;
	return -1;
}

static int log_last(struct sim *s, char what)
{
	int i;

	for (i = s->nr_log - 1; i >= 0; i--)
		if (s->log[i].what == what)
			return i;
	return -1;
}

/* Every hook call ran where its phase says (events, barrier, vCPUs). */
static void expect_hooks_in_context(struct kunit *test, struct sim *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_log; i++) {
		const struct log_entry *e = &s->log[i];

		if (strchr("PSHC", e->what))
			KUNIT_EXPECT_EQ_MSG(test, e->c, 1,
					    "hook %s: %c in the wrong context",
					    hook_names[e->a], e->what);
	}
}

/*
 * A whole suspend: prepare and suspend last-registered first, resume and
 * complete in registration order with kind; prepare before suspend,
 * suspend before the hypercall, resume after it, complete last.
 */
static void expect_hook_order(struct kunit *test, struct sim *s,
			      enum pvsr_resume_kind kind)
{
	static const char down[] = "PS", up[] = "HC";
	int a[NR_HOOKS * 2], b[NR_HOOKS * 2];
	unsigned int i, k;

	for (k = 0; k < 2; k++) {
		KUNIT_ASSERT_EQ(test,
				log_pick(s, down[k], a, NULL, NR_HOOKS * 2),
				(unsigned int)NR_HOOKS);
		for (i = 0; i < NR_HOOKS; i++)
			KUNIT_EXPECT_EQ(test, a[i], (int)(NR_HOOKS - 1 - i));
		KUNIT_ASSERT_EQ(test, log_pick(s, up[k], a, b, NR_HOOKS * 2),
				(unsigned int)NR_HOOKS);
		for (i = 0; i < NR_HOOKS; i++) {
			KUNIT_EXPECT_EQ(test, a[i], (int)i);
			KUNIT_EXPECT_EQ(test, b[i], (int)kind);
		}
	}
	KUNIT_EXPECT_LT(test, log_last(s, 'P'), log_first(s, 'S'));
	if (log_first(s, 'X') >= 0) {
		KUNIT_EXPECT_LT(test, log_last(s, 'S'), log_first(s, 'X'));
		KUNIT_EXPECT_GT(test, log_first(s, 'H'), log_last(s, 'X'));
	}
	KUNIT_EXPECT_LT(test, log_last(s, 'H'), log_first(s, 'C'));
	expect_hooks_in_context(test, s);
}

static bool is_rebuild_step(char what)
{
	return what == 'R' || what == 'I' || what == 'U';
}

/* After the hypercall: R v, I, U v for each parked vCPU, in this order. */
static void expect_register_before_initialise(struct kunit *test, struct sim *s)
{
	unsigned int i = 0, v = 1, step = 0;

	while (i < s->nr_log && s->log[i].what != 'X')
		i++;
	for (; i < s->nr_log && v < s->nr_vcpus; i++) {
		const struct log_entry *e = &s->log[i];
		static const char order[] = "RIU";

		if (!is_rebuild_step(e->what) || e->a == 0)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, e->what, order[step],
				    "vCPU %u: step %u", v, step);
		if (e->what != 'I')
			KUNIT_EXPECT_EQ(test, e->a, (int)v);
		if (++step == 3) {
			step = 0;
			v++;
		}
	}
	KUNIT_EXPECT_EQ(test, v, s->nr_vcpus);
}

/*
 * vCPU v came back as it was: its thread's park returned, with the
 * segment bases it had (in a new domain, only the rebuilt context could
 * have given them back: Xen starts a vCPU with blank ones).
 */
static void expect_vcpu_as_it_was(struct kunit *test, struct sim *s,
				  unsigned int v)
{
	struct sim_vcpu *sv = &s->v[v];

	KUNIT_EXPECT_GE_MSG(test, sv->results[PVSR_PARK_DONE], 1U, "vCPU %u",
			    v);
	KUNIT_EXPECT_EQ_MSG(test, sv->fs_after, VCPU_FS_BASE(v), "vCPU %u", v);
	KUNIT_EXPECT_EQ_MSG(test, sv->gs_user_after, VCPU_GS_USER(v), "vCPU %u",
			    v);
	KUNIT_EXPECT_EQ_MSG(test, sv->gs_kernel_after, VCPU_GS_KERNEL(v),
			    "vCPU %u", v);
}

/* ---- cases: the two ways back ------------------------------------------ */

static void expect_new_domain(struct kunit *test, struct sim *s, int rc)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;

	expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, 0);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_NEW_DOMAIN);
	expect_clean_hypercall(test, s);
	expect_finished(test, s);
	expect_hook_order(test, s, PVSR_RESUME_NEW_DOMAIN);
	expect_register_before_initialise(test, s);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), s->nr_vcpus);
	KUNIT_EXPECT_EQ(test, s->report.nr_vcpus, s->nr_vcpus);
	for (v = 0; v < s->nr_vcpus; v++) {
		KUNIT_EXPECT_TRUE(test, f->vcpu[v].vcpu_info_registered);
		KUNIT_EXPECT_EQ(test, s->v[v].resumes, f->nr_suspends);
		KUNIT_EXPECT_EQ(test, s->v[v].resume_kind,
				PVSR_RESUME_NEW_DOMAIN);
		/* Each vCPU did its own per-CPU resume, on itself. */
		KUNIT_EXPECT_EQ(test, s->v[v].resumed_on, v);
		if (v == 0)
			continue;
		KUNIT_EXPECT_EQ(test, f->vcpu[v].nr_initialise, f->generation);
		/* It really ran the context it was given. */
		KUNIT_EXPECT_EQ(test, s->v[v].ctx_starts, f->generation);
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].outcome,
				PVSR_VCPU_REBUILT);
		expect_vcpu_as_it_was(test, s, v);
	}
	/* The new shared_info is mapped and the P2M republished in it. */
	KUNIT_EXPECT_TRUE(test, f->shared_info_mapped);
	KUNIT_EXPECT_EQ(test, (uint64_t)test_shared_info.s.arch.max_pfn,
			(uint64_t)NR_PFNS);
	KUNIT_EXPECT_EQ(test,
			pvsr_arch_p2m_frame_list_list_mfn(&s->arch) & ~0xffffUL,
			mfn_base() + MFN_OTHER);
	expect_frames_are_mfns(test);
}

static void suspend_new_domain_rebuilds_every_vcpu(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	struct pvsr_fake *f = pvsr_fake();
	unsigned int p, v;
	int rc;

	/* The kernel uses debug registers: they come back too. */
	s->arch.uses_debugregs = true;
	for (v = 1; v < 4; v++) {
		f->vcpu[v].debugreg[0] = DR0(v);
		f->vcpu[v].debugreg[7] = DR7_VALUE;
	}
	rc = sim_suspend(s);
	expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test, s->clock_resumes, 1U);
	KUNIT_EXPECT_EQ_MSG(test, s->stale_clock_reads, 0U,
			    "clock read before vCPU 0's vcpu_info came back");
	KUNIT_EXPECT_EQ(test, f->generation, 1U);
	KUNIT_EXPECT_EQ(test, s->report.hypercall_ret, 0);
	for (p = 0; p < PVSR_PHASE_COUNT; p++)
		KUNIT_EXPECT_GT_MSG(test, s->report.phase_ns[p], 0ULL,
				    "phase %s", pvsr_phase_name(p));
	for (v = 1; v < 4; v++) {
		KUNIT_EXPECT_GT(test, s->report.vcpu[v].park_ns, 0ULL);
		KUNIT_EXPECT_GT(test, s->report.vcpu[v].resume_ns, 0ULL);
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].deferred, 0U);
		/* Xen loaded them from the rebuilt context. */
		KUNIT_EXPECT_EQ(test, f->vcpu[v].debugreg[0], DR0(v));
		KUNIT_EXPECT_EQ(test, f->vcpu[v].debugreg[7], DR7_VALUE);
	}
}

/* The phases follow each other: together they are the total. */
static void suspend_phases_add_up_to_the_total(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	uint64_t sum = 0;
	unsigned int p;

	expect_new_domain(test, s, sim_suspend(s));
	for (p = 0; p < PVSR_PHASE_TOTAL; p++)
		sum += s->report.phase_ns[p];
	KUNIT_EXPECT_EQ(test, sum, s->report.phase_ns[PVSR_PHASE_TOTAL]);
}

/* The kinds the boot vCPU records, in order, leaving out repeats. */
static unsigned int boot_vcpu_kinds(const struct pvsr_trace *t,
				    enum pvsr_trace_kind *out, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < pvsr_trace_count(t); i++) {
		enum pvsr_trace_kind k = t->ev[i].kind;

		if (t->ev[i].vcpu != 0 || (n && out[n - 1] == k))
			continue;
		if (n < max)
			out[n++] = k;
	}
	return n;
}

/* With a trace attached, a suspend leaves its steps in order. */
static void suspend_trace_records_the_protocol_in_order(struct kunit *test)
{
	static const enum pvsr_trace_kind want[] = {
		PVSR_TR_BEGIN,	     PVSR_TR_PREPARED,	 PVSR_TR_PARK_SENT,
		PVSR_TR_DOWN,	     PVSR_TR_HOOKS_DOWN, PVSR_TR_CLOSED,
		PVSR_TR_PRE_SUSPEND, PVSR_TR_RETURNED,	 PVSR_TR_POST_SUSPEND,
		PVSR_TR_VCPU_UP,     PVSR_TR_RELEASED,	 PVSR_TR_END,
	};
	static struct pvsr_trace trace;
	enum pvsr_trace_kind got[32];
	struct sim *s = sim_setup(test, 4);
	unsigned int i, n, downs = 0, parked = 0, resumed = 0;

	pvsr_trace_attach(&s->p, &trace);
	expect_new_domain(test, s, sim_suspend(s));
	n = boot_vcpu_kinds(&trace, got, ARRAY_SIZE(got));
	KUNIT_ASSERT_EQ(test, n, (unsigned int)ARRAY_SIZE(want));
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_STREQ(test, pvsr_trace_kind_name(got[i]),
				   pvsr_trace_kind_name(want[i]));
	for (i = 0; i < pvsr_trace_count(&trace); i++) {
		downs += trace.ev[i].kind == PVSR_TR_DOWN;
		/* The others' events, from their own threads. */
		parked += trace.ev[i].kind == PVSR_TR_PARKED &&
			  trace.ev[i].vcpu != 0;
		resumed += trace.ev[i].kind == PVSR_TR_RESUMED &&
			   trace.ev[i].vcpu != 0;
		if (i)
			KUNIT_EXPECT_GE(test, trace.ev[i].ns,
					trace.ev[i - 1].ns);
	}
	KUNIT_EXPECT_EQ(test, downs, 3U);
	KUNIT_EXPECT_EQ(test, parked, 3U);
	KUNIT_EXPECT_EQ(test, resumed, 3U);
	KUNIT_EXPECT_EQ(test, pvsr_trace_dropped(&trace), 0U);
	pvsr_trace_attach(&s->p, NULL);
}

/* vCPUs >= 32 have no shared_info slot: vcpu_info before initialise. */
static void suspend_new_domain_above_32_vcpus(struct kunit *test)
{
	struct sim *s = sim_setup(test, 36);
	int rc = sim_suspend(s);

	expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op,
					VCPUOP_register_vcpu_info),
			36U * 2);
}

static void suspend_cancelled_restarts_same_contexts(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	struct pvsr_fake *f = pvsr_fake();
	evtchn_port_t store = f->store_port, console = f->console_port;
	unsigned int v, infos;
	int rc;

	f->suspend_result = 1;
	infos = pvsr_fake_calls(__HYPERVISOR_vcpu_op,
				VCPUOP_register_vcpu_info);
	rc = sim_suspend(s);
	expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, 1);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_CANCELLED);
	KUNIT_EXPECT_EQ(test, s->clock_resumes, 0U);
	expect_clean_hypercall(test, s);
	expect_finished(test, s);
	expect_hook_order(test, s, PVSR_RESUME_CANCELLED);
	KUNIT_EXPECT_EQ(test, f->nr_cancelled, 1U);
	KUNIT_EXPECT_EQ(test, f->generation, 0U);
	/* Same domain: no VCPUOP_initialise, no second registration. */
	KUNIT_EXPECT_EQ(
		test, pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_initialise),
		0U);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op,
					VCPUOP_register_vcpu_info),
			infos);
	for (v = 1; v < 4; v++) {
		KUNIT_EXPECT_EQ(test, f->vcpu[v].nr_up, 1U);
		KUNIT_EXPECT_EQ(test, f->vcpu[v].nr_down, 1U);
		/* It went on spinning on its old context, then left. */
		KUNIT_EXPECT_EQ(test, s->v[v].ctx_starts, 0U);
		KUNIT_EXPECT_EQ(test, s->v[v].resume_kind,
				PVSR_RESUME_CANCELLED);
		KUNIT_EXPECT_EQ(test, s->v[v].resumed_on, v);
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].outcome,
				PVSR_VCPU_RESTARTED);
		expect_vcpu_as_it_was(test, s, v);
	}
	KUNIT_EXPECT_EQ(test, s->v[0].resume_kind, PVSR_RESUME_CANCELLED);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 4U);
	/* The toolstack's channels were never closed. */
	KUNIT_EXPECT_EQ(test, f->store_port, store);
	KUNIT_EXPECT_EQ(test, f->console_port, console);
	KUNIT_EXPECT_TRUE(test, f->shared_info_mapped);
	expect_frames_are_mfns(test);
}

/* A guest suspends again in the domain it was restored into. */
static void suspend_twice_new_domain_then_cancel(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	int rc;

	rc = sim_suspend(s);
	expect_new_domain(test, s, rc);
	pvsr_fake()->suspend_result = 1;
	s->at.seen = false;
	s->nr_log = 0;
	rc = sim_suspend(s);
	expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, 1);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->nr_suspends, 2U);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->violations, 0U);
	KUNIT_EXPECT_TRUE(test, s->at.seen);
	KUNIT_EXPECT_EQ(test, s->at.vcpus_up, 1U);
	KUNIT_EXPECT_EQ(test, s->at.store_frame, (uint64_t)STORE_PFN);
	expect_finished(test, s);
	expect_hook_order(test, s, PVSR_RESUME_CANCELLED);
	expect_frames_are_mfns(test);
	KUNIT_EXPECT_EQ(test, s->p.generation, 2U);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_DONE], 2U);
	expect_vcpu_as_it_was(test, s, 2);
}

/*
 * Suspends back to back: vCPUs 2 and 3 are still on their way out of one
 * suspend's release (they have not run since it) when the next one
 * begins. They must leave it and park in the new one, not hold it up
 * until the park times out.
 */
static void suspend_back_to_back_with_vcpus_still_leaving(struct kunit *test)
{
	static const long results[] = { 0, 1, 0, 1 };
	struct sim *s = sim_setup(test, 4);
	struct pvsr_fake *f = pvsr_fake();
	unsigned int k, v;
	int rc;

	s->v[2].hold_after_resume = true;
	s->v[3].hold_after_resume = true;
	for (k = 0; k < ARRAY_SIZE(results); k++) {
		if (k) {
			/* Still inside the last suspend's park, not left. */
			KUNIT_ASSERT_TRUE(test, s->v[2].in_park);
			KUNIT_ASSERT_TRUE(test, s->v[3].in_park);
			KUNIT_ASSERT_EQ(test, s->v[2].results[PVSR_PARK_DONE],
					k - 1);
			WRITE_ONCE(s->release_holds, true);
		}
		f->suspend_result = results[k];
		rc = sim_suspend(s);
		expect_no_panic(test, s);
		KUNIT_EXPECT_EQ_MSG(test, rc, (int)results[k],
				    "suspend %u: %s (vCPU %d)", k,
				    pvsr_strerror(s->report.error.code),
				    s->report.error.vcpu);
		KUNIT_EXPECT_EQ(test, s->report.kind,
				results[k] ? PVSR_RESUME_CANCELLED :
					     PVSR_RESUME_NEW_DOMAIN);
		for (v = 1; v < 4; v++)
			KUNIT_EXPECT_EQ_MSG(test, s->report.vcpu[v].outcome,
					    results[k] ? PVSR_VCPU_RESTARTED :
							 PVSR_VCPU_REBUILT,
					    "suspend %u vCPU %u", k, v);
		KUNIT_EXPECT_EQ(test, f->nr_suspends, k + 1);
	}
	WRITE_ONCE(s->release_holds, true);
	for (v = 2; v < 4; v++)
		WRITE_ONCE(s->v[v].holding, false);
	expect_finished(test, s);
	KUNIT_EXPECT_EQ(test, s->p.generation, 4U);
	for (v = 1; v < 4; v++) {
		KUNIT_EXPECT_EQ(test, s->v[v].results[PVSR_PARK_DONE], 4U);
		KUNIT_EXPECT_EQ(test, s->v[v].results[PVSR_PARK_FAILED], 0U);
		KUNIT_EXPECT_EQ(test, s->v[v].ctx_starts, 2U);
		expect_vcpu_as_it_was(test, s, v);
	}
}

/* An idle vCPU that missed its IPI is poked again until it parks. */
static void suspend_repokes_a_vcpu_that_missed_the_ipi(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	int rc;

	s->v[2].deaf_ipis = 2;
	rc = sim_suspend(s);
	expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test, s->v[2].ipis_sent, 3U);
	KUNIT_EXPECT_EQ(test, s->v[2].park_ipis, 3U);
	KUNIT_EXPECT_EQ(test, s->v[1].ipis_sent, 1U);
	KUNIT_EXPECT_GE(test, s->report.vcpu[2].park_ns,
			2 * PVSR_PARK_REPOKE_NS);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[2].deferred, 0U);
}

/*
 * A park IPI that lands on the syscall of a hypercall stub (Xen preempted
 * a hypercall there) is let pass and counted; the boot vCPU pokes again
 * at the deferral pace until it lands elsewhere. Elsewhere in the page
 * is no hypercall in flight.
 */
static void suspend_defers_a_park_inside_a_hypercall(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	int rc;

	s->v[2].defer_left = 3;
	s->v[3].pc = PC_STUB_START;
	rc = sim_suspend(s);
	expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[2].deferred, 3U);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_DEFERRED], 3U);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_DONE], 1U);
	KUNIT_EXPECT_EQ(test, s->v[2].ipis_sent, 4U);
	/* Re-poked well before the idle re-poke would have come. */
	KUNIT_EXPECT_LT(test, s->report.vcpu[2].park_ns, PVSR_PARK_REPOKE_NS);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[3].deferred, 0U);
	KUNIT_EXPECT_EQ(test, s->v[3].results[PVSR_PARK_DEFERRED], 0U);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].deferred, 0U);
}

/*
 * A back-out before the quiesced hooks: every hook prepared (last
 * registered first) and completed with BACKOUT, none suspended.
 */
static void expect_hooks_prepared_only(struct kunit *test, struct sim *s)
{
	int a[NR_HOOKS * 2], b[NR_HOOKS * 2];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, log_pick(s, 'P', a, NULL, NR_HOOKS * 2),
			(unsigned int)NR_HOOKS);
	KUNIT_EXPECT_EQ(test, log_pick(s, 'S', a, NULL, NR_HOOKS * 2), 0U);
	KUNIT_EXPECT_EQ(test, log_pick(s, 'H', a, NULL, NR_HOOKS * 2), 0U);
	KUNIT_ASSERT_EQ(test, log_pick(s, 'C', a, b, NR_HOOKS * 2),
			(unsigned int)NR_HOOKS);
	for (i = 0; i < NR_HOOKS; i++) {
		KUNIT_EXPECT_EQ(test, a[i], (int)i);
		KUNIT_EXPECT_EQ(test, b[i], (int)PVSR_RESUME_BACKOUT);
	}
	expect_hooks_in_context(test, s);
}

/* A vCPU that cannot save its state: named, and the suspend backs out. */
static void suspend_park_state_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_PARK_STATE,
				PVSR_STEP_PARK,
				2,
				__HYPERVISOR_set_segment_base,
				SEGBASE_FS,
				-XEN_EINVAL };
	unsigned int v;

	pvsr_fake()->vcpu[2].read_segment_base_err = -XEN_EINVAL;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PARK_STATE);
	expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[2].outcome, PVSR_VCPU_PARK_FAILED);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_FAILED], 1U);
	KUNIT_EXPECT_FALSE(test, s->report.hypercall_called);
	expect_backed_out(test, s);
	/* Nobody was taken down; everyone runs its own code again. */
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_down), 0U);
	/* The others parked and were let go, or had not run yet. */
	for (v = 1; v < 4; v++)
		KUNIT_EXPECT_EQ(test,
				s->v[v].results[PVSR_PARK_DONE] +
					s->v[v].results[PVSR_PARK_IGNORED],
				v == 2 ? 0U : 1U);
	expect_hooks_prepared_only(test, s);
}

static void unbind(struct kunit *test, struct sim *s,
		   enum pvsr_evtchn_kind kind, unsigned int vcpu,
		   unsigned int index)
{
	int port = pvsr_evtchn_port_of(&s->reg, kind, vcpu, index);

	KUNIT_ASSERT_GT(test, port, 0);
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_unbind(&s->reg, port, &s->d), 0);
}

/* Only online vCPUs take part; an offline one is left alone. */
static void suspend_leaves_offline_vcpus_alone(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;
	int rc;

	/* Unplugged earlier: down in Xen, its channels gone. */
	s->v[3].online = false;
	f->vcpu[3].up = false;
	unbind(test, s, PVSR_EVTCHN_VIRQ, 3, VIRQ_TIMER);
	unbind(test, s, PVSR_EVTCHN_IPI, 3, IPI_PARK);
	rc = sim_suspend(s);
	expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, 0);
	KUNIT_EXPECT_EQ(test, s->report.nr_vcpus, 3U);
	KUNIT_EXPECT_EQ(test, s->v[3].ipis_sent, 0U);
	KUNIT_EXPECT_EQ(test, f->vcpu[3].nr_down, 0U);
	KUNIT_EXPECT_EQ(test, f->vcpu[3].nr_initialise, 0U);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[3].outcome,
			PVSR_VCPU_NOT_INVOLVED);
	for (v = 1; v < 3; v++)
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].outcome,
				PVSR_VCPU_REBUILT);
	expect_finished(test, s);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 3U);
}

/*
 * Who takes part is fixed when the suspend begins: a vCPU the kernel
 * stops calling online halfway (here in a quiesced hook) was parked and
 * taken down with the others, and must come back with them.
 */
static void suspend_members_are_fixed_when_it_begins(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	struct pvsr_fake *f = pvsr_fake();
	int rc;

	s->offline_in_suspend = 2;
	rc = sim_suspend(s);
	expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, 0);
	KUNIT_EXPECT_EQ(test, s->report.nr_vcpus, 4U);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[2].outcome, PVSR_VCPU_REBUILT);
	KUNIT_EXPECT_TRUE(test, settle(s));
	KUNIT_EXPECT_TRUE(test, f->vcpu[2].up);
	KUNIT_EXPECT_EQ(test, f->vcpu[2].nr_initialise, 1U);
	KUNIT_EXPECT_FALSE(test, s->v[2].in_park);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_DONE], 1U);
	expect_vcpu_as_it_was(test, s, 2);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 4U);
	KUNIT_EXPECT_EQ(test, f->violations, 0U);
}

/* Let vCPU v's thread take an IPI sent to it now; its park result. */
static enum pvsr_park_result poke_and_wait(struct kunit *test, struct sim *s,
					   unsigned int v)
{
	unsigned int before[PVSR_PARK_DONE + 1], i, r;

	for (r = 0; r <= PVSR_PARK_DONE; r++)
		before[r] = s->v[v].results[r];
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_send_ipi(&s->reg, IPI_PARK, v, &s->d),
			0);
	for (i = 0; i < SETTLE_YIELDS && READ_ONCE(s->v[v].ipi_pending); i++)
		let_others_run();
	KUNIT_EXPECT_TRUE(test, settle(s));
	for (r = 0; r <= PVSR_PARK_DONE; r++)
		if (s->v[v].results[r] != before[r])
			return r;
	KUNIT_FAIL(test, "vCPU %u never took its park IPI", v);
	return PVSR_PARK_DONE;
}

/* The real handler ignores park IPIs on vCPU 0 and outside a suspend. */
static void suspend_spurious_park_ipi_is_ignored(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	unsigned int state = s->slots[2].state;

	KUNIT_EXPECT_EQ(test, poke_and_wait(test, s, 2), PVSR_PARK_IGNORED);
	KUNIT_EXPECT_EQ(test, s->slots[2].state, state);
	KUNIT_EXPECT_EQ(test, pvsr_park_this_vcpu(&s->p, 0), PVSR_PARK_IGNORED);
	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	expect_new_domain(test, s, sim_suspend(s));
	/* After the release, a late IPI does not park the vCPU again. */
	state = s->slots[2].state;
	KUNIT_EXPECT_EQ(test, poke_and_wait(test, s, 2), PVSR_PARK_IGNORED);
	KUNIT_EXPECT_EQ(test, s->slots[2].state, state);
	KUNIT_EXPECT_EQ(test, pvsr_barrier_outcome(&s->p, 2),
			PVSR_VCPU_REBUILT);
	KUNIT_EXPECT_EQ(test, s->v[2].results[PVSR_PARK_IGNORED], 2U);
}

/* ---- cases: refused requests ------------------------------------------- */

static void suspend_off_the_boot_vcpu_is_refused(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	unsigned int calls =
		pvsr_fake_calls(__HYPERVISOR_vcpu_op, PVSR_FAKE_ANY) +
		pvsr_fake_calls(__HYPERVISOR_event_channel_op, PVSR_FAKE_ANY);
	const struct want w = {
		PVSR_E_NOT_BOOT_VCPU, PVSR_STEP_REQUEST, 2, -1, -1, 0
	};
	int rc;

	/* A caller's report may be stack garbage: it is always filled. */
	memset(&s->report, 0xa5, sizeof(s->report));
	pvsr_fake_set_current(2);
	rc = sim_suspend(s);
	pvsr_fake_set_current(0);
	expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, -PVSR_E_NOT_BOOT_VCPU);
	expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_NULL(test, s->report.error.hook);
	KUNIT_EXPECT_EQ(test, s->report.error.port, 0U);
	KUNIT_EXPECT_FALSE(test, s->report.hypercall_called);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].outcome,
			PVSR_VCPU_NOT_INVOLVED);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].deferred, 0U);
	KUNIT_EXPECT_EQ(test, s->report.phase_ns[PVSR_PHASE_TOTAL], 0ULL);
	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	KUNIT_EXPECT_EQ(test, s->p.barrier, (unsigned int)PVSR_BARRIER_IDLE);
	KUNIT_EXPECT_EQ(test, s->nr_log, 0U);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op, PVSR_FAKE_ANY) +
				pvsr_fake_calls(__HYPERVISOR_event_channel_op,
						PVSR_FAKE_ANY),
			calls);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), 4U);
}

/* A suspend hook that asks for another suspend: refused, busy. */
static void suspend_while_busy_is_refused(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_BUSY,  PVSR_STEP_REQUEST,
				PVSR_NO_VCPU, -1,
				-1,	      0 };
	int rc;

	s->nested_suspend = true;
	memset(&s->nested_report, 0xa5, sizeof(s->nested_report));
	rc = sim_suspend(s);
	expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test, s->nested_rc, -PVSR_E_BUSY);
	expect_detail(test, &s->nested_report.error, &w);
	KUNIT_EXPECT_NULL(test, s->nested_report.error.hook);
	KUNIT_EXPECT_FALSE(test, s->nested_report.hypercall_called);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->nr_suspends, 1U);
}

/*
 * A hook's events-on phase refuses: nothing was quiesced, so nothing is
 * undone but the hooks that had prepared (completed with BACKOUT), and
 * the next suspend works.
 */
static void suspend_prepare_refusal_parks_nothing(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_HOOK,  PVSR_STEP_PREPARE,
				PVSR_NO_VCPU, -1,
				-1,	      -16 };
	int a[8], b[8];
	unsigned int v;

	s->refuse_in = 'P';
	s->hook_refuses = 2; /* blkfront; netfront prepared before it */
	s->hook_rc = -16;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_HOOK);
	expect_no_panic(test, s);
	expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_STREQ(test, s->report.error.hook, "blkfront");
	KUNIT_EXPECT_FALSE(test, s->report.hypercall_called);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	/* No barrier, no IPI, no vCPU touched. */
	KUNIT_EXPECT_EQ(test, s->p.barrier, (unsigned int)PVSR_BARRIER_IDLE);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_event_channel_op,
					EVTCHNOP_send),
			0U);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_down), 0U);
	KUNIT_EXPECT_FALSE(test, s->v[0].masked);
	for (v = 1; v < 4; v++) {
		KUNIT_EXPECT_EQ(test, s->v[v].park_ipis, 0U);
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].outcome,
				PVSR_VCPU_NOT_INVOLVED);
	}
	/* netfront prepared and completes; xenbus never prepared. */
	KUNIT_EXPECT_EQ(test, log_pick(s, 'P', a, NULL, 8), 2U);
	KUNIT_EXPECT_EQ(test, log_pick(s, 'S', a, NULL, 8), 0U);
	KUNIT_ASSERT_EQ(test, log_pick(s, 'C', a, b, 8), 1U);
	KUNIT_EXPECT_EQ(test, a[0], 2);
	KUNIT_EXPECT_EQ(test, b[0], (int)PVSR_RESUME_BACKOUT);
	expect_hooks_in_context(test, s);
	expect_hooks_balanced(test, s);
	expect_channels_bound(test, s);

	/* It left nothing behind: the next suspend goes through. */
	s->refuse_in = 0;
	s->nr_log = 0;
	expect_new_domain(test, s, sim_suspend(s));
}

/* ---- cases: failures before the hypercall back out --------------------- */

static void suspend_park_ipi_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	int port = pvsr_evtchn_port_of(&s->reg, PVSR_EVTCHN_IPI, 2, IPI_PARK);
	const struct want w = { PVSR_E_PARK_IPI,
				PVSR_STEP_PARK,
				2,
				__HYPERVISOR_event_channel_op,
				EVTCHNOP_send,
				-XEN_EIO };

	/* vCPU 1 gets its IPI; the IPI to vCPU 2 fails. */
	pvsr_fake_inject(__HYPERVISOR_event_channel_op, EVTCHNOP_send, 2,
			 -XEN_EIO);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PARK_IPI);
	expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_EQ(test, s->report.error.port, (unsigned int)port);
	expect_backed_out(test, s);
	/*
	 * vCPU 1 parked and was let go, or (not run yet) found the
	 * barrier released and ignored the IPI: running either way.
	 */
	KUNIT_EXPECT_TRUE(test,
			  s->report.vcpu[1].outcome == PVSR_VCPU_RESTARTED ||
				  s->report.vcpu[1].outcome ==
					  PVSR_VCPU_NEVER_PARKED);
	KUNIT_EXPECT_EQ(test, s->v[1].park_ipis, 1U);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_down), 0U);
	KUNIT_EXPECT_FALSE(test, s->report.hypercall_called);
	expect_hooks_prepared_only(test, s);
}

/* No park IPI bound for a vCPU: the same error, without a hypercall. */
static void suspend_park_ipi_not_bound_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_PARK_IPI, PVSR_STEP_PARK, 3, -1, -1, 0 };

	unbind(test, s, PVSR_EVTCHN_IPI, 3, IPI_PARK);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PARK_IPI);
	expect_detail(test, &s->report.error, &w);
	expect_backed_out(test, s);
}

static void suspend_park_timeout_names_the_vcpu(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_PARK_TIMEOUT, PVSR_STEP_PARK, 2, -1, -1, 0
	};

	s->v[2].never_parks = true;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PARK_TIMEOUT);
	expect_detail(test, &s->report.error, &w);
	expect_backed_out(test, s);
	/* Poked again and again, for the whole timeout. */
	KUNIT_EXPECT_GE(test, s->v[2].ipis_sent,
			(unsigned int)(PVSR_PARK_TIMEOUT_NS /
				       (PVSR_PARK_REPOKE_NS + 4 * TICK_NS)));
	KUNIT_EXPECT_GE(test, s->report.phase_ns[PVSR_PHASE_PARK],
			PVSR_PARK_TIMEOUT_NS);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[2].outcome,
			PVSR_VCPU_NEVER_PARKED);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].outcome, PVSR_VCPU_RESTARTED);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[3].outcome, PVSR_VCPU_RESTARTED);
}

static void suspend_vcpu_down_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_VCPU_DOWN,     PVSR_STEP_DOWN, 2,
		__HYPERVISOR_vcpu_op, VCPUOP_down,    -XEN_EBUSY
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_down, 2, -XEN_EBUSY);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_VCPU_DOWN);
	expect_detail(test, &s->report.error, &w);
	expect_backed_out(test, s);
	/* vCPU 1 was down: brought up again on its own context. */
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[1].nr_up, 1U);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[3].nr_down, 0U);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].outcome, PVSR_VCPU_RESTARTED);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[3].outcome, PVSR_VCPU_RESTARTED);
}

/* VCPUOP_down went through, asking whether it is down failed. */
static void suspend_vcpu_is_up_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_VCPU_DOWN,     PVSR_STEP_DOWN, 2,
		__HYPERVISOR_vcpu_op, VCPUOP_is_up,   -XEN_EFAULT
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 2, -XEN_EFAULT);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_VCPU_DOWN);
	expect_detail(test, &s->report.error, &w);
	expect_backed_out(test, s);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[2].nr_up, 1U);
}

static void suspend_hook_refusal_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_HOOK,  PVSR_STEP_HOOKS,
				PVSR_NO_VCPU, -1,
				-1,	      -16 };
	int a[8], b[8];
	unsigned int i;

	s->refuse_in = 'S';
	s->hook_refuses = 2; /* blkfront; netfront went down before it */
	s->hook_rc = -16;
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_HOOK);
	expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_STREQ(test, s->report.error.hook, "blkfront");
	expect_backed_out(test, s);
	/* netfront came back once; xenbus never went down. */
	KUNIT_ASSERT_EQ(test, log_pick(s, 'H', a, b, 8), 1U);
	KUNIT_EXPECT_EQ(test, a[0], 2);
	KUNIT_EXPECT_EQ(test, b[0], (int)PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, log_pick(s, 'S', a, NULL, 8), 2U);
	/* Every hook had prepared: every hook completes, BACKOUT. */
	KUNIT_EXPECT_EQ(test, log_pick(s, 'P', a, NULL, 8), 3U);
	KUNIT_ASSERT_EQ(test, log_pick(s, 'C', a, b, 8), 3U);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, a[i], (int)i);
		KUNIT_EXPECT_EQ(test, b[i], (int)PVSR_RESUME_BACKOUT);
	}
	expect_hooks_in_context(test, s);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_event_channel_op,
					EVTCHNOP_close),
			0U);
	/* The vCPUs were down: each came back and rebound nothing. */
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[3].nr_up, 1U);
}

static void suspend_evtchn_close_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	/* Entries are closed in registration order: vCPU 1's timer is 3rd. */
	int port =
		pvsr_evtchn_port_of(&s->reg, PVSR_EVTCHN_VIRQ, 1, VIRQ_TIMER);
	const struct want w = {
		PVSR_E_EVTCHN_CLOSE,	       PVSR_STEP_TEARDOWN, 1,
		__HYPERVISOR_event_channel_op, EVTCHNOP_close,	   -XEN_EINVAL
	};

	pvsr_fake_inject(__HYPERVISOR_event_channel_op, EVTCHNOP_close, 3,
			 -XEN_EINVAL);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_EVTCHN_CLOSE);
	expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_EQ(test, s->report.error.port, (unsigned int)port);
	expect_backed_out(test, s);
	expect_hook_order(test, s, PVSR_RESUME_BACKOUT);
}

static void suspend_shared_info_unmap_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_PRE_SUSPEND,
				PVSR_STEP_PRE_SUSPEND,
				0,
				__HYPERVISOR_update_va_mapping,
				-1,
				-XEN_ENOMEM };

	pvsr_fake_inject(__HYPERVISOR_update_va_mapping, PVSR_FAKE_ANY, 1,
			 -XEN_ENOMEM);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PRE_SUSPEND);
	expect_detail(test, &s->report.error, &w);
	expect_backed_out(test, s);
	expect_hook_order(test, s, PVSR_RESUME_BACKOUT);
	/* Channels were closed: every vCPU redid its own resume work. */
	KUNIT_EXPECT_EQ(test, s->v[0].resumes, 1U);
	KUNIT_EXPECT_EQ(test, s->v[0].resume_kind, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, s->v[2].resumes, 1U);
	KUNIT_EXPECT_EQ(test, s->v[2].resumed_on, 2U);
}

static void suspend_hypercall_failure_backs_out(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_SUSPEND,	       PVSR_STEP_HYPERCALL, 0,
		__HYPERVISOR_sched_op, SCHEDOP_shutdown,    -XEN_EPERM
	};

	pvsr_fake_inject(__HYPERVISOR_sched_op, SCHEDOP_shutdown, 1,
			 -XEN_EPERM);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_SUSPEND);
	expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_TRUE(test, s->report.hypercall_called);
	KUNIT_EXPECT_EQ(test, s->report.hypercall_ret, -XEN_EPERM);
	expect_backed_out(test, s);
	expect_hook_order(test, s, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[1].nr_up, 1U);
}

/* ---- cases: failures after the hypercall panic ------------------------- */

static void expect_panic(struct kunit *test, struct sim *s, int rc,
			 const struct want *w)
{
	KUNIT_EXPECT_EQ(test, rc, SIM_PANICKED);
	KUNIT_ASSERT_TRUE(test, s->panicked);
	expect_detail(test, &s->panic_detail, w);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->nr_suspends, 1U);
}

static void suspend_vcpu_info_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want boot = {
		PVSR_E_VCPU_INFO,     PVSR_STEP_POST_SUSPEND,	 0,
		__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, -XEN_EINVAL
	};
	const struct want parked = {
		PVSR_E_VCPU_INFO,     PVSR_STEP_REBUILD,	 1,
		__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, -XEN_ENOMEM
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1,
			 -XEN_EINVAL);
	expect_panic(test, s, sim_suspend(s), &boot);

	s = sim_setup(test, 4);
	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 2,
			 -XEN_ENOMEM);
	expect_panic(test, s, sim_suspend(s), &parked);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->vcpu[1].nr_initialise, 0U);
}

static void suspend_vcpu_initialise_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_VCPU_INIT,     PVSR_STEP_REBUILD, 2,
		__HYPERVISOR_vcpu_op, VCPUOP_initialise, -XEN_EFAULT
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 2,
			 -XEN_EFAULT);
	expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_FALSE(test, pvsr_fake()->vcpu[2].up);
	KUNIT_EXPECT_EQ(test, s->v[2].ctx_starts, 0U);
}

static void suspend_vcpu_up_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_VCPU_UP,	      PVSR_STEP_REBUILD, 3,
		__HYPERVISOR_vcpu_op, VCPUOP_up,	 -XEN_EINVAL
	};

	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_up, 3, -XEN_EINVAL);
	expect_panic(test, s, sim_suspend(s), &w);
}

static void suspend_cancelled_vcpu_up_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_VCPU_UP,	      PVSR_STEP_REBUILD, 1,
		__HYPERVISOR_vcpu_op, VCPUOP_up,	 -XEN_EAGAIN
	};

	pvsr_fake()->suspend_result = 1;
	pvsr_fake_inject(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, -XEN_EAGAIN);
	expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->nr_cancelled, 1U);
}

static void suspend_rebind_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want boot = { PVSR_E_REBIND,
				   PVSR_STEP_REBIND,
				   0,
				   __HYPERVISOR_event_channel_op,
				   EVTCHNOP_bind_virq,
				   -XEN_ENOSPC };
	const struct want parked = { PVSR_E_REBIND,
				     PVSR_STEP_REBIND,
				     1,
				     __HYPERVISOR_event_channel_op,
				     EVTCHNOP_bind_ipi,
				     -XEN_ENOSPC };

	/* vCPU 0 rebinds its own timer first. */
	pvsr_fake_inject(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, 1,
			 -XEN_ENOSPC);
	expect_panic(test, s, sim_suspend(s), &boot);
	KUNIT_EXPECT_EQ(test, s->panic_vcpu, 0);

	/* vCPU 1's park IPI, rebound by vCPU 1 itself: it panics there. */
	s = sim_setup(test, 4);
	s->fail_ipi_rebind = 1 + 1;
	expect_panic(test, s, sim_suspend(s), &parked);
	KUNIT_EXPECT_EQ(test, s->panic_vcpu, 1);
}

static void suspend_shared_info_map_failure_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = { PVSR_E_SHARED_INFO,
				PVSR_STEP_POST_SUSPEND,
				0,
				__HYPERVISOR_update_va_mapping,
				-1,
				-XEN_EFAULT };

	/* The 1st update unmaps the old shared_info, the 2nd maps the new. */
	pvsr_fake_inject(__HYPERVISOR_update_va_mapping, PVSR_FAKE_ANY, 2,
			 -XEN_EFAULT);
	expect_panic(test, s, sim_suspend(s), &w);
}

static void suspend_resume_timeout_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_RESUME_TIMEOUT, PVSR_STEP_REBUILD, 2, -1, -1, 0
	};

	s->v[2].hangs_on_resume = true;
	expect_panic(test, s, sim_suspend(s), &w);
}

/*
 * A rebuilt context that makes pvsr_setjmp return 0 (the bug that
 * 'scripts/kunit run --break context' plants in the builder): the vCPU
 * would park again as if nothing happened; it panics on itself instead,
 * and the suspend never completes.
 */
static void suspend_rebuilt_vcpu_returning_zero_panics(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	const struct want w = {
		PVSR_E_BAD_RESUME, PVSR_STEP_REBUILD, 2, -1, -1, 0
	};

	s->v[2].ctx_returns_zero = true;
	expect_panic(test, s, sim_suspend(s), &w);
	KUNIT_EXPECT_EQ(test, s->panic_vcpu, 2);
	KUNIT_EXPECT_EQ(test, s->v[2].ctx_starts, 1U);
	KUNIT_EXPECT_EQ(test, s->v[2].resumes, 0U);
}

static struct kunit_case suspend_cases[] = {
	KUNIT_CASE(suspend_new_domain_rebuilds_every_vcpu),
	KUNIT_CASE(suspend_phases_add_up_to_the_total),
	KUNIT_CASE(suspend_new_domain_above_32_vcpus),
	KUNIT_CASE(suspend_trace_records_the_protocol_in_order),
	KUNIT_CASE(suspend_cancelled_restarts_same_contexts),
	KUNIT_CASE(suspend_twice_new_domain_then_cancel),
	KUNIT_CASE(suspend_back_to_back_with_vcpus_still_leaving),
	KUNIT_CASE(suspend_repokes_a_vcpu_that_missed_the_ipi),
	KUNIT_CASE(suspend_defers_a_park_inside_a_hypercall),
	KUNIT_CASE(suspend_park_state_failure_backs_out),
	KUNIT_CASE(suspend_leaves_offline_vcpus_alone),
	KUNIT_CASE(suspend_members_are_fixed_when_it_begins),
	KUNIT_CASE(suspend_spurious_park_ipi_is_ignored),
	KUNIT_CASE(suspend_off_the_boot_vcpu_is_refused),
	KUNIT_CASE(suspend_while_busy_is_refused),
	KUNIT_CASE(suspend_prepare_refusal_parks_nothing),
	KUNIT_CASE(suspend_park_ipi_failure_backs_out),
	KUNIT_CASE(suspend_park_ipi_not_bound_backs_out),
	KUNIT_CASE(suspend_park_timeout_names_the_vcpu),
	KUNIT_CASE(suspend_vcpu_down_failure_backs_out),
	KUNIT_CASE(suspend_vcpu_is_up_failure_backs_out),
	KUNIT_CASE(suspend_hook_refusal_backs_out),
	KUNIT_CASE(suspend_evtchn_close_failure_backs_out),
	KUNIT_CASE(suspend_shared_info_unmap_failure_backs_out),
	KUNIT_CASE(suspend_hypercall_failure_backs_out),
	KUNIT_CASE(suspend_vcpu_info_failure_panics),
	KUNIT_CASE(suspend_vcpu_initialise_failure_panics),
	KUNIT_CASE(suspend_vcpu_up_failure_panics),
	KUNIT_CASE(suspend_cancelled_vcpu_up_failure_panics),
	KUNIT_CASE(suspend_rebind_failure_panics),
	KUNIT_CASE(suspend_shared_info_map_failure_panics),
	KUNIT_CASE(suspend_resume_timeout_panics),
	KUNIT_CASE(suspend_rebuilt_vcpu_returning_zero_panics),
	{}
};

static struct kunit_suite suspend_suite = {
	.name = "pvsr_suspend",
	.exit = suspend_exit,
	.test_cases = suspend_cases,
};

kunit_test_suite(suspend_suite);
