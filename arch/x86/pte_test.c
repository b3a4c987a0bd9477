// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the 64-bit PV PTE policy. "Read back" entries come from the fake
 * hypervisor's model of what Xen 4.17 writes (pvsr_fake_xen_adjust_pte),
 * kept independent of arch/x86/pte.c so the two check each other.
 */
#include <kunit/test.h>

#include "arch/x86/pte.h"
#include "hypercall/fake.h"

#define MFN 0x12345ULL
#define ALL_PROTS 4 /* every combination of PVSR_PROT_WRITE/EXEC */

static pvsr_pte_t xen(pvsr_pte_t e, enum pvsr_pt_level level)
{
	return pvsr_fake_xen_adjust_pte(e, level);
}

static void pte_kernel_leaf_never_user_or_global(struct kunit *test)
{
	unsigned int prot;

	for (prot = 0; prot < ALL_PROTS; prot++) {
		pvsr_pte_t e = pvsr_pte_kernel_leaf(MFN, prot);

		KUNIT_EXPECT_TRUE(test, e & PVSR_PTE_PRESENT);
		KUNIT_EXPECT_FALSE(test, e & PVSR_PTE_USER);
		KUNIT_EXPECT_FALSE(test, e & PVSR_PTE_GLOBAL);
		KUNIT_EXPECT_FALSE(test, e & PVSR_PTE_SOFT_HIGH);
		KUNIT_EXPECT_EQ(test, pvsr_pte_mfn(e), MFN);
	}
}

static void pte_leaf_protection_bits(struct kunit *test)
{
	pvsr_pte_t ro = pvsr_pte_kernel_leaf(MFN, 0);
	pvsr_pte_t rw = pvsr_pte_kernel_leaf(MFN, PVSR_PROT_WRITE);
	pvsr_pte_t rx = pvsr_pte_kernel_leaf(MFN, PVSR_PROT_EXEC);
	pvsr_pte_t urw = pvsr_pte_user_leaf(MFN, PVSR_PROT_WRITE);

	KUNIT_EXPECT_FALSE(test, ro & PVSR_PTE_RW);
	KUNIT_EXPECT_TRUE(test, ro & PVSR_PTE_NX);
	KUNIT_EXPECT_TRUE(test, rw & PVSR_PTE_RW);
	KUNIT_EXPECT_TRUE(test, rw & PVSR_PTE_NX);
	KUNIT_EXPECT_FALSE(test, rx & PVSR_PTE_NX);
	KUNIT_EXPECT_FALSE(test, rx & PVSR_PTE_RW);
	KUNIT_EXPECT_TRUE(test, urw & PVSR_PTE_RW);
	KUNIT_EXPECT_TRUE(test, urw & PVSR_PTE_NX);
}

static void pte_user_leaf_is_user(struct kunit *test)
{
	unsigned int prot;

	for (prot = 0; prot < ALL_PROTS; prot++) {
		pvsr_pte_t e = pvsr_pte_user_leaf(MFN, prot);

		KUNIT_EXPECT_TRUE(test, e & PVSR_PTE_PRESENT);
		KUNIT_EXPECT_TRUE(test, e & PVSR_PTE_USER);
		KUNIT_EXPECT_FALSE(test, e & PVSR_PTE_GLOBAL);
		KUNIT_EXPECT_EQ(test, pvsr_pte_mfn(e), MFN);
	}
}

static void pte_mfn_out_of_range_gives_no_entry(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pvsr_pte_kernel_leaf(PVSR_PTE_MFN_MAX + 1, 0),
			0ULL);
	KUNIT_EXPECT_EQ(test, pvsr_pte_user_leaf(PVSR_PTE_MFN_MAX + 1, 0),
			0ULL);
	KUNIT_EXPECT_EQ(test, pvsr_pte_table(PVSR_PTE_MFN_MAX + 1), 0ULL);
	KUNIT_EXPECT_EQ(test,
			pvsr_pte_mfn(pvsr_pte_kernel_leaf(PVSR_PTE_MFN_MAX, 0)),
			PVSR_PTE_MFN_MAX);
}

