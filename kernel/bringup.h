/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to kernel/: vCPU 0 bringing the parked vCPUs back after the
 * suspend hypercall (or a back-out), one at a time or in multicall
 * batches (enum pvsr_bringup in pvsr.h).
 */
#ifndef PVSR_KERNEL_BRINGUP_H
#define PVSR_KERNEL_BRINGUP_H

#include "kernel/pvsr.h"

/*
 * New domain: register each member's vcpu_info, VCPUOP_initialise it on
 * a context rebuilt from its jmp_buf, VCPUOP_up it. Returns 0 or
 * -PVSR_E_VCPU_INFO / _VCPU_INIT / _VCPU_UP / _MULTICALL with the
 * detail of the first call that failed (step REBUILD).
 */
int pvsr_bringup_rebuild(struct pvsr *p, struct pvsr_report *r);

/*
 * Same domain, same contexts: VCPUOP_up every member below limit.
 * Returns 0 or -PVSR_E_VCPU_UP / _MULTICALL with the detail.
 */
int pvsr_bringup_restart(struct pvsr *p, struct pvsr_report *r,
			 unsigned int limit);

#endif /* PVSR_KERNEL_BRINGUP_H */
