/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page-table entry policy for a 64-bit PV guest.
 *
 * Xen runs a 64-bit PV kernel in ring 3, so "kernel" and "user" pages are
 * told apart by Xen, not by the hardware: Xen 4.17 writes a present L1
 * entry that lacks USER as USER | bit 52 (its private "guest kernel" mark,
 * never GLOBAL), one that has USER as USER | GLOBAL, and sets USER in every
 * present higher-level entry. Consequences for the guest:
 *
 *  - kernel leaf entries are built without USER and without GLOBAL: a
 *    kernel page written with USER becomes a global, user-visible mapping;
 *  - an entry read back differs from the one written in USER, GLOBAL and
 *    bits 52-62, so comparisons ignore exactly those bits;
 *  - the expected old value of a compare-and-swap must be the entry really
 *    in memory (Xen's version), not the one the guest built.
 */
#ifndef PVSR_ARCH_X86_PTE_H
#define PVSR_ARCH_X86_PTE_H

#include "hypercall/xen_abi.h"

/*
 * x86 page-table bits (architecture, not Xen ABI: Xen's public headers do
 * not define them). Prefixed so that they never meet Linux's _PAGE_* in
 * the KUnit build.
 */
#define PVSR_PTE_PRESENT (1ULL << 0)
#define PVSR_PTE_RW (1ULL << 1)
#define PVSR_PTE_USER (1ULL << 2)
#define PVSR_PTE_PWT (1ULL << 3)
#define PVSR_PTE_PCD (1ULL << 4)
#define PVSR_PTE_ACCESSED (1ULL << 5)
#define PVSR_PTE_DIRTY (1ULL << 6)
#define PVSR_PTE_PSE (1ULL << 7) /* large page (L2/L3) */
#define PVSR_PTE_GLOBAL (1ULL << 8)
#define PVSR_PTE_NX (1ULL << 63)
/* Xen's _PAGE_GUEST_KERNEL: set by Xen on 64-bit PV kernel leaf entries. */
#define PVSR_PTE_XEN_KERNEL (1ULL << 52)
/* Bits 52-62: software-available, partly used by Xen. */
#define PVSR_PTE_SOFT_HIGH 0x7ff0000000000000ULL
#define PVSR_PTE_FRAME 0x000ffffffffff000ULL
#define PVSR_PTE_MFN_MAX (PVSR_PTE_FRAME >> 12)

typedef uint64_t pvsr_pte_t;

/* Page-table levels, leaf = 1. */
enum pvsr_pt_level {
	PVSR_PT_L1 = 1,
	PVSR_PT_L2,
	PVSR_PT_L3,
	PVSR_PT_L4,
};

/* Who a leaf mapping is for (decided by the guest from the address). */
enum pvsr_pte_kind {
	PVSR_PTE_KERNEL,
	PVSR_PTE_USERSPACE,
};

/* Protection requested for a leaf. */
#define PVSR_PROT_WRITE (1U << 0)
#define PVSR_PROT_EXEC (1U << 1)

/* Why an entry breaks the policy (0: it does not). */
enum pvsr_pte_problem {
	PVSR_PTE_OK = 0,
	PVSR_PTE_KERNEL_GLOBAL, /* kernel leaf with GLOBAL */
	PVSR_PTE_KERNEL_USER_VISIBLE, /* kernel leaf Xen took for user */
	PVSR_PTE_USER_NOT_USER, /* user leaf without USER */
	PVSR_PTE_USER_KERNEL_MARK, /* user leaf Xen took for kernel */
	PVSR_PTE_LARGE_PAGE, /* PSE: PV has no superpages */
	PVSR_PTE_BAD_LEVEL,
	PVSR_PTE_PROBLEM_COUNT
};

/*
 * Leaf entries for mfn. Return 0 (not present) if mfn does not fit in an
 * entry. Kernel leaves never carry USER or GLOBAL; user leaves carry USER.
 */
pvsr_pte_t pvsr_pte_kernel_leaf(uint64_t mfn, unsigned int prot);
pvsr_pte_t pvsr_pte_user_leaf(uint64_t mfn, unsigned int prot);
/* A higher-level entry pointing at the table in mfn (L2-L4). */
pvsr_pte_t pvsr_pte_table(uint64_t mfn);

static inline uint64_t pvsr_pte_mfn(pvsr_pte_t e)
{
	return (e & PVSR_PTE_FRAME) >> 12;
}

/*
 * Check an entry (as built, or as read back from a live table) against
 * the policy for its level and, for leaves, kind. Not-present entries
 * always pass.
 */
enum pvsr_pte_problem pvsr_pte_check(pvsr_pte_t e, enum pvsr_pt_level level,
				     enum pvsr_pte_kind kind);
const char *pvsr_pte_problem_name(enum pvsr_pte_problem p);

/* The bits that Xen may change in an entry we wrote. */
pvsr_pte_t pvsr_pte_ignored_bits(void);

/* Same mapping, ignoring USER, GLOBAL and bits 52-62. */
bool pvsr_pte_same(pvsr_pte_t a, pvsr_pte_t b);

/*
 * Expected old value for a compare-and-swap of an entry the guest
 * believes holds `believed`: if the entry in memory is the same mapping,
 * set *expected to the value really in memory and return true; otherwise
 * return false (someone changed the mapping).
 */
bool pvsr_pte_cas_expected(pvsr_pte_t in_memory, pvsr_pte_t believed,
			   pvsr_pte_t *expected);

#endif /* PVSR_ARCH_X86_PTE_H */
