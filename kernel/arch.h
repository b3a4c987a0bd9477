/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the portable core needs from the architecture: the only header
 * through which kernel/ sees arch/x86 (pre/post-suspend, the context
 * builder, the park state and the jmp_buf).
 */
#ifndef PVSR_KERNEL_ARCH_H
#define PVSR_KERNEL_ARCH_H

#include "arch/x86/setjmp.h"
#include "arch/x86/park.h"
#include "arch/x86/suspend.h"

#endif /* PVSR_KERNEL_ARCH_H */
