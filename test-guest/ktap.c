// SPDX-License-Identifier: GPL-2.0
/*
 * KTAP output: "KTAP version 1", the plan "1..N", one "ok N name" or
 * "not ok N name" per test, diagnostics as "# ...". A failed expectation
 * prints its expression and line so the log alone explains the failure.
 *
 * An open-ended run (a soak: nobody knows up front how many suspends the
 * toolstack will ask for) prints its plan last, as TAP allows: kunit.py
 * accepts a trailing plan, and the harness requires one, so a run cut off
 * early still shows up as incomplete.
 */
#include "test-guest/ktap.h"
#include "test-guest/guest.h"

static unsigned int ktap_number;
static unsigned int ktap_failed;

void ktap_begin(unsigned int planned)
{
	console_printf("KTAP version 1\n1..%u\n", planned);
}

void ktap_begin_open_ended(void)
{
	console_printf("KTAP version 1\n# open-ended: the plan comes last\n");
}

void ktap_end_open_ended(void)
{
	console_printf("1..%u\n", ktap_number);
}

void ktap_diag(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_printf("# %s\n", buf);
}

bool ktap_expect(struct ktap_ctx *ctx, bool cond, const char *expr, int line,
		 const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	if (cond)
		return true;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_printf("# %s: EXPECTATION FAILED at line %d: %s: %s\n",
		       ctx->name, line, expr, buf);
	ctx->failed = true;
	return false;
}

void ktap_skip(struct ktap_ctx *ctx, const char *reason)
{
	ctx->skip_reason = reason;
}

void ktap_report(const char *name, bool ok, const char *skip_reason)
{
	ktap_number++;
	if (!ok)
		ktap_failed++;
	if (skip_reason)
		console_printf("ok %u %s # SKIP %s\n", ktap_number, name,
			       skip_reason);
	else
		console_printf("%s %u %s\n", ok ? "ok" : "not ok", ktap_number,
			       name);
}

bool ktap_run(const char *name, ktap_fn run)
{
	struct ktap_ctx ctx = { .name = name };

	run(&ctx);
	ktap_report(name, !ctx.failed, ctx.failed ? NULL : ctx.skip_reason);
	return !ctx.failed;
}

unsigned int ktap_failures(void)
{
	return ktap_failed;
}

unsigned int ktap_reported(void)
{
	return ktap_number;
}
