/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen constants for assembly files. xen.h guards its C parts with
 * __ASSEMBLY__, so its #defines can be used from .S files directly.
 */
#ifndef PVSR_HYPERCALL_XEN_ABI_ASM_H
#define PVSR_HYPERCALL_XEN_ABI_ASM_H

#ifndef __ASSEMBLY__
#error "for assembly files only; C code includes hypercall/xen_abi.h"
#endif

#include <xenpub/xen.h>
#include <xenpub/elfnote.h>

#endif /* PVSR_HYPERCALL_XEN_ABI_ASM_H */
