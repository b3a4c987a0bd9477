/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 PV side of a suspend: what crosses the hypercall and must be
 * translated or republished (start_info, shared_info, the P2M frame list)
 * and the vCPU contexts built afterwards. The embedding kernel describes
 * its memory in struct pvsr_arch; pvsr's core sees only kernel/arch.h.
 */
#ifndef PVSR_ARCH_X86_SUSPEND_H
#define PVSR_ARCH_X86_SUSPEND_H

#include "hypercall/xen_abi.h"
#include "arch/x86/context.h"

/* Enough frame-list pages for a 4 GiB guest (512 MFNs per page). */
#define PVSR_P2M_MAX_PFNS (1UL << 20)

struct pvsr_arch {
	start_info_t *start_info;
	/* The page-aligned VA where shared_info is (to be) mapped. */
	unsigned long shared_info_va;
	/* The P2M array (start_info->mfn_list) and its length. */
	unsigned long *p2m;
	unsigned long nr_pfns;
	/* The kernel's own translations, with this domain's frames. */
	unsigned long (*virt_to_mfn)(const void *va);
	unsigned long (*mfn_to_pfn)(unsigned long mfn); /* Xen's M2P */
	/* What vcpu needs besides its registers (MFNs of this domain). */
	void (*vcpu_state)(unsigned int vcpu,
			   struct pvsr_vcpu_arch_state *state);
};

/* Map shared_info at arch->shared_info_va; returns Xen's result. */
long pvsr_arch_map_shared_info(struct pvsr_arch *arch);

/*
 * Publish the P2M for the toolstack: pfn_to_mfn_frame_list_list in shared_info
 * (and max_pfn). Needed at boot and after every real resume: restore
 * zeroes it and the next save fails without it. Returns 0 or -PVSR_E_P2M
 * (the guest is larger than PVSR_P2M_MAX_PFNS).
 */
int pvsr_arch_publish_p2m(struct pvsr_arch *arch);

/* The MFN published as pfn_to_mfn_frame_list_list (tests read it back). */
unsigned long pvsr_arch_p2m_frame_list_list_mfn(struct pvsr_arch *arch);

#endif /* PVSR_ARCH_X86_SUSPEND_H */
