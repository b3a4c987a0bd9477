/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last step of a batch with events on, in assembly so that the
 * instructions between the unmask and Xen's syscall are known exactly
 * (see hcall_batch_issue.S); only hcall_batch.c uses it.
 */
#ifndef PVSR_TEST_GUEST_HCALL_BATCH_ISSUE_H
#define PVSR_TEST_GUEST_HCALL_BATCH_ISSUE_H

#include "hypercall/xen_abi.h"

/* Clears *upcall_mask, then HYPERVISOR_mmu_update(req, count, done, self). */
long hcall_batch_issue(struct mmu_update *req, unsigned long count,
		       unsigned int *done, uint8_t *upcall_mask);

/*
 * The instructions run with events on before the stub: from the start
 * label up to and including the end label (the jump into the stub).
 */
extern const char hcall_batch_window_start[];
extern const char hcall_batch_window_end[];

#endif /* PVSR_TEST_GUEST_HCALL_BATCH_ISSUE_H */
