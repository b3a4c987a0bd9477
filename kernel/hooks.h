/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to kernel/: running the subsystem hooks (see pvsr.h). */
#ifndef PVSR_KERNEL_HOOKS_H
#define PVSR_KERNEL_HOOKS_H

#include "kernel/pvsr.h"

/* All suspend hooks, last registered first; backs out on failure. */
int pvsr_hooks_suspend(struct pvsr *p, struct pvsr_error_detail *detail);
/* Resume hooks [first, nr_hooks), first registered first. */
void pvsr_hooks_resume_from(struct pvsr *p, unsigned int first,
			    enum pvsr_resume_kind kind);

#endif /* PVSR_KERNEL_HOOKS_H */
