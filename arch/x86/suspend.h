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
#include "hypercall/pvsr_error.h"
#include "arch/x86/context.h"
#include "arch/x86/park.h"

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
	/*
	 * What vcpu needs besides its registers: frame numbers of this
	 * domain, and the vCPU's current kernel_sp, LDT and callback flags
	 * (a kernel with per-task stacks reports the one it last gave
	 * stack_switch). Called on vCPU 0 while vcpu is parked or down.
	 */
	void (*vcpu_state)(unsigned int vcpu,
			   struct pvsr_vcpu_arch_state *state);
	/* The kernel sets debug registers: save them at park. */
	bool uses_debugregs;
	/* Filled by pvsr_arch_park_init() (pvsr_init() calls it). */
	struct pvsr_fpu_info fpu;
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

/*
 * Before the suspend hypercall: canonicalise what the toolstack expects
 * (store/console frames as PFNs) and unmap shared_info. A failure undoes
 * what was done and returns -PVSR_E_PRE_SUSPEND with *detail.
 */
int pvsr_arch_pre_suspend(struct pvsr_arch *arch,
			  struct pvsr_error_detail *detail);

/* The argument of SCHEDOP_shutdown(SHUTDOWN_suspend): start_info's MFN. */
unsigned long pvsr_arch_start_info_mfn(struct pvsr_arch *arch);

/*
 * After the hypercall (or to back out): map shared_info again (the new
 * one after a real resume), and after a real resume republish the P2M
 * frame list. Cancelled: store/console frames go back to MFNs.
 */
int pvsr_arch_post_suspend(struct pvsr_arch *arch, bool new_domain,
			   struct pvsr_error_detail *detail);

/*
 * Fill ctx so that vcpu resumes from jb with pvsr_setjmp() == 1, with the
 * frame numbers of the current domain and what it saved at park.
 */
void pvsr_arch_vcpu_context(struct pvsr_arch *arch, unsigned int vcpu,
			    const struct pvsr_jmp_buf *jb,
			    const struct pvsr_arch_park *park,
			    struct vcpu_guest_context *ctx);

/*
 * A pause for spin loops that must not touch anything Xen tears down.
 *
 * In the KUnit build the parked vCPUs are kernel threads on UML's one
 * CPU, without preemption: a spin that never yields would never let the
 * boot vCPU (or anyone) run. There the pause is the fake hypervisor's,
 * which lets the test yield, hold a "down" vCPU, or start it on the
 * context VCPUOP_initialise gave it.
 */
#ifdef CONFIG_PVSR_KUNIT_TEST
#include "hypercall/fake.h"

static inline void pvsr_arch_cpu_relax(void)
{
	pvsr_fake_cpu_relax();
}
#else
static inline void pvsr_arch_cpu_relax(void)
{
	__builtin_ia32_pause();
}
#endif

#endif /* PVSR_ARCH_X86_SUSPEND_H */
