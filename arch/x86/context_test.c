// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the vcpu_guest_context builder.
 *
 * The proof is a real jump: a context built from a real pvsr_setjmp
 * jmp_buf and loaded on this CPU (pvsr_arch_load_context_local(), what
 * Xen does with the registers) must come back out of that pvsr_setjmp
 * with 1, on the same stack, with every callee-saved register as it was
 * when pvsr_setjmp saved it. The probe that checks this is assembly, so
 * that the registers hold exactly the values it says. Then the fields
 * Xen reads: frames, stacks, callbacks, traps, flags.
 */
#include <kunit/test.h>

#include "arch/x86/context.h"
#include "arch/x86/context_test_probe.h"

#define L4_MFN 0x12345UL
#define USER_L4_MFN 0x12346UL
#define GDT_MFN 0x23456UL
#define GDT_ENTS 14
#define KERNEL_SP 0xffffc90000008000UL
#define VCPU_GS_BASE 0xffff888000123400UL
#define EVENT_CB 0xffffffff81000100UL
#define FAILSAFE_CB 0xffffffff81000200UL
#define SYSCALL_CB 0xffffffff81000300UL

static const struct trap_info test_traps[] = {
	{ .vector = 3, .flags = 3 | 4, .cs = FLAT_KERNEL_CS, .address = 0x103 },
	{ .vector = 14, .flags = 4, .cs = FLAT_KERNEL_CS, .address = 0x10e },
	{ .vector = 255, .flags = 0, .cs = FLAT_KERNEL_CS, .address = 0x1ff },
	{ 0 },
	/* Past the terminator: must not be copied. */
	{ .vector = 6, .flags = 0, .cs = FLAT_KERNEL_CS, .address = 0x106 },
};

static const struct pvsr_vcpu_arch_state full_state = {
	.kernel_sp = KERNEL_SP,
	.gs_base_kernel = VCPU_GS_BASE,
	.kernel_l4_mfn = L4_MFN,
	.user_l4_mfn = USER_L4_MFN,
	.gdt_mfn = GDT_MFN,
	.gdt_ents = GDT_ENTS,
	.traps = test_traps,
	.event_callback = EVENT_CB,
	.failsafe_callback = FAILSAFE_CB,
	.syscall_callback = SYSCALL_CB,
};

/* 5 KiB each: too big for a kernel stack. */
static struct vcpu_guest_context test_ctx;
static struct pvsr_jmp_buf probe_jb;
static unsigned long probe_out[PROBE_OUT_COUNT];

/* The probe's first return lands here: do what Xen would do. */
static __noreturn void probe_jump(void)
{
	pvsr_arch_build_context(&test_ctx, &probe_jb, &full_state);
	pvsr_arch_load_context_local(&test_ctx);
}

/* rbx, rbp, r12-r15: as the probe recorded them and as it loaded them. */
static const unsigned long probe_regs[] = { PROBE_RBX, PROBE_RBP, PROBE_R12,
					    PROBE_R13, PROBE_R14, PROBE_R15 };

static void context_returns_from_setjmp_with_1(struct kunit *test)
{
	const unsigned long *out = probe_out;
	unsigned int i;

	pvsr_ctx_test_probe(&probe_jb, probe_out, probe_jump);

	KUNIT_ASSERT_EQ(test, out[PROBE_OUT_RETURNS], 2UL);
	KUNIT_EXPECT_EQ(test, out[PROBE_OUT_RAX], 1UL);
	/* The original stack, exactly where "call pvsr_setjmp" left it. */
	KUNIT_EXPECT_EQ(test, out[PROBE_OUT_RSP], out[PROBE_OUT_RSP_CALL]);
	for (i = 0; i < ARRAY_SIZE(probe_regs); i++)
		KUNIT_EXPECT_EQ_MSG(test, out[PROBE_OUT_RBX + i], probe_regs[i],
				    "callee-saved register %u", i);
}

