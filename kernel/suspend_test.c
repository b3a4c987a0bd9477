// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: pvsr_suspend() against the fake hypervisor, N vCPUs in one thread.
 *
 * The boot vCPU runs the real orchestrator. The other vCPUs are simulated
 * from the fake's hooks, doing what kernel/barrier.c does on them:
 *
 *  - a park IPI (EVTCHNOP_send to its IPI port) runs its park handler as
 *    that vCPU: a real pvsr_setjmp into its slot, "parked", events masked;
 *    where the real handler would spin, the simulation returns;
 *  - while spinning it is still up, so whenever the boot vCPU relaxes, a
 *    spinning vCPU whose barrier moved on "continues": it runs its
 *    vcpu_resume as itself and reports back (report_resumed());
 *  - VCPUOP_down stops it; VCPUOP_up starts it again: on its old context
 *    (cancel, back-out: it continues spinning) or on the context the boot
 *    vCPU built (new domain), which is checked against its jmp_buf.
 *
 * A toolstack in on_suspend rewrites start_info, the P2M and shared_info
 * as a restore does. ops->panic records and longjmps back to the test.
 */
#include <kunit/test.h>

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
#define VCPU_STACK_TOP(v) (0xffffc90000004000UL + (v)*0x4000UL)
#define PERCPU(v) (0xffff888000100000UL + (v)*0x100UL)

/* What a simulated vCPU is doing. */
enum sim_state {
	SIM_RUNNING, /* not parked (or never asked to) */
	SIM_SPINNING, /* parked, up, waiting for the barrier to move */
	SIM_DOWN, /* parked and taken down */
	SIM_RESUMED, /* reported back, waiting for the release */
};

struct sim_vcpu {
	enum sim_state state;
	bool online; /* what ops->vcpu_online says */
	bool never_parks; /* ignores every park IPI */
	unsigned int deaf_ipis; /* ignores this many park IPIs first */
	bool hangs_on_resume; /* never reports back */
	bool masked; /* event upcalls masked */
	unsigned int park_ipis;
	unsigned int resumes; /* ops->vcpu_resume calls */
	enum pvsr_resume_kind resume_kind;
	unsigned int resumed_on; /* current vCPU in vcpu_resume */
	unsigned int ctx_checked; /* rebuilt contexts checked */
};

/*
 * What happened, in order: R vcpu_info registered, I VCPUOP_initialise,
 * U VCPUOP_up, X the suspend hypercall, S/H a hook's suspend/resume,
 * V ops->vcpu_resume.
 */
