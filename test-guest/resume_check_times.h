/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How long each resume check took (guest clock), printed after the last
 * one as "# pvsr-checks cycle=K total=NS <check>=NS ...". The guest takes
 * no suspend request while its checks run, so under xl remus their sum
 * bounds the checkpoint rate; scripts/bench prints their medians.
 */
#ifndef PVSR_TEST_GUEST_RESUME_CHECK_TIMES_H
#define PVSR_TEST_GUEST_RESUME_CHECK_TIMES_H

#include <stdint.h>

#define MAX_TIMED_CHECKS 24

struct check_times {
	unsigned int n;
	const char *name[MAX_TIMED_CHECKS];
	uint64_t ns[MAX_TIMED_CHECKS];
};

/* name must outlive the print (a string literal or table entry). */
void check_times_add(struct check_times *t, const char *name, uint64_t ns);
void check_times_print(const struct check_times *t, unsigned int cycle);

#endif /* PVSR_TEST_GUEST_RESUME_CHECK_TIMES_H */
