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

/*
 * The toolstack finds the P2M through three levels of MFNs: shared_info
 * names one page (the frame-list list) of MFNs of frame-list pages, and
 * each of those names up to 512 pages of the P2M array itself. One
 * frame-list list page can name 512 frame-list pages: a P2M of at most
 * 512 * 512 * 512 PFNs (512 GiB of 4 KiB pages) in this PV ABI.
 */
#define PVSR_P2M_PER_PAGE 512UL
#define PVSR_P2M_MAX_PFNS \
	(PVSR_P2M_PER_PAGE * PVSR_P2M_PER_PAGE * PVSR_P2M_PER_PAGE)

struct pvsr_arch {
	start_info_t *start_info;
	/* The page-aligned VA where shared_info is (to be) mapped. */
	unsigned long shared_info_va;
	/* The P2M array (start_info->mfn_list) and its length. */
	unsigned long *p2m;
	unsigned long nr_pfns;
	/*
	 * Where pvsr writes the P2M frame lists: p2m_list_pages zeroed,
	 * page-aligned, writable pages the kernel owns and never moves,
	 * at least pvsr_arch_p2m_list_pages(nr_pfns) of them. The kernel
	 * knows its memory; pvsr keeps no array sized for the largest
	 * guest.
	 */
	unsigned long *p2m_list;
	unsigned long p2m_list_pages;
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
 * Pages of P2M frame lists a guest of nr_pfns PFNs needs (the top page
 * and the frame lists it names), or 0 if nr_pfns is 0 or above
 * PVSR_P2M_MAX_PFNS (the ABI cannot describe such a P2M). 4 GiB: 5 pages.
 */
unsigned long pvsr_arch_p2m_list_pages(unsigned long nr_pfns);

/*
 * Whether arch->nr_pfns fits arch->p2m_list: 0, or -PVSR_E_P2M_SPACE with
 * *detail (if not NULL) naming the pages needed and available (needed 0:
 * nr_pfns is beyond what the ABI can describe).
 */
int pvsr_arch_p2m_check(const struct pvsr_arch *arch, enum pvsr_step step,
			struct pvsr_error_detail *detail);

/*
 * Publish the P2M for the toolstack: pfn_to_mfn_frame_list_list in
 * shared_info (and max_pfn). Needed at boot and after every real resume:
 * restore zeroes it and the next save fails without it. Returns 0 or
 * -PVSR_E_P2M_SPACE (pvsr_arch_p2m_check() says why).
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
 * Where vcpu's vcpu_info is to be registered in a new domain, if the
 * kernel says (state.vcpu_info_mfn): true with *info filled, so that pvsr
 * can batch the registration; false: register it through the ops.
 */
bool pvsr_arch_vcpu_info_location(struct pvsr_arch *arch, unsigned int vcpu,
				  struct vcpu_register_vcpu_info *info);

/*
 * A pause for spin loops that must not touch anything Xen tears down.
 *
 * Not SCHEDOP_yield, nor a short SCHEDOP_poll nap: once the parked
 * vCPUs stop holding CPUs, the boot vCPU's own yield loop makes a long
 * hypercall of a vCPU still to park crawl (a 512-entry batch took
 * 27-54 s instead of 0.3 s; docs/benchmarks.md, "The cause").
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
