// SPDX-License-Identifier: GPL-2.0
/*
 * Page tables and user mode on the real hypervisor: the live tables obey
 * the PTE policy, both ways of updating an L1 entry agree, and a ring-3
 * task reads its own page but faults on the kernel's.
 */
#include "test-guest/mm.h"
#include "test-guest/user.h"
#include "test-guest/user_task.h"
#include "test-guest/events.h"
#include "test-guest/scenario.h"
#include "test-guest/time.h"
#include "test-guest/workload.h"
#include "arch/x86/pt_audit.h"
#include "hypercall/hypercall.h"

/* #PF error code bits (x86 architecture). */
#define X86_PF_USER (1UL << 2)

/* Where pte_cas_update maps its two test frames, in turn. */
#define CAS_TEST_VA MM_VMAP_BASE
#define PATTERN_A 0xa11ce5a11ce5a11cULL
#define PATTERN_B 0xb0bb0bb0bb0bb0b0ULL

/* Long enough in user mode for several 10 ms timer ticks to arrive. */
#define USER_SPIN_NS (50 * NSEC_PER_MSEC)
#define USER_SPIN_ATTEMPTS 20

/* A kernel data page the ring-3 task tries to read. */
static uint64_t kernel_probe_page[GUEST_PAGE_SIZE / sizeof(uint64_t)] __aligned(
	GUEST_PAGE_SIZE) __section(".bss.page_aligned");

#ifdef PVSR_SELFTEST_KERNEL_USER_PTE
/*
 * Harness self-test: remap that kernel page with USER, the mistake the
 * audit exists to catch (Xen then treats it as a user mapping and makes
 * it GLOBAL), so pte_policy_audit must fail.
 */
static long selftest_break_kernel_pte(void)
{
	pvsr_pte_t e = pvsr_pte_kernel_leaf(virt_to_mfn(kernel_probe_page),
					    PVSR_PROT_WRITE);

	console_printf(
		"# SELFTEST: kernel page %p mapped with USER on purpose\n",
		(void *)kernel_probe_page);
	return pvsr_hyp_update_va_mapping((unsigned long)kernel_probe_page,
					  e | PVSR_PTE_USER,
					  UVMF_INVLPG | UVMF_ALL);
}
#else
static long selftest_break_kernel_pte(void)
{
	return 0;
}
#endif

/* Memory and the ring-3 task, set up by whichever case runs first. */
static bool pt_prepare(struct ktap_ctx *ctx)
{
	static bool broken;
	long rc;

	mm_init();
	if (!broken) {
		rc = selftest_break_kernel_pte();
		KTAP_EXPECT(ctx, rc == 0, "self-test remap failed: %ld", rc);
		broken = true;
	}
	rc = user_task_init();
	return KTAP_EXPECT(ctx, rc == 0, "building the ring-3 task failed: %ld",
			   rc);
}

static int read_table(uint64_t mfn, pvsr_pte_t *table, void *arg)
{
	(void)arg;
	return mm_read_table(mfn, table);
}

/* 16 KiB of table copies: not for a stack. */
static struct pvsr_pt_audit audit;

static void report_audit(const char *what, const struct pvsr_pt_audit *a)
{
	unsigned int i;

	ktap_diag(
		"%s: %lu tables, %lu present entries, %lu kernel leaves, %lu user leaves, %lu problems, %lu unreadable",
		what, a->tables, a->entries, a->kernel_leaves, a->user_leaves,
		a->problems, a->unreadable);
	for (i = 0; i < a->nr_findings; i++) {
		const struct pvsr_pt_finding *f = &a->findings[i];

		ktap_diag("%s: VA %#llx L%u entry %#llx: %s", what,
			  (unsigned long long)f->va, f->level,
			  (unsigned long long)f->entry,
			  pvsr_pte_problem_name(f->problem));
	}
	if (a->unreadable)
		ktap_diag("%s: first unreadable table MFN %#llx (error %d)",
			  what, (unsigned long long)a->first_unreadable_mfn,
			  a->first_read_error);
}