/* What pvsr_setjmp saved, for the builder to fake a return from. */
static void context_setjmp_saves_the_call_site(struct kunit *test)
{
	pvsr_ctx_test_probe(&probe_jb, probe_out, probe_jump);

	KUNIT_EXPECT_EQ(test, probe_jb.rip,
			(unsigned long)pvsr_ctx_test_probe_ret);
	KUNIT_EXPECT_EQ(test, probe_jb.rsp, probe_out[PROBE_OUT_RSP_CALL] - 8);
	KUNIT_EXPECT_EQ(test, probe_jb.rbx, (unsigned long)PROBE_RBX);
	KUNIT_EXPECT_EQ(test, probe_jb.rbp, (unsigned long)PROBE_RBP);
	KUNIT_EXPECT_EQ(test, probe_jb.r12, (unsigned long)PROBE_R12);
	KUNIT_EXPECT_EQ(test, probe_jb.r15, (unsigned long)PROBE_R15);
}

static const struct pvsr_jmp_buf sample_jb = {
	.rbx = 0xb1,
	.rbp = 0xb2,
	.r12 = 0xc12,
	.r13 = 0xc13,
	.r14 = 0xc14,
	.r15 = 0xc15,
	.rsp = 0xffffc90000007f48UL,
	.rip = 0xffffffff81234567UL,
};

/* Build from sample_jb over a context full of garbage. */
static struct vcpu_guest_context *
build(const struct pvsr_vcpu_arch_state *state)
{
	memset(&test_ctx, 0xa5, sizeof(test_ctx));
	pvsr_arch_build_context(&test_ctx, &sample_jb, state);
	return &test_ctx;
}

static void context_faked_return_registers(struct kunit *test)
{
	const struct cpu_user_regs *r = &build(&full_state)->user_regs;

	KUNIT_EXPECT_EQ(test, r->rip, 0xffffffff81234567ULL);
	KUNIT_EXPECT_EQ(test, r->rsp, 0xffffc90000007f50ULL);
	KUNIT_EXPECT_EQ(test, r->rax, 1ULL);
	KUNIT_EXPECT_EQ(test, r->rbx, 0xb1ULL);
	KUNIT_EXPECT_EQ(test, r->rbp, 0xb2ULL);
	KUNIT_EXPECT_EQ(test, r->r12, 0xc12ULL);
	KUNIT_EXPECT_EQ(test, r->r13, 0xc13ULL);
	KUNIT_EXPECT_EQ(test, r->r14, 0xc14ULL);
	KUNIT_EXPECT_EQ(test, r->r15, 0xc15ULL);
	/* Caller-saved registers carry nothing: zero, not garbage. */
	KUNIT_EXPECT_EQ(test, r->rcx | r->rdx | r->rsi | r->rdi, 0ULL);
	KUNIT_EXPECT_EQ(test, r->r8 | r->r9 | r->r10 | r->r11, 0ULL);
	KUNIT_EXPECT_EQ(test, r->cs, (uint16_t)FLAT_KERNEL_CS);
	KUNIT_EXPECT_EQ(test, r->ss, (uint16_t)FLAT_KERNEL_SS);
	KUNIT_EXPECT_EQ(test, r->ds, (uint16_t)FLAT_KERNEL_DS);
	KUNIT_EXPECT_EQ(test, r->es, (uint16_t)FLAT_KERNEL_DS);
	KUNIT_EXPECT_EQ(test, r->fs | r->gs, 0);
	/* Reserved bit 1 only; Xen sets IF itself. */
	KUNIT_EXPECT_EQ(test, r->rflags, 0x2ULL);
}