struct log_entry {
	char what;
	int a, b;
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
	unsigned int nr_vcpus;
	unsigned int gen; /* restores the toolstack did */
	struct pvsr p;
	struct pvsr_arch arch;
	struct pvsr_evtchn_registry reg;
	struct pvsr_vcpu_slot slots[PVSR_MAX_VCPUS];
	struct pvsr_report report;
	struct pvsr_error_detail d;
	struct sim_vcpu v[PVSR_MAX_VCPUS];
	struct at_hypercall at;
	struct log_entry log[NR_LOG];
	unsigned int nr_log;
	/* Hooks: which one refuses (index + 1) and with what. */
	unsigned int hook_refuses;
	int hook_rc;
	unsigned int hook_down[NR_HOOKS];
	bool nested_suspend;
	int nested_rc;
	struct pvsr_report nested_report;
	/* ops->panic */
	struct pvsr_jmp_buf panic_jb;
	bool panicked;
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

static void log_add(char what, int a, int b)
{
	if (sim->nr_log < NR_LOG)
		sim->log[sim->nr_log++] = (struct log_entry){ what, a, b };
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
	return pvsr_fake()->current_vcpu;
}

static bool op_vcpu_online(unsigned int vcpu)
{
	return vcpu < sim->nr_vcpus && sim->v[vcpu].online;
}

static uint64_t op_now_ns(void)
{
	struct pvsr_fake *f = pvsr_fake();

	/* A new domain forgot vCPU 0's vcpu_info: its time is stale. */
	if (sim && f->current_vcpu == 0 && !f->vcpu[0].vcpu_info_registered)
		sim->stale_clock_reads++;
	return f->now_ns += TICK_NS;
}

static void op_clock_resume(void)
{
	sim->clock_resumes++;
}

static void op_mask_events(bool mask)
{
	sim->v[op_this_vcpu()].masked = mask;
}

static void run_spinning_vcpus(void);

static void op_relax(void)
{
	run_spinning_vcpus();
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
	rc = pvsr_evtchn_rebind_vcpu(&sim->reg, vcpu, detail);
	if (rc || vcpu != 0 || kind != PVSR_RESUME_NEW_DOMAIN)
		return rc;
	return add_start_info_channels(detail);
}

static __noreturn void op_panic(const char *what,
				const struct pvsr_error_detail *d)
{
	sim->panicked = true;
	sim->panic_what = what;
	sim->panic_detail = *d;
	pvsr_longjmp(&sim->panic_jb, 1);
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

/* ---- the simulated vCPUs (kernel/barrier.c, on them) ----------------- */

static unsigned int sim_index(const struct sim_vcpu *sv)
{
	return sv - sim->v;
}

/* The park IPI handler up to its spin (pvsr_park_this_vcpu()). */
static void sim_park(void *arg)
{
	struct sim_vcpu *sv = arg;
	struct pvsr_vcpu_slot *slot = &sim->slots[sim_index(sv)];

	if (pvsr_load(&sim->p.barrier) != PVSR_BARRIER_HOLD ||
	    pvsr_load(&slot->state) == PVSR_VCPU_PARKED)
		return;
	sv->masked = true;
	if (pvsr_setjmp(&slot->jb) == 0) {
		slot->parked_ns = test_ops.now_ns();
		pvsr_store(&slot->state, PVSR_VCPU_PARKED);
		sv->state = SIM_SPINNING;
	}
}

/* Past the barrier: per-vCPU resume work, then "resumed" (report_resumed). */
static void sim_resume(void *arg)
{
	struct sim_vcpu *sv = arg;
	unsigned int v = sim_index(sv);
	enum pvsr_resume_kind kind = pvsr_load(&sim->p.resume_kind);
	struct pvsr_error_detail detail = { 0 };

	if (sv->hangs_on_resume)
		return;
	if (test_ops.vcpu_resume(v, kind, &detail) &&
	    kind != PVSR_RESUME_BACKOUT)
		test_ops.panic("per-vCPU resume failed", &detail);
	sim->slots[v].resumed_ns = test_ops.now_ns();
	pvsr_store(&sim->slots[v].state, kind == PVSR_RESUME_NEW_DOMAIN ?
						 PVSR_VCPU_REBUILT :
						 PVSR_VCPU_RESTARTED);
	sv->state = SIM_RESUMED;
}

static void run_spinning_vcpus(void)
{
	struct pvsr_fake *f = pvsr_fake();
	unsigned int v;

	if (pvsr_load(&sim->p.barrier) < PVSR_BARRIER_RESUME)
		return;
	for (v = 1; v < sim->nr_vcpus; v++)
		if (sim->v[v].state == SIM_SPINNING && f->vcpu[v].up)
			pvsr_fake_run_as(v, sim_resume, &sim->v[v]);
}

/* The context Xen got must return from this vCPU's pvsr_setjmp with 1. */
static void check_rebuilt_context(unsigned int v)
{
	const struct vcpu_guest_context *ctx = &pvsr_fake()->vcpu[v].ctx;
	const struct cpu_user_regs *regs = &ctx->user_regs;
	const struct pvsr_jmp_buf *jb = &sim->slots[v].jb;
	struct kunit *test = sim->test;

	KUNIT_EXPECT_EQ(test, regs->rip, (uint64_t)jb->rip);
	KUNIT_EXPECT_EQ(test, regs->rsp, (uint64_t)jb->rsp + 8);
	KUNIT_EXPECT_EQ(test, regs->rax, 1ULL);
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
	KUNIT_EXPECT_EQ(test, ctx->gs_base_kernel, (uint64_t)PERCPU(v));
	KUNIT_EXPECT_TRUE(test, pvsr_fake()->vcpu[v].vcpu_info_registered);
	sim->v[v].ctx_checked++;
}

static void on_vcpu_up(unsigned int vcpu, void *data)
{
	struct sim_vcpu *sv = &sim->v[vcpu];

	log_add('U', vcpu, 0);
	if (pvsr_load(&sim->p.resume_kind) == PVSR_RESUME_NEW_DOMAIN) {
		/* Rebuilt: pvsr_setjmp() returned 1, straight to the report. */
		check_rebuilt_context(vcpu);
		pvsr_fake_run_as(vcpu, sim_resume, sv);
		return;
	}
	/* Same context: it goes on spinning where it was taken down. */
	KUNIT_EXPECT_EQ(sim->test, sv->state, SIM_DOWN);
	sv->state = SIM_SPINNING;
	run_spinning_vcpus();
}

static void on_vcpu_down(unsigned int vcpu, void *data)
{
	struct sim_vcpu *sv = &sim->v[vcpu];

	KUNIT_EXPECT_EQ_MSG(sim->test, sv->state, SIM_SPINNING,
			    "vCPU %u taken down while not parked", vcpu);
	sv->state = SIM_DOWN;
}

static void on_send(evtchn_port_t port, unsigned int vcpu, void *data)
{
	const struct pvsr_evtchn *ch = pvsr_evtchn_lookup(&sim->reg, port);
	struct sim_vcpu *sv = &sim->v[vcpu];

	if (!ch || ch->kind != PVSR_EVTCHN_IPI || ch->index != IPI_PARK)
		return;
	sv->park_ipis++;
	if (sv->never_parks || sv->park_ipis <= sv->deaf_ipis)
		return;
	pvsr_fake_run_as(vcpu, sim_park, sv);
}

static void snapshot_at_hypercall(void)
{
	struct pvsr_fake *f = pvsr_fake();
	struct at_hypercall *at = &sim->at;

	at->seen = true;
	at->current_vcpu = f->current_vcpu;
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
};

/* ---- subsystem hooks ------------------------------------------------ */

static unsigned int hook_index(void *data)
{
	return (unsigned int *)data - sim->hook_down;
}

static int hook_suspend(void *data)
{
	unsigned int i = hook_index(data);

	log_add('S', i, 0);
	if (sim->nested_suspend)
		sim->nested_rc = pvsr_suspend(&sim->p, &sim->nested_report);
	if (sim->hook_refuses == i + 1)
		return sim->hook_rc;
	sim->hook_down[i]++;
	return 0;
}

static void hook_resume(void *data, enum pvsr_resume_kind kind)
{
	unsigned int i = hook_index(data);

	log_add('H', i, kind);
	sim->hook_down[i]--;
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
			.suspend = hook_suspend,
			.resume = hook_resume,
			.data = &s->hook_down[i],
		};

		KUNIT_ASSERT_EQ(test, pvsr_hook_register(&s->p, &h), 0);
	}
}

