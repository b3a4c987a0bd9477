/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Xen ABI, straight from libxen-dev's public headers.
 *
 * The headers want the C99 fixed-width types. The guest is freestanding
 * and gets them from the compiler's <stdint.h>; under Linux's Kbuild (the
 * KUnit build) <linux/types.h> provides them, and there is no <stdint.h>.
 * The <xenpub/...> prefix keeps Linux's own include/xen copies, which share
 * the same include guards, out of the way.
 */
#ifndef PVSR_HYPERCALL_XEN_ABI_H
#define PVSR_HYPERCALL_XEN_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#else
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#endif

#include "hypercall/compiler.h"

#include <xenpub/xen.h>
#include <xenpub/sched.h>
#include <xenpub/vcpu.h>
#include <xenpub/event_channel.h>
#include <xenpub/memory.h>
#include <xenpub/callback.h>
#include <xenpub/version.h>
#include <xenpub/io/console.h>
#include <xenpub/io/xs_wire.h>

#endif /* PVSR_HYPERCALL_XEN_ABI_H */