static void context_frames_and_stacks(struct kunit *test)
{
	const struct vcpu_guest_context *c = build(&full_state);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, c->flags, (unsigned long)VGCF_in_kernel);
	/* CR3 names the kernel L4 by MFN; 64-bit PV keeps the user L4 in 1. */
	KUNIT_EXPECT_EQ(test, c->ctrlreg[3], L4_MFN << 12);
	KUNIT_EXPECT_EQ(test, c->ctrlreg[1], USER_L4_MFN << 12);
	KUNIT_EXPECT_EQ(test, c->ctrlreg[0] | c->ctrlreg[2] | c->ctrlreg[4],
			0UL);
	KUNIT_EXPECT_EQ(test, c->gdt_frames[0], GDT_MFN);
	for (i = 1; i < ARRAY_SIZE(c->gdt_frames); i++)
		KUNIT_EXPECT_EQ(test, c->gdt_frames[i], 0UL);
	KUNIT_EXPECT_EQ(test, c->gdt_ents, (unsigned long)GDT_ENTS);
	KUNIT_EXPECT_EQ(test, c->ldt_base | c->ldt_ents, 0UL);
	KUNIT_EXPECT_EQ(test, c->kernel_ss, (unsigned long)FLAT_KERNEL_SS);
	KUNIT_EXPECT_EQ(test, c->kernel_sp, KERNEL_SP);
	KUNIT_EXPECT_EQ(test, c->gs_base_kernel, (uint64_t)VCPU_GS_BASE);
	KUNIT_EXPECT_EQ(test, c->gs_base_user | c->fs_base, 0ULL);
	for (i = 0; i < ARRAY_SIZE(c->debugreg); i++)
		KUNIT_EXPECT_EQ(test, c->debugreg[i], 0UL);
	KUNIT_EXPECT_EQ(test, c->vm_assist, 0UL);
}

static void context_callbacks(struct kunit *test)
{
	const struct vcpu_guest_context *c = build(&full_state);

	KUNIT_EXPECT_EQ(test, c->event_callback_eip, (uint64_t)EVENT_CB);
	KUNIT_EXPECT_EQ(test, c->failsafe_callback_eip, (uint64_t)FAILSAFE_CB);
	KUNIT_EXPECT_EQ(test, c->syscall_callback_eip, (uint64_t)SYSCALL_CB);
}

static void expect_trap(struct kunit *test, const struct trap_info *got,
			const struct trap_info *want)
{
	KUNIT_EXPECT_EQ(test, got->vector, want->vector);
	KUNIT_EXPECT_EQ(test, got->flags, want->flags);
	KUNIT_EXPECT_EQ(test, got->cs, want->cs);
	KUNIT_EXPECT_EQ(test, got->address, want->address);
}

/* The trap table up to its terminator, each entry at its vector. */
static void context_trap_table_copy(struct kunit *test)
{
	const struct vcpu_guest_context *c = build(&full_state);
	unsigned int v, n = 0;

	expect_trap(test, &c->trap_ctxt[3], &test_traps[0]);
	expect_trap(test, &c->trap_ctxt[14], &test_traps[1]);
	expect_trap(test, &c->trap_ctxt[255], &test_traps[2]);
	for (v = 0; v < ARRAY_SIZE(c->trap_ctxt); v++)
		n += c->trap_ctxt[v].address != 0;
	KUNIT_EXPECT_EQ(test, n, 3U);
	KUNIT_EXPECT_EQ(test, c->trap_ctxt[6].address, 0UL);
}

/* Optional parts left out: no user L4, no GDT frame, no trap table. */
static void context_optional_state(struct kunit *test)
{
	const struct pvsr_vcpu_arch_state bare = {
		.kernel_sp = KERNEL_SP,
		.kernel_l4_mfn = L4_MFN,
		.gdt_ents = GDT_ENTS,
	};
	const struct vcpu_guest_context *c = build(&bare);
	unsigned int v;

	KUNIT_EXPECT_EQ(test, c->ctrlreg[3], L4_MFN << 12);
	KUNIT_EXPECT_EQ(test, c->ctrlreg[1], 0UL);
	KUNIT_EXPECT_EQ(test, c->gdt_frames[0], 0UL);
	KUNIT_EXPECT_EQ(test, c->gdt_ents, 0UL);
	for (v = 0; v < ARRAY_SIZE(c->trap_ctxt); v++)
		KUNIT_EXPECT_EQ(test, c->trap_ctxt[v].address, 0UL);
	KUNIT_EXPECT_EQ(test, c->event_callback_eip, 0ULL);
	KUNIT_EXPECT_EQ(test, c->user_regs.rax, 1ULL);
}

