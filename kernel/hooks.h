/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to kernel/: running the subsystem hooks (see pvsr.h). */
#ifndef PVSR_KERNEL_HOOKS_H
#define PVSR_KERNEL_HOOKS_H

#include "kernel/pvsr.h"

/*
 * The events-on phase, last registered first; on a refusal the hooks
 * already prepared complete() with BACKOUT and -PVSR_E_HOOK is returned.
 */
int pvsr_hooks_prepare(struct pvsr *p, struct pvsr_error_detail *detail);
/* The quiesced phase, last registered first; backs out on failure. */
int pvsr_hooks_suspend(struct pvsr *p, struct pvsr_error_detail *detail);
/* Quiesced resume of hooks [first, nr_hooks), first registered first. */
void pvsr_hooks_resume_from(struct pvsr *p, unsigned int first,
			    enum pvsr_resume_kind kind);
/* Events-on completion of hooks [first, nr_hooks). */
void pvsr_hooks_complete_from(struct pvsr *p, unsigned int first,
			      enum pvsr_resume_kind kind);

#endif /* PVSR_KERNEL_HOOKS_H */
