// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the P2M frame list the toolstack reads, sized from the guest's
 * memory and written into the space the kernel hands over.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "arch/x86/suspend.h"

#define PAGE_BYTES 4096UL
/* A P2M that is never read, only located: no memory behind it. */
#define FAKE_P2M_VA 0x100000000000UL

static unsigned long va_to_mfn(const void *va)
{
	return (unsigned long)va >> 12;
}

static void p2m_list_pages_from_memory(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_list_pages(0), 0UL);
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_list_pages(1), 2UL);
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_list_pages(512UL * 512), 2UL);
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_list_pages(512UL * 512 + 1), 3UL);
	/* 4 GiB, the old fixed cap, and 8 GiB. */
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_list_pages(1UL << 20), 5UL);
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_list_pages(1UL << 21), 9UL);
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_list_pages(PVSR_P2M_MAX_PFNS),
			513UL);
	/* One frame-list list page cannot name more. */
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_list_pages(PVSR_P2M_MAX_PFNS + 1),
			0UL);
}

static void p2m_check_names_needed_and_available(struct kunit *test)
{
	unsigned long space[2 * 512];
	struct pvsr_arch arch = { .nr_pfns = 1UL << 20 };
	struct pvsr_error_detail d = { 0 };

	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_check(&arch, PVSR_STEP_NONE, &d),
			-PVSR_E_P2M_SPACE);
	KUNIT_EXPECT_EQ(test, d.needed, 5UL);
	KUNIT_EXPECT_EQ(test, d.available, 0UL);

	arch.p2m_list = space;
	arch.p2m_list_pages = 2;
	KUNIT_EXPECT_EQ(test,
			pvsr_arch_p2m_check(&arch, PVSR_STEP_POST_SUSPEND, &d),
			-PVSR_E_P2M_SPACE);
	KUNIT_EXPECT_EQ(test, d.step, PVSR_STEP_POST_SUSPEND);
	KUNIT_EXPECT_EQ(test, d.needed, 5UL);
	KUNIT_EXPECT_EQ(test, d.available, 2UL);

	arch.nr_pfns = 512UL * 512;
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_check(&arch, PVSR_STEP_NONE, &d),
			0);
	/* More than the ABI can describe: needed 0 says so. */
	arch.nr_pfns = PVSR_P2M_MAX_PFNS + 1;
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_check(&arch, PVSR_STEP_NONE, &d),
			-PVSR_E_P2M_SPACE);
	KUNIT_EXPECT_EQ(test, d.needed, 0UL);
	/* publish refuses the same way and writes nothing. */
	KUNIT_EXPECT_EQ(test, pvsr_arch_publish_p2m(&arch), -PVSR_E_P2M_SPACE);
}

/*
 * Just over 1 GiB: 513 P2M pages, so two frame lists. Every P2M page is
 * named once, in order, each frame list by the top page, and the rest
 * of the space stays zero.
 */
static void p2m_publish_writes_three_levels(struct kunit *test)
{
	unsigned long nr_pfns = 512UL * 512 + 1, i;
	unsigned long *space = kunit_kzalloc(test, 4 * PAGE_BYTES, GFP_KERNEL);
	struct shared_info *si = kunit_kzalloc(test, PAGE_BYTES, GFP_KERNEL);
	struct pvsr_arch arch = {
		.shared_info_va = (unsigned long)si,
		.p2m = (unsigned long *)FAKE_P2M_VA,
		.nr_pfns = nr_pfns,
		.virt_to_mfn = va_to_mfn,
		.p2m_list_pages = 4,
	};
	unsigned long *lists;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, space);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, si);
	arch.p2m_list = space;
	lists = space + 512;
	KUNIT_ASSERT_EQ(test, pvsr_arch_publish_p2m(&arch), 0);
	KUNIT_EXPECT_EQ(test, (unsigned long)si->arch.max_pfn, nr_pfns);
	KUNIT_EXPECT_EQ(test,
			(unsigned long)si->arch.pfn_to_mfn_frame_list_list,
			va_to_mfn(space));
	KUNIT_EXPECT_EQ(test, space[0], va_to_mfn(lists));
	KUNIT_EXPECT_EQ(test, space[1], va_to_mfn(lists + 512));
	KUNIT_EXPECT_EQ(test, space[2], 0UL);
	for (i = 0; i < 513; i++)
		KUNIT_EXPECT_EQ(test, lists[i], (FAKE_P2M_VA >> 12) + i);
	KUNIT_EXPECT_EQ(test, lists[513], 0UL);
	KUNIT_EXPECT_EQ(test, pvsr_arch_p2m_frame_list_list_mfn(&arch),
			va_to_mfn(space));
}

static struct kunit_case p2m_cases[] = {
	KUNIT_CASE(p2m_list_pages_from_memory),
	KUNIT_CASE(p2m_check_names_needed_and_available),
	KUNIT_CASE(p2m_publish_writes_three_levels),
	{}
};

static struct kunit_suite p2m_suite = {
	.name = "pvsr_p2m",
	.test_cases = p2m_cases,
};
kunit_test_suite(p2m_suite);
