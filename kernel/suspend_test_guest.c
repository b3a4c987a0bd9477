// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit only: the simulated guest of suspend_test_guest.h: the embedding
 * kernel's ops and memory, the vCPU threads and their turns, the fake
 * hypervisor's and the subsystems' hooks, and the checks of what a
 * suspend must leave behind.
 */
#include <linux/kthread.h>
#include <linux/sched.h>

#include "kernel/suspend_test_guest.h"

static struct sim *sim;

static start_info_t test_start_info __aligned(PAGE_BYTES);
static union {
	struct shared_info s;
	char page[PAGE_BYTES];
} test_shared_info __aligned(PAGE_BYTES);
static struct vcpu_info test_vcpu_info[PVSR_MAX_VCPUS] __aligned(PAGE_BYTES);
static unsigned long test_p2m[NR_PFNS] __aligned(PAGE_BYTES);
/* The frame-list list and one frame list: what NR_PFNS needs. */
static unsigned long
	test_p2m_list[P2M_LIST_PAGES][PAGE_BYTES / 8] __aligned(PAGE_BYTES);
static const struct trap_info test_traps[] = {
	{ .vector = 3, .flags = 3, .cs = FLAT_KERNEL_CS, .address = 0x1003 },
	{ .vector = 14, .cs = FLAT_KERNEL_CS, .address = 0x100e },
	{ 0 }
};

static const char *const hook_names[NR_HOOKS] = { "xenbus", "blkfront",
						  "netfront" };

/*
 * The vCPU's vector state, as far as the test can see it: xmm15, which
 * the kernel's own code (built without SSE) never touches. UML's kernel
 * threads all share one FPU, so what a thread finds there after others
 * ran is the last writer's, unless its own saved state was put back.
 */
static void set_xmm15(unsigned long val)
{
	asm volatile("movq %0, %%xmm15" : : "r"(val));
}

static unsigned long get_xmm15(void)
{
	unsigned long val;

	asm volatile("movq %%xmm15, %0" : "=r"(val));
	return val;
}

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
void sim_let_others_run(void)
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

/* 64 vcpu_infos to a page, none across one. */
static unsigned int vcpu_info_offset(unsigned int v)
{
	return (unsigned long)&test_vcpu_info[v] % PAGE_BYTES;
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
	/* Unless the test wants the ops path, pvsr may batch it. */
	if (!sim->vcpu_info_by_op) {
		st->vcpu_info_mfn = arch_virt_to_mfn(&test_vcpu_info[v]);
		st->vcpu_info_offset = vcpu_info_offset(v);
	}
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
	si->nr_pages = sim->restore_nr_pages ? sim->restore_nr_pages : NR_PFNS;
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
	sim_let_others_run();
}

static long op_register_vcpu_info(unsigned int vcpu)
{
	struct vcpu_register_vcpu_info info = {
		.mfn = arch_virt_to_mfn(&test_vcpu_info[vcpu]),
		.offset = vcpu_info_offset(vcpu),
	};

	sim->vcpu_info_ops++;
	return pvsr_hyp_vcpu_op(VCPUOP_register_vcpu_info, vcpu, &info);
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

	/* First thing after the barrier put its FPU state back. */
	if (vcpu)
		sv->xmm_at_resume = get_xmm15();
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
	/* A new vCPU starts with Xen's initial FPU state. */
	set_xmm15(0);
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
		sim_let_others_run();
		return;
	}
	while (READ_ONCE(sv->holding) && !READ_ONCE(sim->stopping))
		sim_let_others_run();
	sim_let_others_run();
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
	/* What it was computing when the IPI came. */
	sv->xmm_mark = XMM_MARK(sim_index(sv), sv->park_ipis);
	set_xmm15(sv->xmm_mark);
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
bool sim_settle(struct sim *s)
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
			sim_let_others_run();
	}
	return !busy;
}

/* ---- the fake hypervisor's hooks ----------------------------------- */

static void on_vcpu_up(unsigned int vcpu, void *data)
{
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
	if (hypercall == __HYPERVISOR_event_channel_op &&
	    subop == EVTCHNOP_bind_ipi && pvsr_fake()->nr_suspends &&
	    sim->fail_ipi_rebind == vcpu + 1)
		return -XEN_ENOSPC;
	return 0;
}

