// SPDX-License-Identifier: GPL-2.0
/*
 * wallgap: the Linux domU's own view of its downtime, for
 * scripts/bench --compare-linux (built on the host with gcc -static and
 * put into the domU's ramdisk by linux_domu.py).
 *
 * It reads CLOCK_REALTIME about every millisecond (a 1 ms wait between
 * reads, so it does not take a whole vCPU from the toolstack) and keeps the
 * largest gap between two reads. On SIGUSR1 it prints
 *   # linux-downtime cycle=K max_gap_ns=G gap_start_ns=S gap_end_ns=E
 * (K read from the file named on its command line, S and E the wall-clock
 * reads around the gap) and starts over. The domU's /init sends SIGUSR1
 * after it saw resume K in the kernel log, so G is the longest stretch of
 * wall-clock time, since the previous report, in which this user-space
 * process did not run: the suspend's, with about 1 ms of resolution.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static long long wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long read_cycle(const char *path)
{
	FILE *f = fopen(path, "r");
	long k = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &k) != 1)
		k = -1;
	fclose(f);
	return k;
}

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 1000000 };
	long long prev, now, gap, max_gap = 0, max_start = 0, max_end = 0;
	sigset_t usr1;

	if (argc != 2) {
		fprintf(stderr, "usage: wallgap CYCLE-FILE\n");
		return 2;
	}
	/* SIGUSR1 stays blocked: the 1 ms wait is also the wait for it. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	prev = wall_ns();
	for (;;) {
		int sig = sigtimedwait(&usr1, NULL, &tick);

		now = wall_ns();
		gap = now - prev;
		if (gap > max_gap) {
			max_gap = gap;
			max_start = prev;
			max_end = now;
		}
		prev = now;
		if (sig == SIGUSR1) {
			printf("# linux-downtime cycle=%ld max_gap_ns=%lld gap_start_ns=%lld gap_end_ns=%lld\n",
			       read_cycle(argv[1]), max_gap, max_start,
			       max_end);
			max_gap = 0;
		}
	}
}
