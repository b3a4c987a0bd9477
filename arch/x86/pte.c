// SPDX-License-Identifier: GPL-2.0
/*
 * 64-bit PV page-table entry policy: see pte.h for the rules and why.
 */
#include "arch/x86/pte.h"

/*
 * CONFIG_PVSR_KUNIT_BREAK_PTE exists only to prove that the KUnit suites
 * catch a broken comparison ('scripts/kunit run --break pte'): it stops
 * ignoring USER, so a kernel entry no longer matches Xen's copy of it.
 */
#ifdef CONFIG_PVSR_KUNIT_BREAK_PTE
#define IGNORED_BITS (PVSR_PTE_GLOBAL | PVSR_PTE_SOFT_HIGH)
#else
#define IGNORED_BITS (PVSR_PTE_USER | PVSR_PTE_GLOBAL | PVSR_PTE_SOFT_HIGH)
#endif

static pvsr_pte_t leaf(uint64_t mfn, unsigned int prot)
{
	pvsr_pte_t e;

	if (mfn > PVSR_PTE_MFN_MAX)
		return 0;
	e = (mfn << 12) | PVSR_PTE_PRESENT | PVSR_PTE_ACCESSED;
	if (prot & PVSR_PROT_WRITE)
		e |= PVSR_PTE_RW | PVSR_PTE_DIRTY;
	if (!(prot & PVSR_PROT_EXEC))
		e |= PVSR_PTE_NX;
	return e;
}

/* No USER: Xen then marks it guest-kernel. No GLOBAL: Xen forbids it. */
pvsr_pte_t pvsr_pte_kernel_leaf(uint64_t mfn, unsigned int prot)
{
	return leaf(mfn, prot);
}

pvsr_pte_t pvsr_pte_user_leaf(uint64_t mfn, unsigned int prot)
{
	pvsr_pte_t e = leaf(mfn, prot);

	return e ? e | PVSR_PTE_USER : 0;
}

/*
 * Table entries are writable and accessed; permissions are decided at the
 * leaf. USER is left to Xen, which sets it at every higher level anyway.
 */
pvsr_pte_t pvsr_pte_table(uint64_t mfn)
{
	if (mfn > PVSR_PTE_MFN_MAX)
		return 0;
	return (mfn << 12) | PVSR_PTE_PRESENT | PVSR_PTE_RW |
	       PVSR_PTE_ACCESSED | PVSR_PTE_DIRTY;
}

/*
 * A kernel leaf may be read back with USER only together with Xen's
 * guest-kernel mark; USER without the mark means Xen saw a user mapping.
 */
static enum pvsr_pte_problem check_kernel_leaf(pvsr_pte_t e)
{
	if (e & PVSR_PTE_GLOBAL)
		return PVSR_PTE_KERNEL_GLOBAL;
	if ((e & PVSR_PTE_USER) && !(e & PVSR_PTE_XEN_KERNEL))
		return PVSR_PTE_KERNEL_USER_VISIBLE;
	return PVSR_PTE_OK;
}

static enum pvsr_pte_problem check_user_leaf(pvsr_pte_t e)
{
	if (!(e & PVSR_PTE_USER))
		return PVSR_PTE_USER_NOT_USER;
	if (e & PVSR_PTE_XEN_KERNEL)
		return PVSR_PTE_USER_KERNEL_MARK;
	return PVSR_PTE_OK;
}

enum pvsr_pte_problem pvsr_pte_check(pvsr_pte_t e, enum pvsr_pt_level level,
				     enum pvsr_pte_kind kind)
{
	if (level < PVSR_PT_L1 || level > PVSR_PT_L4)
		return PVSR_PTE_BAD_LEVEL;
	if (!(e & PVSR_PTE_PRESENT))
		return PVSR_PTE_OK;
	if (level == PVSR_PT_L1)
		return kind == PVSR_PTE_KERNEL ? check_kernel_leaf(e) :
						 check_user_leaf(e);
	/*
	 * Xen 4.17 gives 64-bit PV guests no superpages: every L2-L4 entry
	 * points at a table, and its USER bit is Xen's business.
	 */
	if (level != PVSR_PT_L4 && (e & PVSR_PTE_PSE))
		return PVSR_PTE_LARGE_PAGE;
	return PVSR_PTE_OK;
}

static const char *const problem_names[PVSR_PTE_PROBLEM_COUNT] = {
	[PVSR_PTE_OK] = "ok",
	[PVSR_PTE_KERNEL_GLOBAL] = "kernel mapping marked GLOBAL",
	[PVSR_PTE_KERNEL_USER_VISIBLE] = "kernel mapping visible to user mode",
	[PVSR_PTE_USER_NOT_USER] = "user mapping without USER",
	[PVSR_PTE_USER_KERNEL_MARK] = "user mapping marked guest-kernel",
	[PVSR_PTE_LARGE_PAGE] = "large page in a PV page table",
	[PVSR_PTE_BAD_LEVEL] = "no such page-table level",
};

const char *pvsr_pte_problem_name(enum pvsr_pte_problem p)
{
	if ((unsigned int)p >= PVSR_PTE_PROBLEM_COUNT)
		return "unknown problem";
	return problem_names[p];
}

pvsr_pte_t pvsr_pte_ignored_bits(void)
{
	return IGNORED_BITS;
}

bool pvsr_pte_same(pvsr_pte_t a, pvsr_pte_t b)
{
	return ((a ^ b) & ~IGNORED_BITS) == 0;
}

bool pvsr_pte_cas_expected(pvsr_pte_t in_memory, pvsr_pte_t believed,
			   pvsr_pte_t *expected)
{
	if (!pvsr_pte_same(in_memory, believed))
		return false;
	*expected = in_memory;
	return true;
}
