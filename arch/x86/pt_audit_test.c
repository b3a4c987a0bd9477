// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the page-table audit over made-up tables held in memory.
 *
 * The tree, by MFN (TABLE_MFN + index):
 *   0 L4: slot 0 -> 1, slot 272 -> 7 (empty), slot 511 -> 4,
 *         Xen's slots 256-271 hold junk the audit must not look at
 *   1 L3 (user)   slot 0   -> 2 L2, slot 0 -> 3 L1: 4 user leaves
 *   4 L3 (kernel) slot 510 -> 5 L2, slot 0 -> 6 L1: 8 kernel leaves
 * so the kernel leaves map 0xffffffff80000000.. and the user ones 0...
 * Entries are as Xen 4.17 leaves them (pvsr_fake_xen_adjust_pte).
 */
#include <kunit/test.h>

#include "arch/x86/pt_audit.h"
#include "hypercall/fake.h"

#define TABLE_MFN 0x4000ULL
#define NR_TABLES 8
#define T_L4 0
#define T_L3_USER 1
#define T_L2_USER 2
#define T_L1_USER 3
#define T_L3_KERNEL 4
#define T_L2_KERNEL 5
#define T_L1_KERNEL 6
#define T_L3_EMPTY 7
#define NR_USER_LEAVES 4
#define NR_KERNEL_LEAVES 8
#define LEAF_MFN 0x9000ULL
#define NOWHERE_MFN 0x7777ULL /* no table there: unreadable */
#define READ_ERROR (-2)
#define KERNEL_VA 0xffffffff80000000ULL

static pvsr_pte_t tables[NR_TABLES][PVSR_PT_ENTRIES];

static int read_table(uint64_t mfn, pvsr_pte_t *table, void *arg)
{
	unsigned int *reads = arg;

	if (mfn < TABLE_MFN || mfn >= TABLE_MFN + NR_TABLES)
		return READ_ERROR;
	memcpy(table, tables[mfn - TABLE_MFN], sizeof(tables[0]));
	(*reads)++;
	return 0;
}

static pvsr_pte_t xen(pvsr_pte_t e, enum pvsr_pt_level level)
{
	return pvsr_fake_xen_adjust_pte(e, level);
}

static void link_table(unsigned int from, unsigned int slot, unsigned int to,
		       enum pvsr_pt_level level)
{
	tables[from][slot] = xen(pvsr_pte_table(TABLE_MFN + to), level);
}

static void build_tree(void)
{
	unsigned int i;

	memset(tables, 0, sizeof(tables));
	link_table(T_L4, 0, T_L3_USER, PVSR_PT_L4);
	link_table(T_L4, 272, T_L3_EMPTY, PVSR_PT_L4);
	link_table(T_L4, 511, T_L3_KERNEL, PVSR_PT_L4);
	link_table(T_L3_USER, 0, T_L2_USER, PVSR_PT_L3);
	link_table(T_L2_USER, 0, T_L1_USER, PVSR_PT_L2);
	link_table(T_L3_KERNEL, 510, T_L2_KERNEL, PVSR_PT_L3);
	link_table(T_L2_KERNEL, 0, T_L1_KERNEL, PVSR_PT_L2);
	for (i = 0; i < NR_USER_LEAVES; i++)
		tables[T_L1_USER][i] =
			xen(pvsr_pte_user_leaf(LEAF_MFN + i, PVSR_PROT_WRITE),
			    PVSR_PT_L1);
	for (i = 0; i < NR_KERNEL_LEAVES; i++)
		tables[T_L1_KERNEL][i] = xen(
			pvsr_pte_kernel_leaf(LEAF_MFN + 16 + i, PVSR_PROT_EXEC),
			PVSR_PT_L1);
	/* Xen's own slots: junk that would be problems anywhere else. */
	for (i = 256; i < 272; i++)
		tables[T_L4][i] = (NOWHERE_MFN << 12) | PVSR_PTE_PRESENT |
				  PVSR_PTE_PSE | PVSR_PTE_GLOBAL;
}

struct ctx {
	struct pvsr_pt_audit audit;
	unsigned int reads;
};

static int pt_audit_init(struct kunit *test)
{
	struct ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	build_tree();
	pvsr_pt_audit_init(&c->audit, read_table, &c->reads);
	test->priv = c;
	return 0;
}

static struct pvsr_pt_audit *run(struct kunit *test)
{
	struct ctx *c = test->priv;