static void audit_tree(struct ktap_ctx *ctx, const char *what, uint64_t l4_mfn)
{
	pvsr_pt_audit_init(&audit, read_table, NULL);
	pvsr_pt_audit_run(&audit, l4_mfn);
	report_audit(what, &audit);
	KTAP_EXPECT(ctx, audit.problems == 0, "%lu entries break the policy",
		    audit.problems);
	KTAP_EXPECT(ctx, audit.unreadable == 0, "%lu tables unreadable",
		    audit.unreadable);
}

static void pte_policy_audit(struct ktap_ctx *ctx)
{
	if (!pt_prepare(ctx))
		return;
	audit_tree(ctx, "kernel page table", mm_kernel_l4_mfn());
	KTAP_EXPECT(ctx, audit.kernel_leaves > 0,
		    "no kernel mappings found: the walk is broken");
	audit_tree(ctx, "user page table", user_l4_mfn());
	KTAP_EXPECT(ctx, audit.kernel_leaves == 0,
		    "the user page table maps %lu kernel pages",
		    audit.kernel_leaves);
	/* Its code and data page, and the per-vCPU tasks' program and pages. */
	KTAP_EXPECT(ctx, audit.user_leaves == 2 + utask_user_pages(),
		    "the user page table maps %lu pages, not code + data + %u",
		    audit.user_leaves, utask_user_pages());
}

/* What the CAS test needs: two frames, one L1 entry, its mapping. */
struct cas_test {
	uint64_t *frame[2];
	pvsr_pte_t leaf[2]; /* as the guest builds them */
	struct mm_pte_ref ref;
};

static bool cas_setup(struct ktap_ctx *ctx, struct cas_test *t)
{
	static uint64_t *frames[2];
	unsigned int i;
	long rc;

	for (i = 0; i < 2; i++) {
		if (!frames[i])
			frames[i] = mm_alloc_page();
		if (!KTAP_EXPECT(ctx, frames[i], "out of free frames"))
			return false;
		t->frame[i] = frames[i];
		t->leaf[i] = pvsr_pte_kernel_leaf(virt_to_mfn(frames[i]),
						  PVSR_PROT_WRITE);
	}
	frames[0][0] = PATTERN_A;
	frames[1][0] = PATTERN_B;
	rc = mm_map(mm_kernel_l4_mfn(), CAS_TEST_VA, t->leaf[0]);
	if (!KTAP_EXPECT(ctx, rc == 0, "mapping the test page failed: %ld", rc))
		return false;
	rc = mm_walk(mm_kernel_l4_mfn(), CAS_TEST_VA, &t->ref);
	return KTAP_EXPECT(ctx, rc == 0, "walking to the test page failed: %ld",
			   rc);
}

static uint64_t read_test_page(void)
{
	return __atomic_load_n((uint64_t *)CAS_TEST_VA, __ATOMIC_RELAXED);
}

/* After an update of the entry: flush, read back, check the mapping. */
static pvsr_pte_t expect_mapping(struct ktap_ctx *ctx, struct cas_test *t,
				 unsigned int which, const char *how)
{
	static const uint64_t pattern[2] = { PATTERN_A, PATTERN_B };
	long rc = mm_flush_va(CAS_TEST_VA);
	enum pvsr_pte_problem problem;
	uint64_t seen;

	KTAP_EXPECT(ctx, rc == 0, "INVLPG_ALL failed: %ld", rc);
	KTAP_EXPECT(ctx, mm_pte_reread(&t->ref) == 0, "re-reading the entry");
	seen = read_test_page();
	KTAP_EXPECT(ctx, seen == pattern[which],
		    "after %s the page holds %#llx, expected %#llx", how,
		    (unsigned long long)seen,
		    (unsigned long long)pattern[which]);
	KTAP_EXPECT(ctx, pvsr_pte_same(t->ref.entry, t->leaf[which]),
		    "after %s: entry %#llx is not the mapping %#llx", how,
		    (unsigned long long)t->ref.entry,
		    (unsigned long long)t->leaf[which]);
	problem = pvsr_pte_check(t->ref.entry, PVSR_PT_L1, PVSR_PTE_KERNEL);
	KTAP_EXPECT(ctx, problem == PVSR_PTE_OK, "after %s: entry %#llx: %s",
		    how, (unsigned long long)t->ref.entry,
		    pvsr_pte_problem_name(problem));
	return t->ref.entry;
}

