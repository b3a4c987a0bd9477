/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the test guest lives: the kernel image is linked (and loaded by
 * Xen) at GUEST_VIRT_BASE, the start of the top 2 GiB, so -mcmodel=kernel
 * code can reach every symbol. Guest pseudo-physical frame N is mapped at
 * GUEST_VIRT_BASE + N * 4096 by Xen's initial page tables.
 */
#ifndef PVSR_TEST_GUEST_LAYOUT_H
#define PVSR_TEST_GUEST_LAYOUT_H

#define GUEST_VIRT_BASE 0xffffffff80000000
#define GUEST_PAGE_SIZE 4096
#define GUEST_PAGE_SHIFT 12

/*
 * The most vCPUs the guest supports (stacks and per-CPU data are static:
 * at 128, about 2.5 MiB of the image, all in Xen's initial mapping).
 */
#define GUEST_MAX_VCPUS 128
#define GUEST_STACK_SIZE 16384

#endif /* PVSR_TEST_GUEST_LAYOUT_H */