	pvsr_pt_audit_run(&c->audit, TABLE_MFN + T_L4);
	return &c->audit;
}

static void expect_one_finding(struct kunit *test, struct pvsr_pt_audit *a,
			       uint64_t va, enum pvsr_pt_level level,
			       pvsr_pte_t entry, enum pvsr_pte_problem problem)
{
	KUNIT_EXPECT_EQ(test, a->problems, 1UL);
	KUNIT_ASSERT_EQ(test, a->nr_findings, 1U);
	KUNIT_EXPECT_EQ_MSG(test, a->findings[0].problem, problem, "got %s",
			    pvsr_pte_problem_name(a->findings[0].problem));
	KUNIT_EXPECT_EQ(test, a->findings[0].va, va);
	KUNIT_EXPECT_EQ(test, a->findings[0].level, level);
	KUNIT_EXPECT_EQ(test, a->findings[0].entry, entry);
}

static void pt_audit_clean_tables_pass(struct kunit *test)
{
	struct pvsr_pt_audit *a = run(test);

	KUNIT_EXPECT_EQ(test, a->problems, 0UL);
	KUNIT_EXPECT_EQ(test, a->nr_findings, 0U);
	KUNIT_EXPECT_EQ(test, a->unreadable, 0UL);
	KUNIT_EXPECT_EQ(test, a->tables, (unsigned long)NR_TABLES);
	KUNIT_EXPECT_EQ(test, a->kernel_leaves,
			(unsigned long)NR_KERNEL_LEAVES);
	KUNIT_EXPECT_EQ(test, a->user_leaves, (unsigned long)NR_USER_LEAVES);
	/* 3 L4 entries, 2 L3, 2 L2 and the leaves. */
	KUNIT_EXPECT_EQ(test, a->entries,
			7UL + NR_KERNEL_LEAVES + NR_USER_LEAVES);
}

/* As the guest writes them, before Xen adds its bits: clean too. */
static void pt_audit_clean_as_written(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < NR_KERNEL_LEAVES; i++)
		tables[T_L1_KERNEL][i] = pvsr_pte_kernel_leaf(LEAF_MFN + i, 0);
	tables[T_L2_KERNEL][0] = pvsr_pte_table(TABLE_MFN + T_L1_KERNEL);
	KUNIT_EXPECT_EQ(test, run(test)->problems, 0UL);
}

static void pt_audit_kernel_leaf_with_global(struct kunit *test)
{
	pvsr_pte_t e = tables[T_L1_KERNEL][3] | PVSR_PTE_GLOBAL;
	struct pvsr_pt_audit *a;

	tables[T_L1_KERNEL][3] = e;
	a = run(test);
	expect_one_finding(test, a, KERNEL_VA + 3 * 4096, PVSR_PT_L1, e,
			   PVSR_PTE_KERNEL_GLOBAL);
}

/* Written with USER: Xen made it a global user mapping. */
static void pt_audit_kernel_leaf_written_with_user(struct kunit *test)
{
	pvsr_pte_t e = xen(pvsr_pte_user_leaf(LEAF_MFN, 0), PVSR_PT_L1);
	struct pvsr_pt_audit *a;

	tables[T_L1_KERNEL][5] = e;
	a = run(test);
	expect_one_finding(test, a, KERNEL_VA + 5 * 4096, PVSR_PT_L1, e,
			   PVSR_PTE_KERNEL_GLOBAL);
}

/* USER without Xen's guest-kernel mark: visible to user mode. */
static void pt_audit_kernel_leaf_user_visible(struct kunit *test)
{
	pvsr_pte_t e = pvsr_pte_kernel_leaf(LEAF_MFN, 0) | PVSR_PTE_USER;
	struct pvsr_pt_audit *a;

	tables[T_L1_KERNEL][0] = e;
	a = run(test);
	expect_one_finding(test, a, KERNEL_VA, PVSR_PT_L1, e,
			   PVSR_PTE_KERNEL_USER_VISIBLE);
}

static void pt_audit_user_leaf_without_user(struct kunit *test)
{
	pvsr_pte_t e = pvsr_pte_kernel_leaf(LEAF_MFN, PVSR_PROT_WRITE);
	struct pvsr_pt_audit *a;

	tables[T_L1_USER][2] = e;
	a = run(test);
	expect_one_finding(test, a, 2 * 4096, PVSR_PT_L1, e,
			   PVSR_PTE_USER_NOT_USER);
}