/* A CAS whose expected value is not in memory must fail, harmlessly. */
static void expect_cas_refused(struct ktap_ctx *ctx, struct cas_test *t,
			       pvsr_pte_t stale, const char *why)
{
	pvsr_pte_t in_memory = 0;
	int rc = mm_pte_cas(&t->ref, stale, t->leaf[0], &in_memory);

	KTAP_EXPECT(ctx, rc == 0, "CAS expecting %s (%#llx) returned %d", why,
		    (unsigned long long)stale, rc);
	KTAP_EXPECT(ctx, in_memory == t->ref.entry,
		    "failed CAS saw %#llx, the entry is %#llx",
		    (unsigned long long)in_memory,
		    (unsigned long long)t->ref.entry);
}

static void pte_cas_update(struct ktap_ctx *ctx)
{
	struct cas_test t;
	struct mm_batch batch;
	pvsr_pte_t mmu_a, cas_b, store_a, mmu_b, expected, seen = 0;
	int rc;

	if (!pt_prepare(ctx) || !cas_setup(ctx, &t))
		return;
	mmu_a = expect_mapping(ctx, &t, 0, "MMU_NORMAL_PT_UPDATE of A");
	ktap_diag("kernel leaf built %#llx, in memory %#llx",
		  (unsigned long long)t.leaf[0], (unsigned long long)mmu_a);

	/* The guest's own value is not what Xen stored: CAS must miss. */
	if (mmu_a != t.leaf[0])
		expect_cas_refused(ctx, &t, t.leaf[0], "the built entry");

	if (!KTAP_EXPECT(ctx,
			 pvsr_pte_cas_expected(t.ref.entry, t.leaf[0],
					       &expected),
			 "entry %#llx does not map A",
			 (unsigned long long)t.ref.entry))
		return;
	rc = mm_pte_cas(&t.ref, expected, t.leaf[1], &seen);
	if (!KTAP_EXPECT(ctx, rc == 1, "CAS A->B returned %d (memory %#llx)",
			 rc, (unsigned long long)seen))
		return;
	cas_b = expect_mapping(ctx, &t, 1, "CAS A->B");
	expect_cas_refused(ctx, &t, mmu_a, "the replaced entry");

	rc = mm_pte_store(&t.ref, t.leaf[0]);
	KTAP_EXPECT(ctx, rc == 0, "direct store of A failed: %d", rc);
	store_a = expect_mapping(ctx, &t, 0, "direct store of A");

	mm_batch_init(&batch);
	rc = mm_batch_add(&batch, &t.ref, t.leaf[1]);
	if (!rc)
		rc = mm_batch_flush(&batch);
	KTAP_EXPECT(ctx, rc == 0, "batched update to B failed: %d", rc);
	mmu_b = expect_mapping(ctx, &t, 1, "batched MMU_NORMAL_PT_UPDATE of B");

	KTAP_EXPECT(ctx, pvsr_pte_same(mmu_a, store_a),
		    "A: MMU_NORMAL_PT_UPDATE gave %#llx, direct store %#llx",
		    (unsigned long long)mmu_a, (unsigned long long)store_a);
	KTAP_EXPECT(ctx, pvsr_pte_same(mmu_b, cas_b),
		    "B: MMU_NORMAL_PT_UPDATE gave %#llx, CAS %#llx",
		    (unsigned long long)mmu_b, (unsigned long long)cas_b);
	ktap_diag("A: update %#llx, store %#llx; B: update %#llx, CAS %#llx",
		  (unsigned long long)mmu_a, (unsigned long long)store_a,
		  (unsigned long long)mmu_b, (unsigned long long)cas_b);
}

static void diag_run(const char *what, const struct user_run_result *r)
{
	ktap_diag(
		"%s: vector %lu error %#lx at %#lx (%s mode), CR2 %#lx, own %#llx, probe %s %#llx",
		what, r->trap.vector, r->trap.error_code, r->trap.rip,
		r->trap.from_user ? "user" : "kernel", r->trap.fault_address,
		(unsigned long long)r->own_seen,
		r->probe_done ? "read" : "not read",
		(unsigned long long)r->probe_seen);
}