/* The rebuild's steps, whoever made the call (alone or batched). */
static void on_vcpu_op(int cmd, unsigned int vcpu, void *data)
{
	/*
	 * As Xen does after a restore: the registered area gets vCPU 0's
	 * stale shared_info slot, here with its upcall mask clear.
	 */
	if (cmd == VCPUOP_register_vcpu_info && vcpu == 0 &&
	    pvsr_fake()->nr_suspends)
		WRITE_ONCE(sim->v[0].masked, false);
	if (cmd == VCPUOP_register_vcpu_info)
		log_add('R', vcpu, 0);
	else if (cmd == VCPUOP_initialise)
		log_add('I', vcpu, 0);
	else if (cmd == VCPUOP_up)
		log_add('U', vcpu, 0);
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
	.on_vcpu_op = on_vcpu_op,
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
		.p2m_list = &test_p2m_list[0][0],
		.p2m_list_pages = P2M_LIST_PAGES,
	};
	memset(test_p2m_list, 0, sizeof(test_p2m_list));
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
			sim_let_others_run();
	}
	KUNIT_ASSERT_TRUE_MSG(test, all, "vCPU threads did not start");
}

/*
 * A running N-vCPU guest, as after boot: everything bound and mapped,
 * every other vCPU a thread of its own, idle.
 */
struct sim *sim_setup(struct kunit *test, unsigned int nr_vcpus)
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

void sim_exit(struct kunit *test)
{
	if (sim)
		stop_vcpus(sim);
	pvsr_fake_set_hooks(NULL);
	pvsr_fake_set_current(0);
	sim = NULL;
}

/* pvsr_suspend(), or SIM_PANICKED if it ended in ops->panic. */
int sim_suspend(struct sim *s)
{
	if (pvsr_setjmp(&s->panic_jb)) {
		pvsr_fake_set_current(0);
		return SIM_PANICKED;
	}
	return pvsr_suspend(&s->p, &s->report);
}

/* ---- checks ------------------------------------------------------------ */

void sim_expect_detail(struct kunit *test, const struct pvsr_error_detail *d,
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

void sim_expect_no_panic(struct kunit *test, struct sim *s)
{
	KUNIT_ASSERT_FALSE_MSG(test, s->panicked, "panic: %s: %s (vCPU %d)",
			       s->panic_what,
			       pvsr_strerror(s->panic_detail.code),
			       s->panic_detail.vcpu);
}

/* Xen agrees with each registry entry, and no port is left over. */
void sim_expect_channels_bound(struct kunit *test, struct sim *s)
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
void sim_expect_frames_are_mfns(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, (unsigned long)test_start_info.store_mfn,
			test_p2m[STORE_PFN]);
	KUNIT_EXPECT_EQ(test, (unsigned long)test_start_info.console.domU.mfn,
			test_p2m[CONSOLE_PFN]);
}

