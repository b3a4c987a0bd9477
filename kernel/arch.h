/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the portable core needs from the architecture: the only header
 * through which kernel/ sees arch/x86.
 */
#ifndef PVSR_KERNEL_ARCH_H
#define PVSR_KERNEL_ARCH_H

#include "hypercall/xen_abi.h"
#include "arch/x86/setjmp.h"

struct pvsr_arch;
struct pvsr_error_detail;

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
 * frame numbers of the current domain.
 */
void pvsr_arch_vcpu_context(struct pvsr_arch *arch, unsigned int vcpu,
			    const struct pvsr_jmp_buf *jb,
			    struct vcpu_guest_context *ctx);

/* A pause for spin loops that must not touch anything Xen tears down. */
static inline void pvsr_arch_cpu_relax(void)
{
	__builtin_ia32_pause();
}

#endif /* PVSR_KERNEL_ARCH_H */