/* ---- entry jmp_bufs (boot: "resume" into the secondary entry) -------- */

static struct pvsr_jmp_buf entry_back;
static unsigned long entry_rsp, entry_rbp;

__noreturn void pvsr_ctx_test_entered(unsigned long rsp, unsigned long rbp)
{
	entry_rsp = rsp;
	entry_rbp = rbp;
	pvsr_longjmp(&entry_back, 1);
}

static void context_entry_jmp_buf_fields(struct kunit *test)
{
	struct pvsr_jmp_buf jb;
	const unsigned long top = 0xffffc90000010000UL;
	const struct cpu_user_regs *r;

	memset(&jb, 0xa5, sizeof(jb));
	pvsr_arch_entry_jmp_buf(&jb, pvsr_ctx_test_entry, top);
	KUNIT_EXPECT_EQ(test, jb.rip, (unsigned long)pvsr_ctx_test_entry);
	KUNIT_EXPECT_EQ(test, jb.rsp, top - 16);
	/* rbp 0 ends the frame chain there; the others carry nothing. */
	KUNIT_EXPECT_EQ(test, jb.rbp, 0UL);
	KUNIT_EXPECT_EQ(test, jb.rbx | jb.r12 | jb.r13 | jb.r14 | jb.r15, 0UL);

	pvsr_arch_build_context(&test_ctx, &jb, &full_state);
	r = &test_ctx.user_regs;
	KUNIT_EXPECT_EQ(test, r->rip, (uint64_t)pvsr_ctx_test_entry);
	/* As right after a call: rsp + 8 is 16-byte aligned. */
	KUNIT_EXPECT_EQ(test, r->rsp, (uint64_t)top - 8);
	KUNIT_EXPECT_EQ(test, (r->rsp + 8) % 16, 0ULL);
	KUNIT_EXPECT_EQ(test, r->rbp, 0ULL);
}

/* A real jump into the entry, on a stack top below this frame. */
static void context_entry_jmp_buf_runs_the_entry(struct kunit *test)
{
	unsigned long here = (unsigned long)__builtin_frame_address(0);
	unsigned long top = (here - 2048) & ~15UL;
	struct pvsr_jmp_buf jb;

	entry_rsp = entry_rbp = 0xdead;
	pvsr_arch_entry_jmp_buf(&jb, pvsr_ctx_test_entry, top);
	pvsr_arch_build_context(&test_ctx, &jb, &full_state);
	if (pvsr_setjmp(&entry_back) == 0)
		pvsr_arch_load_context_local(&test_ctx);

	KUNIT_EXPECT_EQ(test, entry_rsp, top - 8);
	KUNIT_EXPECT_EQ(test, entry_rbp, 0UL);
}

static struct kunit_case context_cases[] = {
	KUNIT_CASE(context_returns_from_setjmp_with_1),
	KUNIT_CASE(context_setjmp_saves_the_call_site),
	KUNIT_CASE(context_faked_return_registers),
	KUNIT_CASE(context_frames_and_stacks),
	KUNIT_CASE(context_callbacks),
	KUNIT_CASE(context_trap_table_copy),
	KUNIT_CASE(context_optional_state),
	KUNIT_CASE(context_entry_jmp_buf_fields),
	KUNIT_CASE(context_entry_jmp_buf_runs_the_entry),
	{}
};

static struct kunit_suite context_suite = {
	.name = "pvsr_context",
	.test_cases = context_cases,
};

kunit_test_suite(context_suite);
