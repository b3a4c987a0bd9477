// SPDX-License-Identifier: GPL-2.0
/* Wall-clock stamps around the quiesced window: see downtime.h. */
#include "test-guest/downtime.h"
#include "test-guest/guest.h"
#include "test-guest/time.h"

static uint64_t wall_park_ns;
static uint64_t wall_release_ns;

static int stamp_park(void *data)
{
	(void)data;
	wall_park_ns = time_wallclock_ns();
	wall_release_ns = 0;
	return 0;
}

/*
 * After a resume into a new domain, shared_info's wall clock is the new
 * host's: the difference is what a clock on the wall saw go by.
 */
static void stamp_release(void *data, enum pvsr_resume_kind kind)
{
	(void)data;
	(void)kind;
	wall_release_ns = time_wallclock_ns();
}

const struct pvsr_hook downtime_hook = {
	.name = "downtime",
	.prepare = stamp_park,
	.complete = stamp_release,
};

void downtime_print(unsigned int cycle)
{
	console_printf(
		"# pvsr-downtime cycle=%u wall_park_ns=%llu wall_release_ns=%llu\n",
		cycle, (unsigned long long)wall_park_ns,
		(unsigned long long)wall_release_ns);
}
