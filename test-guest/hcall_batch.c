// SPDX-License-Identifier: GPL-2.0
/*
 * Long preemptible mmu_update batches (see hcall_batch.h).
 */
#include "test-guest/hcall_batch.h"
#include "test-guest/hcall_batch_issue.h"
#include "test-guest/events.h"
#include "test-guest/mm.h"
#include "test-guest/suspend.h"
#include "arch/x86/traps.h"
#include "hypercall/hypercall.h"
#include <xenpub/errno.h>

/* x86's interrupt flag; in a PV iret frame it stands for "events on". */
#define X86_EFLAGS_IF (1UL << 9)

/* Each vCPU's L1 covers its own 2 MiB of the vmap area, clear of others. */
#define BATCH_VA(cpu) (MM_VMAP_BASE + (8UL + (cpu)) * (2UL << 20))

struct hcall_batch_cpu {
	/* PFNs only: MFNs are looked up in this domain's P2M per batch. */
	unsigned long l1_pfn;
	unsigned long frame_pfn[2];
	uint64_t round;
	bool ready;
	/* Inside hcall_batch_issue(): an upcall may find the window open. */
	bool issuing;
	/* An upcall was held off during this issue: take it after. */
	bool held;
	struct hcall_batch_stats stats;
	struct mmu_update req[HCALL_BATCH_ENTRIES];
	pvsr_pte_t table[HCALL_BATCH_ENTRIES];
};

static struct hcall_batch_cpu batch_cpus[GUEST_MAX_VCPUS];

long hcall_batch_init(unsigned int cpu)
{
	struct hcall_batch_cpu *b = &batch_cpus[cpu];
	struct mm_pte_ref ref;
	unsigned int i;
	long rc;

	for (i = 0; i < 2; i++) {
		void *frame = mm_alloc_page();

		if (!frame)
			return -XEN_ENOMEM;
		b->frame_pfn[i] = virt_to_pfn(frame);
	}
	rc = mm_map(mm_kernel_l4_mfn(), BATCH_VA(cpu),
		    pvsr_pte_kernel_leaf(pfn_to_mfn(b->frame_pfn[0]), 0));
	if (!rc)
		rc = mm_walk(mm_kernel_l4_mfn(), BATCH_VA(cpu), &ref);
	if (rc)
		return rc;
	b->l1_pfn = mfn_to_pfn(ref.table_mfn);
	__atomic_store_n(&b->ready, true, __ATOMIC_RELEASE);
	return 0;
}

bool hcall_batch_ready(unsigned int cpu)
{
	return __atomic_load_n(&batch_cpus[cpu].ready, __ATOMIC_ACQUIRE);
}

static unsigned int frame_for(const struct hcall_batch_cpu *b, unsigned int i)
{
	return (b->round + i) & 1;
}

/* Events masked: nothing can park us between here and the hypercall. */
static void build(struct hcall_batch_cpu *b)
{
	uint64_t l1_maddr = pfn_to_mfn(b->l1_pfn) << GUEST_PAGE_SHIFT;
	uint64_t mfn[2] = { pfn_to_mfn(b->frame_pfn[0]),
			    pfn_to_mfn(b->frame_pfn[1]) };
	unsigned int i;

	for (i = 0; i < HCALL_BATCH_ENTRIES; i++) {
		b->req[i].ptr = (l1_maddr + i * sizeof(pvsr_pte_t)) |
				MMU_NORMAL_PT_UPDATE;
		b->req[i].val = pvsr_pte_kernel_leaf(mfn[frame_for(b, i)], 0);
	}
}

/* Every entry maps the frame asked for, by this domain's P2M. */
static bool entries_right(struct hcall_batch_cpu *b)
{
	unsigned int i;

	if (mm_read_table(pfn_to_mfn(b->l1_pfn), b->table))
		return false;
	for (i = 0; i < HCALL_BATCH_ENTRIES; i++) {
		uint64_t want = pfn_to_mfn(b->frame_pfn[frame_for(b, i)]);

		if (!(b->table[i] & PVSR_PTE_PRESENT) ||
		    pvsr_pte_mfn(b->table[i]) != want)
			return false;
	}
	return true;
}