static void pte_table_entry(struct kunit *test)
{
	pvsr_pte_t e = pvsr_pte_table(MFN);

	KUNIT_EXPECT_TRUE(test, e & PVSR_PTE_PRESENT);
	KUNIT_EXPECT_TRUE(test, e & PVSR_PTE_RW);
	KUNIT_EXPECT_FALSE(test, e & PVSR_PTE_PSE);
	KUNIT_EXPECT_FALSE(test, e & PVSR_PTE_GLOBAL);
	KUNIT_EXPECT_FALSE(test, e & PVSR_PTE_NX);
	KUNIT_EXPECT_EQ(test, pvsr_pte_mfn(e), MFN);
}

static void pte_check_accepts_built_and_read_back_entries(struct kunit *test)
{
	enum pvsr_pt_level l;
	unsigned int prot;

	for (prot = 0; prot < ALL_PROTS; prot++) {
		pvsr_pte_t k = pvsr_pte_kernel_leaf(MFN, prot);
		pvsr_pte_t u = pvsr_pte_user_leaf(MFN, prot);

		KUNIT_EXPECT_EQ(test,
				pvsr_pte_check(k, PVSR_PT_L1, PVSR_PTE_KERNEL),
				0);
		KUNIT_EXPECT_EQ(test,
				pvsr_pte_check(xen(k, PVSR_PT_L1), PVSR_PT_L1,
					       PVSR_PTE_KERNEL),
				0);
		KUNIT_EXPECT_EQ(
			test, pvsr_pte_check(u, PVSR_PT_L1, PVSR_PTE_USERSPACE),
			0);
		KUNIT_EXPECT_EQ(test,
				pvsr_pte_check(xen(u, PVSR_PT_L1), PVSR_PT_L1,
					       PVSR_PTE_USERSPACE),
				0);
	}
	for (l = PVSR_PT_L2; l <= PVSR_PT_L4; l++) {
		pvsr_pte_t t = pvsr_pte_table(MFN);

		KUNIT_EXPECT_EQ(test, pvsr_pte_check(t, l, PVSR_PTE_KERNEL), 0);
		KUNIT_EXPECT_EQ(
			test, pvsr_pte_check(xen(t, l), l, PVSR_PTE_USERSPACE),
			0);
	}
}

static void pte_check_flags_global_kernel_mapping(struct kunit *test)
{
	pvsr_pte_t k = pvsr_pte_kernel_leaf(MFN, PVSR_PROT_WRITE);

	KUNIT_EXPECT_EQ(test,
			pvsr_pte_check(k | PVSR_PTE_GLOBAL, PVSR_PT_L1,
				       PVSR_PTE_KERNEL),
			PVSR_PTE_KERNEL_GLOBAL);
	KUNIT_EXPECT_EQ(test,
			pvsr_pte_check(xen(k, PVSR_PT_L1) | PVSR_PTE_GLOBAL,
				       PVSR_PT_L1, PVSR_PTE_KERNEL),
			PVSR_PTE_KERNEL_GLOBAL);
}

/* A kernel page written with USER: Xen makes it a user, global mapping. */
static void pte_check_flags_user_visible_kernel_mapping(struct kunit *test)
{
	pvsr_pte_t wrong = pvsr_pte_kernel_leaf(MFN, 0) | PVSR_PTE_USER;

	KUNIT_EXPECT_EQ(test,
			pvsr_pte_check(wrong, PVSR_PT_L1, PVSR_PTE_KERNEL),
			PVSR_PTE_KERNEL_USER_VISIBLE);
	KUNIT_EXPECT_NE(test,
			pvsr_pte_check(xen(wrong, PVSR_PT_L1), PVSR_PT_L1,
				       PVSR_PTE_KERNEL),
			PVSR_PTE_OK);
}

static void pte_check_flags_bad_user_mappings(struct kunit *test)
{
	pvsr_pte_t u = pvsr_pte_user_leaf(MFN, 0);

	KUNIT_EXPECT_EQ(test,
			pvsr_pte_check(u & ~PVSR_PTE_USER, PVSR_PT_L1,
				       PVSR_PTE_USERSPACE),
			PVSR_PTE_USER_NOT_USER);
	KUNIT_EXPECT_EQ(test,
			pvsr_pte_check(u | PVSR_PTE_XEN_KERNEL, PVSR_PT_L1,
				       PVSR_PTE_USERSPACE),
			PVSR_PTE_USER_KERNEL_MARK);
}

