/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit only: assembly probes for arch/x86/context_test.c, so that the
 * registers around a faked pvsr_setjmp return are exactly known.
 */
#ifndef PVSR_ARCH_X86_CONTEXT_TEST_PROBE_H
#define PVSR_ARCH_X86_CONTEXT_TEST_PROBE_H

/* Values the probe puts in the callee-saved registers. */
#define PROBE_RBX 0x1111111111111b0b
#define PROBE_RBP 0x2222222222222b9b
#define PROBE_R12 0x3333333333333012
#define PROBE_R13 0x4444444444444013
#define PROBE_R14 0x5555555555555014
#define PROBE_R15 0x6666666666666015

/* What the probe records: indexes into its out[] array. */
#define PROBE_OUT_RETURNS 0 /* returns from pvsr_setjmp */
#define PROBE_OUT_RAX 1 /* pvsr_setjmp's value on the last one */
#define PROBE_OUT_RSP_CALL 2 /* rsp right before "call pvsr_setjmp" */
#define PROBE_OUT_RSP 3 /* rsp after the last return */
#define PROBE_OUT_RBX 4
#define PROBE_OUT_RBP 5
#define PROBE_OUT_R12 6
#define PROBE_OUT_R13 7
#define PROBE_OUT_R14 8
#define PROBE_OUT_R15 9
#define PROBE_OUT_COUNT 10

#ifndef __ASSEMBLY__
#include "arch/x86/setjmp.h"

/*
 * Load the PROBE_* values into every callee-saved register, call
 * pvsr_setjmp(jb) and count its returns. After the first, scramble those
 * registers and call jump(), which must not return. After any later one,
 * record rax, rsp and the registers in out[] and return (the caller's
 * registers restored). pvsr_setjmp saves pvsr_ctx_test_probe_ret as its
 * return address.
 */
void pvsr_ctx_test_probe(struct pvsr_jmp_buf *jb, unsigned long *out,
			 void (*jump)(void));
extern const char pvsr_ctx_test_probe_ret[];

/*
 * Where an entry jmp_buf leads: calls pvsr_ctx_test_entered() (in the
 * test) with rsp and rbp as they were on arrival.
 */
void pvsr_ctx_test_entry(void);
__noreturn void pvsr_ctx_test_entered(unsigned long rsp, unsigned long rbp);
#endif

#endif /* PVSR_ARCH_X86_CONTEXT_TEST_PROBE_H */
