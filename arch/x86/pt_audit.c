// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table audit: see pt_audit.h.
 */
#include "arch/x86/pt_audit.h"

#define PT_INDEX_BITS 9
#define PT_INDEX_MASK (PVSR_PT_ENTRIES - 1)
#define VA_BITS 48

/* Bits of the virtual address one entry at this level covers. */
static unsigned int level_shift(enum pvsr_pt_level level)
{
	return 12 + PT_INDEX_BITS * (level - 1);
}

/* x86-64 addresses are canonical: bits 48-63 copy bit 47. */
static uint64_t canonical(uint64_t va)
{
	if (va & (1ULL << (VA_BITS - 1)))
		return va | ~((1ULL << VA_BITS) - 1);
	return va & ((1ULL << VA_BITS) - 1);
}

static unsigned int l4_slot(uint64_t va)
{
	return (va >> level_shift(PVSR_PT_L4)) & PT_INDEX_MASK;
}

uint64_t pvsr_pt_va(unsigned int l4, unsigned int l3, unsigned int l2,
		    unsigned int l1)
{
	return canonical(((uint64_t)l4 << level_shift(PVSR_PT_L4)) |
			 ((uint64_t)l3 << level_shift(PVSR_PT_L3)) |
			 ((uint64_t)l2 << level_shift(PVSR_PT_L2)) |
			 ((uint64_t)l1 << level_shift(PVSR_PT_L1)));
}

/*
 * Xen keeps its own mappings (M2P, linear page tables, its image) in these
 * slots of every PV L4 and refuses guest updates there: not ours to judge.
 */
bool pvsr_pt_xen_l4_slot(unsigned int l4)
{
	return l4 >= l4_slot(__HYPERVISOR_VIRT_START) &&
	       l4 < l4_slot(__HYPERVISOR_VIRT_END);
}

/* The policy is per address: the upper half is the kernel's. */
static enum pvsr_pte_kind kind_of(uint64_t va)
{
	return (va >> 63) ? PVSR_PTE_KERNEL : PVSR_PTE_USERSPACE;
}

void pvsr_pt_audit_init(struct pvsr_pt_audit *audit, pvsr_pt_read_fn read,
			void *arg)
{
	audit->read = read;
	audit->arg = arg;
	audit->tables = 0;
	audit->entries = 0;
	audit->kernel_leaves = 0;
	audit->user_leaves = 0;
	audit->problems = 0;
	audit->unreadable = 0;
	audit->nr_findings = 0;
	audit->first_read_error = 0;
	audit->first_unreadable_mfn = 0;
}

static void record(struct pvsr_pt_audit *audit, uint64_t va,
		   enum pvsr_pt_level level, pvsr_pte_t e,
		   enum pvsr_pte_problem problem)
{
	struct pvsr_pt_finding *f;

	audit->problems++;
	if (audit->nr_findings >= PVSR_PT_AUDIT_MAX_FINDINGS)
		return;
	f = &audit->findings[audit->nr_findings++];
	f->va = va;
	f->level = level;
	f->entry = e;
	f->problem = problem;
}

static void count_leaf(struct pvsr_pt_audit *audit, uint64_t va)
{
	if (kind_of(va) == PVSR_PTE_KERNEL)
		audit->kernel_leaves++;
	else
		audit->user_leaves++;
}

static void walk(struct pvsr_pt_audit *audit, uint64_t mfn,
		 enum pvsr_pt_level level, uint64_t va_base);

static void check_entry(struct pvsr_pt_audit *audit, pvsr_pte_t e,
			enum pvsr_pt_level level, uint64_t va)
{
	enum pvsr_pte_problem problem;

	audit->entries++;
	problem = pvsr_pte_check(e, level, kind_of(va));
	if (problem != PVSR_PTE_OK)
		record(audit, va, level, e, problem);
	if (level == PVSR_PT_L1)
		count_leaf(audit, va);
	else if (!(e & PVSR_PTE_PSE))
		walk(audit, pvsr_pte_mfn(e), level - 1, va);
}

/*
 * Depth-first: the copy of this level's table stays intact while the
 * levels below reuse their own copies, so 4 copies cover any tree.
 */
static void walk(struct pvsr_pt_audit *audit, uint64_t mfn,
		 enum pvsr_pt_level level, uint64_t va_base)
{
	pvsr_pte_t *table = audit->copy[level - 1];
	unsigned int i;
	int rc;

	rc = audit->read(mfn, table, audit->arg);
	if (rc) {
		if (!audit->unreadable++) {
			audit->first_read_error = rc;
			audit->first_unreadable_mfn = mfn;
		}
		return;
	}
	audit->tables++;
	for (i = 0; i < PVSR_PT_ENTRIES; i++) {
		uint64_t va = canonical(va_base |
					((uint64_t)i << level_shift(level)));

		if (level == PVSR_PT_L4 && pvsr_pt_xen_l4_slot(i))
			continue;
		if (table[i] & PVSR_PTE_PRESENT)
			check_entry(audit, table[i], level, va);
	}
}

void pvsr_pt_audit_run(struct pvsr_pt_audit *audit, uint64_t l4_mfn)
{
	walk(audit, l4_mfn, PVSR_PT_L4, 0);
}