/* Written without USER, Xen took it for a kernel page. */
static void pt_audit_user_leaf_with_kernel_mark(struct kunit *test)
{
	pvsr_pte_t e = xen(pvsr_pte_kernel_leaf(LEAF_MFN, 0), PVSR_PT_L1);
	struct pvsr_pt_audit *a;

	tables[T_L1_USER][1] = e;
	a = run(test);
	expect_one_finding(test, a, 4096, PVSR_PT_L1, e,
			   PVSR_PTE_USER_KERNEL_MARK);
}

/* PSE: a finding, and the "table" it names is not walked. */
static void pt_audit_large_page_l2(struct kunit *test)
{
	pvsr_pte_t e =
		xen(pvsr_pte_table(NOWHERE_MFN) | PVSR_PTE_PSE, PVSR_PT_L2);
	struct pvsr_pt_audit *a;

	tables[T_L2_KERNEL][1] = e;
	a = run(test);
	expect_one_finding(test, a, KERNEL_VA + (1ULL << 21), PVSR_PT_L2, e,
			   PVSR_PTE_LARGE_PAGE);
	KUNIT_EXPECT_EQ(test, a->unreadable, 0UL);
	KUNIT_EXPECT_EQ(test, a->tables, (unsigned long)NR_TABLES);
}

static void pt_audit_large_page_l3(struct kunit *test)
{
	pvsr_pte_t e =
		xen(pvsr_pte_table(NOWHERE_MFN) | PVSR_PTE_PSE, PVSR_PT_L3);
	struct pvsr_pt_audit *a;

	tables[T_L3_USER][3] = e;
	a = run(test);
	expect_one_finding(test, a, 3ULL << 30, PVSR_PT_L3, e,
			   PVSR_PTE_LARGE_PAGE);
	KUNIT_EXPECT_EQ(test, a->unreadable, 0UL);
}

/* Slots 256-271 are Xen's: their junk (tree setup) is never read. */
static void pt_audit_skips_xen_slots(struct kunit *test)
{
	struct ctx *c = test->priv;
	struct pvsr_pt_audit *a = run(test);

	KUNIT_EXPECT_EQ(test, a->problems, 0UL);
	KUNIT_EXPECT_EQ(test, a->unreadable, 0UL);
	KUNIT_EXPECT_EQ(test, c->reads, (unsigned int)NR_TABLES);
	KUNIT_EXPECT_FALSE(test, pvsr_pt_xen_l4_slot(255));
	KUNIT_EXPECT_TRUE(test, pvsr_pt_xen_l4_slot(256));
	KUNIT_EXPECT_TRUE(test, pvsr_pt_xen_l4_slot(271));
	KUNIT_EXPECT_FALSE(test, pvsr_pt_xen_l4_slot(272));
	KUNIT_EXPECT_FALSE(test, pvsr_pt_xen_l4_slot(511));
}

/* Slots 255 and 272, either side of Xen's range, are walked. */
static void pt_audit_checks_slots_next_to_xen(struct kunit *test)
{
	pvsr_pte_t e =
		xen(pvsr_pte_table(NOWHERE_MFN) | PVSR_PTE_PSE, PVSR_PT_L3);
	struct pvsr_pt_audit *a;

	tables[T_L3_EMPTY][0] = e;
	link_table(T_L4, 255, T_L3_EMPTY, PVSR_PT_L4);
	a = run(test);
	KUNIT_EXPECT_EQ(test, a->problems, 2UL);
	KUNIT_ASSERT_EQ(test, a->nr_findings, 2U);
	KUNIT_EXPECT_EQ(test, a->findings[0].va, 0x00007f8000000000ULL);
	KUNIT_EXPECT_EQ(test, a->findings[1].va, 0xffff880000000000ULL);
	KUNIT_EXPECT_EQ(test, a->findings[1].problem, PVSR_PTE_LARGE_PAGE);
	KUNIT_EXPECT_EQ(test, a->tables, NR_TABLES + 1UL);
}