/* Every run ends in a #PF from user mode; only where differs. */
static bool expect_user_pf(struct ktap_ctx *ctx,
			   const struct user_run_result *r, unsigned long cr2,
			   const char *where)
{
	bool ok = true;

	ok &= KTAP_EXPECT(ctx, r->trap.taken, "user mode never trapped");
	ok &= KTAP_EXPECT(ctx, r->trap.from_user,
			  "the #PF came from kernel mode (cs RPL 0)");
	ok &= KTAP_EXPECT(ctx, r->trap.error_code & X86_PF_USER,
			  "#PF error %#lx does not say user mode",
			  r->trap.error_code);
	ok &= KTAP_EXPECT(ctx, r->trap.fault_address == cr2,
			  "#PF at %#lx, expected at %s (%#lx)",
			  r->trap.fault_address, where, cr2);
	return ok;
}

static uint64_t next_value(void)
{
	static uint64_t counter;

	return 0x7e57da7a00000000ULL + ++counter;
}

/*
 * Events stay off in the kernel around the run, so every timer tick
 * counted meanwhile was taken in user mode: Xen bounced it onto the
 * kernel stack set for user mode and returned to user mode after it.
 */
static void expect_events_in_user_mode(struct ktap_ctx *ctx,
				       const struct workload_stats *before,
				       const struct workload_stats *after)
{
	ktap_diag("%llu timer ticks taken in user mode",
		  (unsigned long long)(after->ticks - before->ticks));
	KTAP_EXPECT(
		ctx, after->ticks > before->ticks,
		"no timer event reached the vCPU in %u spins of %llu ms in user mode",
		USER_SPIN_ATTEMPTS, USER_SPIN_NS / NSEC_PER_MSEC);
	KTAP_EXPECT(ctx, after->identity_errors == before->identity_errors,
		    "an event taken in user mode ran off the vCPU's stack");
}

static void user_can_read_user(struct ktap_ctx *ctx)
{
	struct user_run_args args = {
		.own_value = next_value(),
		.probe_va = USER_DATA_VA + USER_PAGE_OWN_VALUE,
	};
	struct workload_stats before, after;
	unsigned int cpu = this_cpu()->id;
	struct user_run_result r;
	unsigned int attempt;
	long rc;

	if (!pt_prepare(ctx))
		return;
	events_disable_local();
	workload_snapshot(cpu, &before);
	/*
	 * A vCPU Xen did not run during its 50 ms (a busy host) saw no tick
	 * through no fault of its own: spin again, a bounded number of times.
	 */
	for (attempt = 0; attempt < USER_SPIN_ATTEMPTS; attempt++) {
		args.spin_until_tsc =
			time_tsc_now() + time_ns_to_tsc(USER_SPIN_NS);
		rc = user_run(&args, &r);
		workload_snapshot(cpu, &after);
		if (rc || after.ticks > before.ticks)
			break;
	}
	events_enable_local();
	if (!KTAP_EXPECT(ctx, rc == 0, "entering user mode failed: %ld", rc))
		return;
	diag_run("ring 3 reading its own page", &r);
	expect_user_pf(ctx, &r, USER_EXIT_VA, "the exit address");
	KTAP_EXPECT(ctx, r.own_seen == args.own_value,
		    "ring 3 read %#llx from its page, the kernel put %#llx",
		    (unsigned long long)r.own_seen,
		    (unsigned long long)args.own_value);
	KTAP_EXPECT(ctx, r.probe_done && r.probe_seen == args.own_value,
		    "second read of its page: %s %#llx",
		    r.probe_done ? "got" : "faulted,",
		    (unsigned long long)r.probe_seen);
	expect_events_in_user_mode(ctx, &before, &after);
}

