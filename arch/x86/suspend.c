// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64 PV pre- and post-suspend (see suspend.h and kernel/arch.h).
 */
#include "arch/x86/suspend.h"
#include "arch/x86/pte.h"
#include "hypercall/hypercall.h"

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

static unsigned long div_up(unsigned long n, unsigned long d)
{
	return (n + d - 1) / d;
}

unsigned long pvsr_arch_p2m_list_pages(unsigned long nr_pfns)
{
	unsigned long p2m_pages = div_up(nr_pfns, PVSR_P2M_PER_PAGE);

	if (!nr_pfns || nr_pfns > PVSR_P2M_MAX_PFNS)
		return 0;
	/* The frame-list list, then the frame lists. */
	return 1 + div_up(p2m_pages, PVSR_P2M_PER_PAGE);
}

int pvsr_arch_p2m_check(const struct pvsr_arch *arch, enum pvsr_step step,
			struct pvsr_error_detail *detail)
{
	unsigned long need = pvsr_arch_p2m_list_pages(arch->nr_pfns);
	int rc;

	if (need && arch->p2m_list && need <= arch->p2m_list_pages)
		return 0;
	rc = pvsr_fail(detail, PVSR_E_P2M_SPACE, step, PVSR_NO_VCPU, -1, -1, 0);
	if (detail) {
		detail->needed = need;
		detail->available = arch->p2m_list ? arch->p2m_list_pages : 0;
	}
	return rc;
}

/*
 * p2m_list page 0 is the frame-list list; page 1 + k the k-th frame
 * list. Entries past the end stay as the kernel zeroed them.
 */
int pvsr_arch_publish_p2m(struct pvsr_arch *arch)
{
	unsigned long nr_pages = div_up(arch->nr_pfns, PVSR_P2M_PER_PAGE);
	unsigned long nr_lists = div_up(nr_pages, PVSR_P2M_PER_PAGE);
	unsigned long *list_list = arch->p2m_list;
	unsigned long *lists = arch->p2m_list + PVSR_P2M_PER_PAGE;
	struct shared_info *s = shared_info(arch);
	unsigned long i;
	int rc;

	rc = pvsr_arch_p2m_check(arch, PVSR_STEP_NONE, NULL);
	if (rc)
		return rc;
	for (i = 0; i < nr_pages; i++)
		lists[i] = arch->virt_to_mfn(arch->p2m + i * PVSR_P2M_PER_PAGE);
	for (i = 0; i < nr_lists; i++)
		list_list[i] = arch->virt_to_mfn(lists + i * PVSR_P2M_PER_PAGE);
	s->arch.max_pfn = arch->nr_pfns;
	s->arch.pfn_to_mfn_frame_list_list = arch->virt_to_mfn(list_list);
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
		/* The new domain may be larger than the space we were given. */
		arch->nr_pfns = arch->start_info->nr_pages;
		if (pvsr_arch_p2m_check(arch, PVSR_STEP_POST_SUSPEND, detail))
			return -PVSR_E_P2M_SPACE;
		pvsr_arch_publish_p2m(arch);
	}
	return 0;
}

static void context_from_state(const struct pvsr_vcpu_arch_state *state,
			       const struct pvsr_jmp_buf *jb,
			       const struct pvsr_arch_park *park,
			       struct vcpu_guest_context *ctx)
{
	pvsr_arch_build_context(ctx, jb, state);
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

void pvsr_arch_vcpu_context(struct pvsr_arch *arch, unsigned int vcpu,
			    const struct pvsr_jmp_buf *jb,
			    const struct pvsr_arch_park *park,
			    struct vcpu_guest_context *ctx)
{
	struct pvsr_vcpu_arch_state state;

	arch->vcpu_state(vcpu, &state);
	context_from_state(&state, jb, park, ctx);
}

bool pvsr_arch_vcpu_info_location(struct pvsr_arch *arch, unsigned int vcpu,
				  struct vcpu_register_vcpu_info *info)
{
	struct pvsr_vcpu_arch_state state;

	arch->vcpu_state(vcpu, &state);
	if (!state.vcpu_info_mfn)
		return false;
	*info = (struct vcpu_register_vcpu_info){
		.mfn = state.vcpu_info_mfn,
		.offset = state.vcpu_info_offset,
	};
	return true;
}