void sim_expect_hooks_balanced(struct kunit *test, struct sim *s)
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
void sim_expect_finished(struct kunit *test, struct sim *s)
{
	unsigned int v;

	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	KUNIT_EXPECT_EQ(test, s->p.barrier & PVSR_BARRIER_PHASE_MASK,
			(unsigned int)PVSR_BARRIER_RELEASE);
	KUNIT_EXPECT_EQ(test, s->p.barrier >> PVSR_BARRIER_GEN_SHIFT,
			s->p.generation);
	KUNIT_EXPECT_FALSE(test, s->v[0].masked);
	KUNIT_EXPECT_EQ(test, pvsr_fake_current(), 0U);
	KUNIT_EXPECT_TRUE_MSG(test, sim_settle(s),
			      "vCPU threads never settled");
	KUNIT_EXPECT_EQ_MSG(test, pvsr_fake()->violations, 0U, "first: %s",
			    pvsr_fake_violation_name(pvsr_fake()->violations &
						     -pvsr_fake()->violations));
	KUNIT_EXPECT_FALSE(test, pvsr_fake()->shut_down);
	sim_expect_hooks_balanced(test, s);
	sim_expect_channels_bound(test, s);
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
void sim_expect_backed_out(struct kunit *test, struct sim *s)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;

	sim_expect_no_panic(test, s);
	sim_expect_finished(test, s);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, f->nr_suspends, 0U);
	KUNIT_EXPECT_EQ(test, f->generation, 0U);
	KUNIT_EXPECT_TRUE(test, f->shared_info_mapped);
	KUNIT_EXPECT_EQ(test, f->shared_info_va,
			(unsigned long)&test_shared_info);
	KUNIT_EXPECT_EQ(test, pvsr_fake_vcpus_up(), s->nr_vcpus);
	sim_expect_frames_are_mfns(test);
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
void sim_expect_clean_hypercall(struct kunit *test, struct sim *s)
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
unsigned int sim_log_pick(struct sim *s, char what, int *a, int *b,
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
void sim_expect_hooks_in_context(struct kunit *test, struct sim *s)
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
void sim_expect_hook_order(struct kunit *test, struct sim *s,
			   enum pvsr_resume_kind kind)
{
	static const char down[] = "PS", up[] = "HC";
	int a[NR_HOOKS * 2], b[NR_HOOKS * 2];
	unsigned int i, k;

	for (k = 0; k < 2; k++) {
		KUNIT_ASSERT_EQ(test,
				sim_log_pick(s, down[k], a, NULL, NR_HOOKS * 2),
				(unsigned int)NR_HOOKS);
		for (i = 0; i < NR_HOOKS; i++)
			KUNIT_EXPECT_EQ(test, a[i], (int)(NR_HOOKS - 1 - i));
		KUNIT_ASSERT_EQ(test,
				sim_log_pick(s, up[k], a, b, NR_HOOKS * 2),
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
	sim_expect_hooks_in_context(test, s);
}

static bool is_rebuild_step(char what)
{
	return what == 'R' || what == 'I' || what == 'U';
}

/* Index of the first entry (what, a) at or after from, or -1. */
static int log_find(struct sim *s, unsigned int from, char what, int a)
{
	unsigned int i;

	for (i = from; i < s->nr_log; i++)
		if (s->log[i].what == what && s->log[i].a == a)
			return i;
	return -1;
}

/*
 * After the hypercall, for each parked vCPU: its vcpu_info registered,
 * then VCPUOP_initialise, then VCPUOP_up, once each; with batched
 * bring-up every vCPU is built before the first one starts.
 */
static void expect_register_before_initialise(struct kunit *test, struct sim *s)
{
	int x = log_find(s, 0, 'X', 0), first_up = -1, last_init = -1;
	unsigned int v;

	KUNIT_ASSERT_GE(test, x, 0);
	for (v = 1; v < s->nr_vcpus; v++) {
		int r = log_find(s, x, 'R', v), i = log_find(s, x, 'I', v);
		int u = log_find(s, x, 'U', v);

		KUNIT_EXPECT_GT_MSG(test, r, x, "vCPU %u not registered", v);
		KUNIT_EXPECT_GT_MSG(test, i, r, "vCPU %u: initialise", v);
		KUNIT_EXPECT_GT_MSG(test, u, i, "vCPU %u: up", v);
		KUNIT_EXPECT_LT_MSG(test, log_find(s, u + 1, 'U', v), 0,
				    "vCPU %u started twice", v);
		if (first_up < 0 || u < first_up)
			first_up = u;
		if (i > last_init)
			last_init = i;
	}
	if (s->p.bringup == PVSR_BRINGUP_BATCHED && s->nr_vcpus > 1)
		KUNIT_EXPECT_LT(test, last_init, first_up);
}

/*
 * vCPU v came back as it was: its thread's park returned, with the
 * segment bases it had (in a new domain, only the rebuilt context could
 * have given them back: Xen starts a vCPU with blank ones) and its vector
 * registers (only its own restore gives those back).
 */
void sim_expect_vcpu_as_it_was(struct kunit *test, struct sim *s,
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
	/* Its vector registers, back before its own resume work ran. */
	KUNIT_EXPECT_EQ_MSG(test, sv->xmm_at_resume, sv->xmm_mark,
			    "vCPU %u: FPU state not restored", v);
}

void sim_expect_new_domain(struct kunit *test, struct sim *s, int rc)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;

	sim_expect_no_panic(test, s);
	KUNIT_EXPECT_EQ(test, rc, 0);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_NEW_DOMAIN);
	sim_expect_clean_hypercall(test, s);
	sim_expect_finished(test, s);
	sim_expect_hook_order(test, s, PVSR_RESUME_NEW_DOMAIN);
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
		sim_expect_vcpu_as_it_was(test, s, v);
	}
	/* The new shared_info is mapped and the P2M republished in it. */
	KUNIT_EXPECT_TRUE(test, f->shared_info_mapped);
	KUNIT_EXPECT_EQ(test, (uint64_t)test_shared_info.s.arch.max_pfn,
			(uint64_t)NR_PFNS);
	KUNIT_EXPECT_EQ(test,
			pvsr_arch_p2m_frame_list_list_mfn(&s->arch) & ~0xffffUL,
			mfn_base() + MFN_OTHER);
	sim_expect_frames_are_mfns(test);
}