/* After the fault the guest runs on: events, ticks, user mode again. */
static void expect_carries_on(struct ktap_ctx *ctx)
{
	struct guest_cpu *cpu = this_cpu();
	struct workload_stats before, now;
	struct user_run_args args = { .own_value = 1,
				      .probe_va = USER_DATA_VA };
	struct user_run_result r;
	uint64_t deadline = time_now_ns() + 2 * NSEC_PER_SEC;
	long rc;

	KTAP_EXPECT(ctx, !cpu->vcpu_info->evtchn_upcall_mask,
		    "events still masked after the fault");
	workload_snapshot(cpu->id, &before);
	do {
		time_delay_ns(10 * NSEC_PER_MSEC);
		workload_snapshot(cpu->id, &now);
	} while (now.ticks < before.ticks + 2 && time_now_ns() < deadline);
	KTAP_EXPECT(ctx, now.ticks >= before.ticks + 2,
		    "vCPU %u's timer stopped after the fault", cpu->id);
	rc = user_run(&args, &r);
	KTAP_EXPECT(ctx, rc == 0 && r.trap.fault_address == USER_EXIT_VA,
		    "user mode does not run again (%ld, #PF at %#lx)", rc,
		    r.trap.fault_address);
}

/*
 * In 64-bit PV the kernel runs in ring 3 too: Xen gives a kernel leaf
 * (no USER) the hardware USER bit, so a kernel page mapped in the user
 * L4 is readable from user mode whatever its PTE says (seen on Xen
 * 4.17.5: such a probe read the page). What keeps user mode out is that
 * the user L4 maps no kernel page (pte_policy_audit counts them) and that
 * kernel entries are never GLOBAL, so a kernel TLB entry does not survive
 * the switch to the user page table. This probe reads a kernel page just
 * touched through the kernel L4. PVSR_SELFTEST_KERNEL_IN_USER_L4 maps it
 * into the user L4, the mistake the audit exists for: the probe must
 * then read it and this check fail (harness selftest --e2e).
 */
#ifdef PVSR_SELFTEST_KERNEL_IN_USER_L4
static long selftest_kernel_in_user_l4(void)
{
	console_printf("# SELFTEST: kernel page %p mapped in the user L4\n",
		       (void *)kernel_probe_page);
	return mm_map(user_l4_mfn(), (unsigned long)kernel_probe_page,
		      pvsr_pte_kernel_leaf(virt_to_mfn(kernel_probe_page), 0));
}
#else
static long selftest_kernel_in_user_l4(void)
{
	return 0;
}
#endif

static void user_cannot_read_kernel(struct ktap_ctx *ctx)
{
	struct user_run_args args = {
		.own_value = next_value(),
		.probe_va = (unsigned long)kernel_probe_page,
	};
	struct user_run_result r;
	long rc;

	if (!pt_prepare(ctx))
		return;
	rc = selftest_kernel_in_user_l4();
	if (!KTAP_EXPECT(ctx, rc == 0, "self-test mapping failed: %ld", rc))
		return;
	/* Just touched: a TLB entry that user mode could hit, if any. */
	__atomic_store_n(&kernel_probe_page[0], args.own_value ^ 0x5ec12e7,
			 __ATOMIC_RELAXED);
	rc = user_run(&args, &r);
	if (!KTAP_EXPECT(ctx, rc == 0, "entering user mode failed: %ld", rc))
		return;
	diag_run("ring 3 reading the kernel", &r);
	KTAP_EXPECT(ctx, r.own_seen == args.own_value,
		    "the task did not run (own page read %#llx)",
		    (unsigned long long)r.own_seen);
	KTAP_EXPECT(ctx, !r.probe_done,
		    "ring 3 read kernel address %#lx and got %#llx",
		    args.probe_va, (unsigned long long)r.probe_seen);
	expect_user_pf(ctx, &r, args.probe_va, "the kernel address");
	KTAP_EXPECT(ctx, r.trap.vector == PVSR_VEC_PF, "vector %lu",
		    r.trap.vector);
	expect_carries_on(ctx);
}

const struct ktap_case pt_cases[] = {
	{ "pte_policy_audit", pte_policy_audit },
	{ "pte_cas_update", pte_cas_update },
	{ "user_can_read_user", user_can_read_user },
	{ "user_cannot_read_kernel", user_cannot_read_kernel },
	{ NULL, NULL }
};