/* A running N-vCPU guest, as after boot: everything bound and mapped. */
static struct sim *sim_setup(struct kunit *test, unsigned int nr_vcpus)
{
	struct sim *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	unsigned int v;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	sim = s;
	s->test = test;
	s->nr_vcpus = nr_vcpus;
	KUNIT_ASSERT_EQ(test, pvsr_fake_reset(nr_vcpus), 0);
	pvsr_fake()->nr_pages = NR_PFNS;
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
	return s;
}

static void suspend_exit(struct kunit *test)
{
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

	for (i = 0; i < NR_HOOKS; i++)
		KUNIT_EXPECT_EQ_MSG(test, s->hook_down[i], 0U, "hook %s",
				    hook_names[i]);
}

/* The protocol is over: barrier released, not busy, events back on. */
static void expect_finished(struct kunit *test, struct sim *s)
{
	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	KUNIT_EXPECT_EQ(test, s->p.barrier, (int)PVSR_BARRIER_RELEASE);
	KUNIT_EXPECT_FALSE(test, s->v[0].masked);
	KUNIT_EXPECT_EQ(test, pvsr_fake()->current_vcpu, 0U);
	KUNIT_EXPECT_EQ_MSG(test, pvsr_fake()->violations, 0U, "first: %s",
			    pvsr_fake_violation_name(pvsr_fake()->violations &
						     -pvsr_fake()->violations));
	KUNIT_EXPECT_FALSE(test, pvsr_fake()->shut_down);
	expect_hooks_balanced(test, s);
	expect_channels_bound(test, s);
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
		KUNIT_EXPECT_NE_MSG(test, s->v[v].state, SIM_SPINNING,
				    "vCPU %u still parked", v);
		KUNIT_EXPECT_NE_MSG(test, s->v[v].state, SIM_DOWN,
				    "vCPU %u left down", v);
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
	KUNIT_EXPECT_EQ(test, f->nr_suspends, 1U);
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

/* Suspend hooks last-registered first; resume hooks in order, kind. */
static void expect_hook_order(struct kunit *test, struct sim *s,
			      enum pvsr_resume_kind kind)
{
	int a[NR_HOOKS * 2], b[NR_HOOKS * 2];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, log_pick(s, 'S', a, NULL, NR_HOOKS * 2),
			(unsigned int)NR_HOOKS);
	for (i = 0; i < NR_HOOKS; i++)
		KUNIT_EXPECT_EQ(test, a[i], (int)(NR_HOOKS - 1 - i));
	KUNIT_ASSERT_EQ(test, log_pick(s, 'H', a, b, NR_HOOKS * 2),
			(unsigned int)NR_HOOKS);
	for (i = 0; i < NR_HOOKS; i++) {
		KUNIT_EXPECT_EQ(test, a[i], (int)i);
		KUNIT_EXPECT_EQ(test, b[i], (int)kind);
	}
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
		KUNIT_EXPECT_EQ(test, s->v[v].resumes, 1U);
		KUNIT_EXPECT_EQ(test, s->v[v].resume_kind,
				PVSR_RESUME_NEW_DOMAIN);
		KUNIT_EXPECT_EQ(test, s->v[v].resumed_on, v);
		if (v == 0)
			continue;
		KUNIT_EXPECT_EQ(test, f->vcpu[v].nr_initialise, 1U);
		KUNIT_EXPECT_EQ(test, s->v[v].ctx_checked, 1U);
		KUNIT_EXPECT_EQ(test, s->v[v].state, SIM_RESUMED);
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].outcome,
				PVSR_VCPU_REBUILT);
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
	unsigned int p;
	int rc = sim_suspend(s);

	expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test, s->clock_resumes, 1U);
	KUNIT_EXPECT_EQ_MSG(test, s->stale_clock_reads, 0U,
			    "clock read before vCPU 0's vcpu_info came back");
	KUNIT_EXPECT_EQ(test, pvsr_fake()->generation, 1U);
	KUNIT_EXPECT_EQ(test, s->report.hypercall_ret, 0);
	for (p = 0; p < PVSR_PHASE_COUNT; p++)
		KUNIT_EXPECT_GT_MSG(test, s->report.phase_ns[p], 0ULL,
				    "phase %s", pvsr_phase_name(p));
	KUNIT_EXPECT_GE(test, s->report.phase_ns[PVSR_PHASE_TOTAL],
			s->report.phase_ns[PVSR_PHASE_PARK] +
				s->report.phase_ns[PVSR_PHASE_REBUILD]);
	for (p = 1; p < 4; p++) {
		KUNIT_EXPECT_GT(test, s->report.vcpu[p].park_ns, 0ULL);
		KUNIT_EXPECT_GT(test, s->report.vcpu[p].resume_ns, 0ULL);
	}
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
		PVSR_TR_BEGIN,	    PVSR_TR_PARK_SENT,	  PVSR_TR_DOWN,
		PVSR_TR_HOOKS_DOWN, PVSR_TR_CLOSED,	  PVSR_TR_PRE_SUSPEND,
		PVSR_TR_RETURNED,   PVSR_TR_POST_SUSPEND, PVSR_TR_VCPU_UP,
		PVSR_TR_RELEASED,   PVSR_TR_END,
	};
	static struct pvsr_trace trace;
	enum pvsr_trace_kind got[32];
	struct sim *s = sim_setup(test, 4);
	unsigned int i, n, downs = 0;

	pvsr_trace_attach(&s->p, &trace);
	expect_new_domain(test, s, sim_suspend(s));
	n = boot_vcpu_kinds(&trace, got, ARRAY_SIZE(got));
	KUNIT_ASSERT_EQ(test, n, (unsigned int)ARRAY_SIZE(want));
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_STREQ(test, pvsr_trace_kind_name(got[i]),
				   pvsr_trace_kind_name(want[i]));
	for (i = 0; i < pvsr_trace_count(&trace); i++) {
		downs += trace.ev[i].kind == PVSR_TR_DOWN;
		if (i)
			KUNIT_EXPECT_GE(test, trace.ev[i].ns,
					trace.ev[i - 1].ns);
	}
	KUNIT_EXPECT_EQ(test, downs, 3U);
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
		KUNIT_EXPECT_EQ(test, s->v[v].resume_kind,
				PVSR_RESUME_CANCELLED);
		KUNIT_EXPECT_EQ(test, s->v[v].resumed_on, v);
		KUNIT_EXPECT_EQ(test, s->report.vcpu[v].outcome,
				PVSR_VCPU_RESTARTED);
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
	expect_frames_are_mfns(test);
	KUNIT_EXPECT_EQ(test, s->p.generation, 2U);
}