static void pte_check_higher_levels(struct kunit *test)
{
	pvsr_pte_t t = pvsr_pte_table(MFN);

	KUNIT_EXPECT_EQ(test,
			pvsr_pte_check(t | PVSR_PTE_PSE, PVSR_PT_L2,
				       PVSR_PTE_KERNEL),
			PVSR_PTE_LARGE_PAGE);
	KUNIT_EXPECT_EQ(test,
			pvsr_pte_check(t | PVSR_PTE_PSE, PVSR_PT_L3,
				       PVSR_PTE_KERNEL),
			PVSR_PTE_LARGE_PAGE);
	/* USER above L1 is Xen's doing, never a problem. */
	KUNIT_EXPECT_EQ(test,
			pvsr_pte_check(t | PVSR_PTE_USER, PVSR_PT_L4,
				       PVSR_PTE_KERNEL),
			0);
	KUNIT_EXPECT_EQ(test, pvsr_pte_check(t, 0, PVSR_PTE_KERNEL),
			PVSR_PTE_BAD_LEVEL);
	KUNIT_EXPECT_EQ(test, pvsr_pte_check(t, 5, PVSR_PTE_KERNEL),
			PVSR_PTE_BAD_LEVEL);
}

static void pte_check_ignores_not_present(struct kunit *test)
{
	pvsr_pte_t junk = (PVSR_PTE_USER | PVSR_PTE_GLOBAL | PVSR_PTE_PSE |
			   PVSR_PTE_XEN_KERNEL) &
			  ~PVSR_PTE_PRESENT;
	enum pvsr_pt_level l;

	for (l = PVSR_PT_L1; l <= PVSR_PT_L4; l++) {
		KUNIT_EXPECT_EQ(test, pvsr_pte_check(junk, l, PVSR_PTE_KERNEL),
				0);
		KUNIT_EXPECT_EQ(test,
				pvsr_pte_check(junk, l, PVSR_PTE_USERSPACE), 0);
	}
}

static void pte_same_matches_xen_read_back(struct kunit *test)
{
	unsigned int prot;
	enum pvsr_pt_level l;

	for (prot = 0; prot < ALL_PROTS; prot++) {
		pvsr_pte_t k = pvsr_pte_kernel_leaf(MFN, prot);
		pvsr_pte_t u = pvsr_pte_user_leaf(MFN, prot);

		KUNIT_EXPECT_TRUE_MSG(test, pvsr_pte_same(k, xen(k, 1)),
				      "kernel %llx vs %llx", k, xen(k, 1));
		KUNIT_EXPECT_TRUE_MSG(test, pvsr_pte_same(u, xen(u, 1)),
				      "user %llx vs %llx", u, xen(u, 1));
	}
	for (l = PVSR_PT_L2; l <= PVSR_PT_L4; l++)
		KUNIT_EXPECT_TRUE(test,
				  pvsr_pte_same(pvsr_pte_table(MFN),
						xen(pvsr_pte_table(MFN), l)));
}

static void pte_same_ignores_user_global_and_bits_52_62(struct kunit *test)
{
	pvsr_pte_t k = pvsr_pte_kernel_leaf(MFN, PVSR_PROT_WRITE);
	unsigned int bit;

	KUNIT_EXPECT_TRUE(test, pvsr_pte_same(k, k | PVSR_PTE_USER));
	KUNIT_EXPECT_TRUE(test, pvsr_pte_same(k, k | PVSR_PTE_GLOBAL));
	for (bit = 52; bit <= 62; bit++)
		KUNIT_EXPECT_TRUE_MSG(test, pvsr_pte_same(k, k ^ (1ULL << bit)),
				      "bit %u", bit);
	KUNIT_EXPECT_EQ(test, pvsr_pte_ignored_bits(),
			PVSR_PTE_USER | PVSR_PTE_GLOBAL | PVSR_PTE_SOFT_HIGH);
}

