/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attribute spellings Linux uses, for the freestanding guest build.
 * Under Linux's Kbuild (__KERNEL__) <linux/compiler_attributes.h> already
 * provides them, for every file.
 */
#ifndef PVSR_HYPERCALL_COMPILER_H
#define PVSR_HYPERCALL_COMPILER_H

#ifndef __KERNEL__
#define __noreturn __attribute__((__noreturn__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __section(s) __attribute__((__section__(s)))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define noinline __attribute__((__noinline__))
#define __always_unused __attribute__((__unused__))
#endif

#endif /* PVSR_HYPERCALL_COMPILER_H */