static void pt_audit_unreadable_table(struct kunit *test)
{
	struct pvsr_pt_audit *a;

	tables[T_L2_USER][1] = xen(pvsr_pte_table(NOWHERE_MFN), PVSR_PT_L2);
	tables[T_L2_USER][2] = xen(pvsr_pte_table(NOWHERE_MFN + 1), PVSR_PT_L2);
	a = run(test);
	KUNIT_EXPECT_EQ(test, a->unreadable, 2UL);
	KUNIT_EXPECT_EQ(test, a->first_unreadable_mfn, NOWHERE_MFN);
	KUNIT_EXPECT_EQ(test, a->first_read_error, READ_ERROR);
	KUNIT_EXPECT_EQ(test, a->problems, 0UL);
	KUNIT_EXPECT_EQ(test, a->tables, (unsigned long)NR_TABLES);
}

/* Findings are kept up to the limit, in walk order; all are counted. */
static void pt_audit_findings_are_capped(struct kunit *test)
{
	struct pvsr_pt_audit *a;
	unsigned int i;

	for (i = 0; i < PVSR_PT_AUDIT_MAX_FINDINGS + 2; i++)
		tables[T_L1_KERNEL][i] = pvsr_pte_kernel_leaf(LEAF_MFN, 0) |
					 PVSR_PTE_GLOBAL;
	a = run(test);
	KUNIT_EXPECT_EQ(test, a->problems,
			(unsigned long)PVSR_PT_AUDIT_MAX_FINDINGS + 2);
	KUNIT_ASSERT_EQ(test, a->nr_findings,
			(unsigned int)PVSR_PT_AUDIT_MAX_FINDINGS);
	for (i = 0; i < PVSR_PT_AUDIT_MAX_FINDINGS; i++)
		KUNIT_EXPECT_EQ(test, a->findings[i].va,
				KERNEL_VA + i * 4096ULL);
}

/* Results add up over runs (e.g. the kernel and the user L4). */
static void pt_audit_runs_accumulate(struct kunit *test)
{
	struct ctx *c = test->priv;

	tables[T_L1_USER][0] = pvsr_pte_kernel_leaf(LEAF_MFN, 0);
	run(test);
	run(test);
	KUNIT_EXPECT_EQ(test, c->audit.problems, 2UL);
	KUNIT_EXPECT_EQ(test, c->audit.tables, 2UL * NR_TABLES);
	pvsr_pt_audit_init(&c->audit, read_table, &c->reads);
	KUNIT_EXPECT_EQ(test, c->audit.problems, 0UL);
	KUNIT_EXPECT_EQ(test, c->audit.tables, 0UL);
	KUNIT_EXPECT_EQ(test, c->audit.nr_findings, 0U);
}

static void pt_audit_va_is_canonical(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pvsr_pt_va(0, 0, 0, 1), 0x1000ULL);
	KUNIT_EXPECT_EQ(test, pvsr_pt_va(255, 511, 511, 511),
			0x00007ffffffff000ULL);
	KUNIT_EXPECT_EQ(test, pvsr_pt_va(256, 0, 0, 0), 0xffff800000000000ULL);
	KUNIT_EXPECT_EQ(test, pvsr_pt_va(511, 510, 0, 0), KERNEL_VA);
	KUNIT_EXPECT_EQ(test, pvsr_pt_va(511, 511, 511, 511),
			0xfffffffffffff000ULL);
}

static struct kunit_case pt_audit_cases[] = {
	KUNIT_CASE(pt_audit_clean_tables_pass),
	KUNIT_CASE(pt_audit_clean_as_written),
	KUNIT_CASE(pt_audit_kernel_leaf_with_global),
	KUNIT_CASE(pt_audit_kernel_leaf_written_with_user),
	KUNIT_CASE(pt_audit_kernel_leaf_user_visible),
	KUNIT_CASE(pt_audit_user_leaf_without_user),
	KUNIT_CASE(pt_audit_user_leaf_with_kernel_mark),
	KUNIT_CASE(pt_audit_large_page_l2),
	KUNIT_CASE(pt_audit_large_page_l3),
	KUNIT_CASE(pt_audit_skips_xen_slots),
	KUNIT_CASE(pt_audit_checks_slots_next_to_xen),
	KUNIT_CASE(pt_audit_unreadable_table),
	KUNIT_CASE(pt_audit_findings_are_capped),
	KUNIT_CASE(pt_audit_runs_accumulate),
	KUNIT_CASE(pt_audit_va_is_canonical),
	{}
};

static struct kunit_suite pt_audit_suite = {
	.name = "pvsr_pt_audit",
	.init = pt_audit_init,
	.test_cases = pt_audit_cases,
};

kunit_test_suite(pt_audit_suite);