static void pte_same_sees_frame_and_permissions(struct kunit *test)
{
	static const pvsr_pte_t bits[] = {
		PVSR_PTE_PRESENT, PVSR_PTE_RW,	PVSR_PTE_NX,
		PVSR_PTE_PWT,	  PVSR_PTE_PCD, PVSR_PTE_PSE,
	};
	pvsr_pte_t k = pvsr_pte_kernel_leaf(MFN, PVSR_PROT_WRITE);
	unsigned int i, bit;

	for (i = 0; i < ARRAY_SIZE(bits); i++)
		KUNIT_EXPECT_FALSE_MSG(test, pvsr_pte_same(k, k ^ bits[i]),
				       "bit %llx", bits[i]);
	for (bit = 12; bit < 52; bit++)
		KUNIT_EXPECT_FALSE_MSG(test,
				       pvsr_pte_same(k, k ^ (1ULL << bit)),
				       "frame bit %u", bit);
	KUNIT_EXPECT_FALSE(
		test, pvsr_pte_same(k, pvsr_pte_kernel_leaf(MFN + 1,
							    PVSR_PROT_WRITE)));
}

static void pte_cas_expects_the_entry_in_memory(struct kunit *test)
{
	pvsr_pte_t built = pvsr_pte_kernel_leaf(MFN, PVSR_PROT_WRITE);
	pvsr_pte_t in_memory = xen(built, PVSR_PT_L1);
	pvsr_pte_t expected = 0;

	KUNIT_EXPECT_TRUE(test,
			  pvsr_pte_cas_expected(in_memory, built, &expected));
	/* Xen's version, or the compare-and-swap never succeeds. */
	KUNIT_EXPECT_EQ(test, expected, in_memory);
	KUNIT_EXPECT_NE(test, expected, built);
}

static void pte_cas_refuses_a_changed_mapping(struct kunit *test)
{
	pvsr_pte_t built = pvsr_pte_kernel_leaf(MFN, PVSR_PROT_WRITE);
	pvsr_pte_t other =
		xen(pvsr_pte_kernel_leaf(MFN + 1, PVSR_PROT_WRITE), PVSR_PT_L1);
	pvsr_pte_t ro = xen(pvsr_pte_kernel_leaf(MFN, 0), PVSR_PT_L1);
	pvsr_pte_t expected = 0x5a5a;

	KUNIT_EXPECT_FALSE(test,
			   pvsr_pte_cas_expected(other, built, &expected));
	KUNIT_EXPECT_FALSE(test, pvsr_pte_cas_expected(ro, built, &expected));
	KUNIT_EXPECT_EQ(test, expected, 0x5a5aULL);
}

static void pte_problem_names_are_distinct(struct kunit *test)
{
	unsigned int a, b;

	for (a = 0; a < PVSR_PTE_PROBLEM_COUNT; a++) {
		KUNIT_EXPECT_STRNEQ(test, pvsr_pte_problem_name(a),
				    "unknown problem");
		for (b = a + 1; b < PVSR_PTE_PROBLEM_COUNT; b++)
			KUNIT_EXPECT_STRNEQ(test, pvsr_pte_problem_name(a),
					    pvsr_pte_problem_name(b));
	}
}

static struct kunit_case pte_cases[] = {
	KUNIT_CASE(pte_kernel_leaf_never_user_or_global),
	KUNIT_CASE(pte_leaf_protection_bits),
	KUNIT_CASE(pte_user_leaf_is_user),
	KUNIT_CASE(pte_mfn_out_of_range_gives_no_entry),
	KUNIT_CASE(pte_table_entry),
	KUNIT_CASE(pte_check_accepts_built_and_read_back_entries),
	KUNIT_CASE(pte_check_flags_global_kernel_mapping),
	KUNIT_CASE(pte_check_flags_user_visible_kernel_mapping),
	KUNIT_CASE(pte_check_flags_bad_user_mappings),
	KUNIT_CASE(pte_check_higher_levels),
	KUNIT_CASE(pte_check_ignores_not_present),
	KUNIT_CASE(pte_same_matches_xen_read_back),
	KUNIT_CASE(pte_same_ignores_user_global_and_bits_52_62),
	KUNIT_CASE(pte_same_sees_frame_and_permissions),
	KUNIT_CASE(pte_cas_expects_the_entry_in_memory),
	KUNIT_CASE(pte_cas_refuses_a_changed_mapping),
	KUNIT_CASE(pte_problem_names_are_distinct),
	{}
};

static struct kunit_suite pte_suite = {
	.name = "pvsr_pte",
	.test_cases = pte_cases,
};
kunit_test_suite(pte_suite);
