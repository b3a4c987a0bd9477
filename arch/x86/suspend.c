// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 PV pre- and post-suspend (see suspend.h and kernel/arch.h).
 */
#include "arch/x86/suspend.h"
#include "arch/x86/pte.h"
#include "hypercall/hypercall.h"

#define MFNS_PER_PAGE 512
#define P2M_MAX_PAGES (PVSR_P2M_MAX_PFNS / MFNS_PER_PAGE)
#define FRAME_LIST_PAGES (P2M_MAX_PAGES / MFNS_PER_PAGE)

/*
 * The toolstack finds the P2M through three levels of MFNs: shared_info
 * names one page of frame-list MFNs, which names frame-list pages, which name
 * the pages of the P2M array itself.
 */
static unsigned long
	p2m_frame_list[FRAME_LIST_PAGES][MFNS_PER_PAGE] __aligned(4096);
static unsigned long p2m_frame_list_list[MFNS_PER_PAGE] __aligned(4096);

static struct shared_info *shared_info(struct pvsr_arch *arch)
{
	return (struct shared_info *)arch->shared_info_va;
}

long pvsr_arch_map_shared_info(struct pvsr_arch *arch)
{
	uint64_t mfn = arch->start_info->shared_info >> 12;

	return pvsr_hyp_update_va_mapping(arch->shared_info_va,
					  pvsr_pte_kernel_leaf(mfn,
							       PVSR_PROT_WRITE),
					  UVMF_INVLPG | UVMF_LOCAL);
}

int pvsr_arch_publish_p2m(struct pvsr_arch *arch)
{
	unsigned long nr_pages =
		(arch->nr_pfns + MFNS_PER_PAGE - 1) / MFNS_PER_PAGE;
	unsigned long nr_lists = (nr_pages + MFNS_PER_PAGE - 1) / MFNS_PER_PAGE;
	struct shared_info *s = shared_info(arch);
	unsigned long i;

	if (arch->nr_pfns > PVSR_P2M_MAX_PFNS)
		return pvsr_fail(NULL, PVSR_E_P2M, PVSR_STEP_POST_SUSPEND,
				 PVSR_NO_VCPU, -1, -1, 0);
	for (i = 0; i < nr_pages; i++)
		p2m_frame_list[i / MFNS_PER_PAGE][i % MFNS_PER_PAGE] =
			arch->virt_to_mfn(arch->p2m + i * MFNS_PER_PAGE);
	for (i = 0; i < nr_lists; i++)
		p2m_frame_list_list[i] = arch->virt_to_mfn(p2m_frame_list[i]);
	s->arch.max_pfn = arch->nr_pfns;
	s->arch.pfn_to_mfn_frame_list_list =
		arch->virt_to_mfn(p2m_frame_list_list);
	return 0;
}

unsigned long pvsr_arch_p2m_frame_list_list_mfn(struct pvsr_arch *arch)
{
	return shared_info(arch)->arch.pfn_to_mfn_frame_list_list;
}

unsigned long pvsr_arch_start_info_mfn(struct pvsr_arch *arch)
{
	return arch->virt_to_mfn(arch->start_info);
}

/* start_info's store and console frames: PFNs while saved, MFNs live. */
static void frames_to_pfns(struct pvsr_arch *arch)
{
	start_info_t *si = arch->start_info;

	si->store_mfn = arch->mfn_to_pfn(si->store_mfn);
	si->console.domU.mfn = arch->mfn_to_pfn(si->console.domU.mfn);
}

static void frames_to_mfns(struct pvsr_arch *arch)
{
	start_info_t *si = arch->start_info;

	si->store_mfn = arch->p2m[si->store_mfn];
	si->console.domU.mfn = arch->p2m[si->console.domU.mfn];
}

int pvsr_arch_pre_suspend(struct pvsr_arch *arch,
			  struct pvsr_error_detail *detail)
{
	long rc;

	frames_to_pfns(arch);
	/* The restored domain gets a new shared_info; drop the old one. */
	rc = pvsr_hyp_update_va_mapping(arch->shared_info_va, 0,
					UVMF_INVLPG | UVMF_LOCAL);
	if (rc) {
		frames_to_mfns(arch);
		return pvsr_fail(detail, PVSR_E_PRE_SUSPEND,
				 PVSR_STEP_PRE_SUSPEND, 0,
				 __HYPERVISOR_update_va_mapping, -1, rc);
	}
	return 0;
}

int pvsr_arch_post_suspend(struct pvsr_arch *arch, bool new_domain,
			   struct pvsr_error_detail *detail)
{
	long rc;

	/* After a real resume the restore has written MFNs already. */
	if (!new_domain)
		frames_to_mfns(arch);
	rc = pvsr_arch_map_shared_info(arch);
	if (rc)
		return pvsr_fail(detail, PVSR_E_SHARED_INFO,
				 PVSR_STEP_POST_SUSPEND, 0,
				 __HYPERVISOR_update_va_mapping, -1, rc);
	if (new_domain) {
		arch->nr_pfns = arch->start_info->nr_pages;
		if (pvsr_arch_publish_p2m(arch))
			return pvsr_fail(detail, PVSR_E_P2M,
					 PVSR_STEP_POST_SUSPEND, 0, -1, -1, 0);
	}
	return 0;
}

void pvsr_arch_vcpu_context(struct pvsr_arch *arch, unsigned int vcpu,
			    const struct pvsr_jmp_buf *jb,
			    const struct pvsr_arch_park *park,
			    struct vcpu_guest_context *ctx)
{
	struct pvsr_vcpu_arch_state state;

	arch->vcpu_state(vcpu, &state);
	pvsr_arch_build_context(ctx, jb, &state);
	if (park && park->saved)
		pvsr_arch_context_apply_park(ctx, park);
#ifdef PVSR_SELFTEST_RESUME_RAX0
	/*
	 * Self-test: only the resume path fakes a return of 0 (the boot
	 * path stays right, so the boot checks pass and a real resume is
	 * what must catch it: PVSR_E_BAD_RESUME, a panic).
	 */
	ctx->user_regs.rax = 0;
#endif
}