/*
 * A back-out before the quiesced hooks: every hook prepared (last
 * registered first) and completed with BACKOUT, none suspended.
 */
void sim_expect_hooks_prepared_only(struct kunit *test, struct sim *s)
{
	int a[NR_HOOKS * 2], b[NR_HOOKS * 2];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, sim_log_pick(s, 'P', a, NULL, NR_HOOKS * 2),
			(unsigned int)NR_HOOKS);
	KUNIT_EXPECT_EQ(test, sim_log_pick(s, 'S', a, NULL, NR_HOOKS * 2), 0U);
	KUNIT_EXPECT_EQ(test, sim_log_pick(s, 'H', a, NULL, NR_HOOKS * 2), 0U);
	KUNIT_ASSERT_EQ(test, sim_log_pick(s, 'C', a, b, NR_HOOKS * 2),
			(unsigned int)NR_HOOKS);
	for (i = 0; i < NR_HOOKS; i++) {
		KUNIT_EXPECT_EQ(test, a[i], (int)i);
		KUNIT_EXPECT_EQ(test, b[i], (int)PVSR_RESUME_BACKOUT);
	}
	sim_expect_hooks_in_context(test, s);
}

void sim_unbind(struct kunit *test, struct sim *s, enum pvsr_evtchn_kind kind,
		unsigned int vcpu, unsigned int index)
{
	int port = pvsr_evtchn_port_of(&s->reg, kind, vcpu, index);

	KUNIT_ASSERT_GT(test, port, 0);
	KUNIT_ASSERT_EQ(test, pvsr_evtchn_unbind(&s->reg, port, &s->d), 0);
}

/* Let vCPU v's thread take an IPI sent to it now; its park result. */
enum pvsr_park_result sim_poke_and_wait(struct kunit *test, struct sim *s,
					unsigned int v)
{
	unsigned int before[PVSR_PARK_DONE + 1], i, r;

	for (r = 0; r <= PVSR_PARK_DONE; r++)
		before[r] = s->v[v].results[r];
	KUNIT_EXPECT_EQ(test, pvsr_evtchn_send_ipi(&s->reg, IPI_PARK, v, &s->d),
			0);
	for (i = 0; i < SETTLE_YIELDS && READ_ONCE(s->v[v].ipi_pending); i++)
		sim_let_others_run();
	KUNIT_EXPECT_TRUE(test, sim_settle(s));
	for (r = 0; r <= PVSR_PARK_DONE; r++)
		if (s->v[v].results[r] != before[r])
			return r;
	KUNIT_FAIL(test, "vCPU %u never took its park IPI", v);
	return PVSR_PARK_DONE;
}

void sim_expect_panic(struct kunit *test, struct sim *s, int rc,
		      const struct want *w)
{
	KUNIT_EXPECT_EQ(test, rc, SIM_PANICKED);
	KUNIT_ASSERT_TRUE(test, s->panicked);
	sim_expect_detail(test, &s->panic_detail, w);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->nr_suspends, 1U);
}
