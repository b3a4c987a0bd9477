// SPDX-License-Identifier: GPL-2.0
/* The resume checks' times, as one console line per cycle. */
#include "test-guest/resume_check_times.h"
#include "test-guest/guest.h"

void check_times_add(struct check_times *t, const char *name, uint64_t ns)
{
	if (t->n >= MAX_TIMED_CHECKS)
		panic("more than %u resume checks to time", MAX_TIMED_CHECKS);
	t->name[t->n] = name;
	t->ns[t->n++] = ns;
}

void check_times_print(const struct check_times *t, unsigned int cycle)
{
	uint64_t total = 0;
	unsigned int i;

	for (i = 0; i < t->n; i++)
		total += t->ns[i];
	console_printf("# pvsr-checks cycle=%u total=%llu", cycle,
		       (unsigned long long)total);
	for (i = 0; i < t->n; i++)
		console_printf(" %s=%llu", t->name[i],
			       (unsigned long long)t->ns[i]);
	console_printf("\n");
}