/*
 * Unmasked without the usual kick: an event pending now is taken at the
 * hypercall's first preemption point, inside it. One that Xen delivers
 * before the syscall is held off (hcall_batch_hold_off()) until the
 * batch is done.
 */
static long issue_with_events(struct hcall_batch_cpu *b, struct vcpu_info *vi,
			      unsigned int *done)
{
	long rc;

	__atomic_store_n(&b->issuing, true, __ATOMIC_SEQ_CST);
	rc = hcall_batch_issue(b->req, HCALL_BATCH_ENTRIES, done,
			       &vi->evtchn_upcall_mask);
	__atomic_store_n(&b->issuing, false, __ATOMIC_SEQ_CST);
	/*
	 * The held-off event is still pending and would only meet the next
	 * window again: take it now, with the batch done.
	 */
	if (b->held) {
		b->held = false;
		events_enable_local();
	}
	__atomic_store_n(&vi->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
	return rc;
}

void hcall_batch_run(bool events_in_call)
{
	struct guest_cpu *cpu = this_cpu();
	struct hcall_batch_cpu *b = &batch_cpus[cpu->id];
	struct vcpu_info *vi = cpu->vcpu_info;
	unsigned long gen = guest_domain_generation();
	unsigned int done = 0;
	long rc;

	if (!hcall_batch_ready(cpu->id))
		return;
	build(b);
	if (events_in_call)
		rc = issue_with_events(b, vi, &done);
	else
		rc = pvsr_hyp_mmu_update(b->req, HCALL_BATCH_ENTRIES, &done,
					 DOMID_SELF);
	b->stats.last_rc = rc;
	b->stats.last_done = done;
	if (gen != guest_domain_generation())
		b->stats.straddles++;
	if (rc || done != HCALL_BATCH_ENTRIES || !entries_right(b))
		b->stats.errors++;
	b->stats.batches++;
	b->round++;
}

/* From the unmask up to, not including, the mmu_update stub's syscall. */
static bool in_window(unsigned long pc)
{
	const unsigned char *stub =
		(const unsigned char *)hypercall_page +
		__HYPERVISOR_mmu_update * PVSR_HYPERCALL_STUB_SIZE;
	unsigned int off;

	if (pc >= (unsigned long)hcall_batch_window_start &&
	    pc <= (unsigned long)hcall_batch_window_end)
		return true;
	for (off = 0; off + 1 < PVSR_HYPERCALL_STUB_SIZE; off++) {
		if (stub[off] == PVSR_SYSCALL_BYTE0 &&
		    stub[off + 1] == PVSR_SYSCALL_BYTE1)
			return pc >= (unsigned long)stub &&
			       pc < (unsigned long)stub + off;
	}
	panic("no syscall in Xen's mmu_update stub at %p", stub);
}

/*
 * Self-test hook: PVSR_SELFTEST_BATCH_WINDOW_OPEN (a wide window, see
 * hcall_batch_issue.S) parks with the batch unissued, which
 * resume_K_preempted_hypercall must catch.
 */
bool hcall_batch_hold_off(struct pvsr_regs *regs)
{
	struct hcall_batch_cpu *b = &batch_cpus[this_cpu()->id];

#ifdef PVSR_SELFTEST_BATCH_WINDOW_OPEN
	return false;
#endif
	if (!__atomic_load_n(&b->issuing, __ATOMIC_SEQ_CST) ||
	    !in_window(regs->rip))
		return false;
	/* Back with events masked; the event stays pending for later. */
	regs->rflags &= ~X86_EFLAGS_IF;
	b->held = true;
	b->stats.held_off++;
	return true;
}

void hcall_batch_snapshot(unsigned int cpu, struct hcall_batch_stats *out)
{
	*out = batch_cpus[cpu].stats;
}
