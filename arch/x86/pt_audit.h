/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page-table audit for a 64-bit PV guest: walk every table reachable from
 * an L4 and check every present entry against the PTE policy (pte.h).
 *
 * Whether a leaf is a kernel or a user mapping is decided by its virtual
 * address (upper half: kernel), not by its bits: the bits are what is being
 * checked. Xen's reserved L4 slots (the hypervisor hole) are skipped; Xen
 * owns what is there.
 *
 * The audit never touches memory itself: a callback copies a table given
 * its MFN, so a guest reads its live tables and a unit test feeds it
 * made-up ones.
 */
#ifndef PVSR_ARCH_X86_PT_AUDIT_H
#define PVSR_ARCH_X86_PT_AUDIT_H

#include "arch/x86/pte.h"

#define PVSR_PT_ENTRIES 512
/* Findings kept in full; the rest are only counted. */
#define PVSR_PT_AUDIT_MAX_FINDINGS 8

/*
 * Copy the 512 entries of the table in machine frame mfn into table.
 * Returns 0, or a negative error (the table is then counted unreadable).
 */
typedef int (*pvsr_pt_read_fn)(uint64_t mfn, pvsr_pte_t *table, void *arg);

struct pvsr_pt_finding {
	uint64_t va; /* first address the entry maps */
	enum pvsr_pt_level level;
	pvsr_pte_t entry; /* as read from the table */
	enum pvsr_pte_problem problem;
};

struct pvsr_pt_audit {
	pvsr_pt_read_fn read;
	void *arg;
	/* Results, accumulated over every pvsr_pt_audit_run(). */
	unsigned long tables; /* tables read */
	unsigned long entries; /* present entries checked */
	unsigned long kernel_leaves;
	unsigned long user_leaves;
	unsigned long problems;
	unsigned long unreadable; /* tables the callback could not read */
	unsigned int nr_findings;
	struct pvsr_pt_finding findings[PVSR_PT_AUDIT_MAX_FINDINGS];
	int first_read_error;
	uint64_t first_unreadable_mfn;
	/* One copy of a table per level being walked (16 KiB). */
	pvsr_pte_t copy[PVSR_PT_L4][PVSR_PT_ENTRIES];
};

void pvsr_pt_audit_init(struct pvsr_pt_audit *audit, pvsr_pt_read_fn read,
			void *arg);
/* Walk the tree under l4_mfn; results add to those of earlier runs. */
void pvsr_pt_audit_run(struct pvsr_pt_audit *audit, uint64_t l4_mfn);

/* The canonical virtual address an L4..L1 index path stands for. */
uint64_t pvsr_pt_va(unsigned int l4, unsigned int l3, unsigned int l2,
		    unsigned int l1);
/* Whether L4 slot l4 belongs to Xen (the hypervisor hole) in PV guests. */
bool pvsr_pt_xen_l4_slot(unsigned int l4);

#endif /* PVSR_ARCH_X86_PT_AUDIT_H */