/* An idle vCPU that missed its IPI is poked again until it parks. */
static void suspend_repokes_a_vcpu_that_missed_the_ipi(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);
	int rc;

	s->v[2].deaf_ipis = 2;
	rc = sim_suspend(s);
	expect_new_domain(test, s, rc);
	KUNIT_EXPECT_EQ(test, s->v[2].park_ipis, 3U);
	KUNIT_EXPECT_EQ(test, s->v[1].park_ipis, 1U);
	KUNIT_EXPECT_GE(test, s->report.vcpu[2].park_ns,
			2 * PVSR_PARK_REPOKE_NS);
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
	KUNIT_EXPECT_EQ(test, s->v[3].park_ipis, 0U);
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

/* The real handler ignores park IPIs on vCPU 0 and outside a suspend. */
static void run_park_handler(void *arg)
{
	pvsr_park_this_vcpu(arg);
}

static void suspend_spurious_park_ipi_is_ignored(struct kunit *test)
{
	struct sim *s = sim_setup(test, 4);

	pvsr_fake_run_as(2, run_park_handler, &s->p);
	pvsr_fake_run_as(0, run_park_handler, &s->p);
	KUNIT_EXPECT_EQ(test, s->slots[2].state, (int)PVSR_VCPU_NOT_INVOLVED);
	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	KUNIT_EXPECT_EQ(test, sim_suspend(s), 0);
	/* After the release, a late IPI does not park the vCPU again. */
	pvsr_fake_run_as(2, run_park_handler, &s->p);
	KUNIT_EXPECT_EQ(test, s->slots[2].state, (int)PVSR_VCPU_REBUILT);
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
	KUNIT_EXPECT_EQ(test, s->report.hypercall_ret, -99);
	KUNIT_EXPECT_EQ(test, s->report.kind, PVSR_RESUME_BACKOUT);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].outcome,
			PVSR_VCPU_NOT_INVOLVED);
	KUNIT_EXPECT_EQ(test, s->report.phase_ns[PVSR_PHASE_TOTAL], 0ULL);
	KUNIT_EXPECT_FALSE(test, pvsr_busy(&s->p));
	KUNIT_EXPECT_EQ(test, s->p.barrier, (int)PVSR_BARRIER_IDLE);
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
	KUNIT_EXPECT_EQ(test, pvsr_fake()->nr_suspends, 1U);
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

	/* vCPU 1 parks; the IPI to vCPU 2 fails. */
	pvsr_fake_inject(__HYPERVISOR_event_channel_op, EVTCHNOP_send, 2,
			 -XEN_EIO);
	KUNIT_EXPECT_EQ(test, sim_suspend(s), -PVSR_E_PARK_IPI);
	expect_detail(test, &s->report.error, &w);
	KUNIT_EXPECT_EQ(test, s->report.error.port, (unsigned int)port);
	expect_backed_out(test, s);
	KUNIT_EXPECT_EQ(test, s->report.vcpu[1].outcome, PVSR_VCPU_RESTARTED);
	KUNIT_EXPECT_EQ(test,
			pvsr_fake_calls(__HYPERVISOR_vcpu_op, VCPUOP_down), 0U);
	KUNIT_EXPECT_EQ(test, s->report.hypercall_ret, -99);
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
	KUNIT_EXPECT_GE(test, s->v[2].park_ipis,
			(unsigned int)(PVSR_PARK_TIMEOUT_NS /
				       (PVSR_PARK_REPOKE_NS + 2 * TICK_NS)));
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

	/* vCPU 0's park IPI, then vCPU 1's, rebound by vCPU 1 itself. */
	s = sim_setup(test, 4);
	pvsr_fake_inject(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, 2,
			 -XEN_ENOSPC);
	expect_panic(test, s, sim_suspend(s), &parked);
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

static struct kunit_case suspend_cases[] = {
	KUNIT_CASE(suspend_new_domain_rebuilds_every_vcpu),
	KUNIT_CASE(suspend_new_domain_above_32_vcpus),
	KUNIT_CASE(suspend_trace_records_the_protocol_in_order),
	KUNIT_CASE(suspend_cancelled_restarts_same_contexts),
	KUNIT_CASE(suspend_twice_new_domain_then_cancel),
	KUNIT_CASE(suspend_repokes_a_vcpu_that_missed_the_ipi),
	KUNIT_CASE(suspend_leaves_offline_vcpus_alone),
	KUNIT_CASE(suspend_spurious_park_ipi_is_ignored),
	KUNIT_CASE(suspend_off_the_boot_vcpu_is_refused),
	KUNIT_CASE(suspend_while_busy_is_refused),
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
	{}
};

static struct kunit_suite suspend_suite = {
	.name = "pvsr_suspend",
	.exit = suspend_exit,
	.test_cases = suspend_cases,
};

kunit_test_suite(suspend_suite);
