/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A KTAP producer: the format KUnit prints, so the harness parses guest
 * runs and KUnit runs with the same tools.
 */
#ifndef PVSR_TEST_GUEST_KTAP_H
#define PVSR_TEST_GUEST_KTAP_H

#include "test-guest/lib.h"

struct ktap_ctx {
	const char *name;
	bool failed;
	const char *skip_reason;
};

typedef void (*ktap_fn)(struct ktap_ctx *ctx);

struct ktap_case {
	const char *name;
	ktap_fn run;
};

void ktap_begin(unsigned int planned);
/* No plan yet: ktap_end_open_ended() prints it after the last result. */
void ktap_begin_open_ended(void);
void ktap_end_open_ended(void);
/* Runs one case and prints "ok N name" or "not ok N name". */
bool ktap_run(const char *name, ktap_fn run);
/* Report a case that was run elsewhere (e.g. on another vCPU). */
void ktap_report(const char *name, bool ok, const char *skip_reason);
void ktap_diag(const char *fmt, ...) __printf(1, 2);
unsigned int ktap_failures(void);
unsigned int ktap_reported(void);

/* Records a failed expectation with its source line; returns cond. */
bool ktap_expect(struct ktap_ctx *ctx, bool cond, const char *expr, int line,
		 const char *fmt, ...) __printf(5, 6);

/* The expression text and line are why this is a macro. */
#define KTAP_EXPECT(ctx, cond, ...) \
	ktap_expect((ctx), !!(cond), #cond, __LINE__, __VA_ARGS__)

void ktap_skip(struct ktap_ctx *ctx, const char *reason);

#endif /* PVSR_TEST_GUEST_KTAP_H */
