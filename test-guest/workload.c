// SPDX-License-Identifier: GPL-2.0
/*
 * The always-on workloads (see workload.h).
 */
#include "test-guest/workload.h"
#include "test-guest/events.h"
#include "test-guest/smp.h"
#include "test-guest/time.h"
#include "test-guest/user_task.h"
#include "test-guest/scenario.h"

#define MEM_WORDS 4096 /* 32 KiB per vCPU */
#define MEM_EVERY_TICKS 8
#define DOORBELL_RETRY_TICKS 20

struct workload_cpu {
	/* Written by the left neighbour (its ping) ... */
	uint64_t ping_mailbox;
	/* ... and by the right neighbour (its answer). */
	uint64_t pong_mailbox;
	uint64_t ping_sent;
	uint64_t ticks_since_send;
	struct workload_stats stats;
	uint64_t mem_checksum;
	uint64_t mem_seed;
} __aligned(64);

static struct workload_cpu workload[GUEST_MAX_VCPUS];
static uint64_t workload_mem[GUEST_MAX_VCPUS][MEM_WORDS];

static unsigned int right_of(unsigned int cpu)
{
	return (cpu + 1) % guest_nr_online;
}

static unsigned int left_of(unsigned int cpu)
{
	return (cpu + guest_nr_online - 1) % guest_nr_online;
}

static uint64_t xorshift(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static uint64_t mem_sum(const uint64_t *mem)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < MEM_WORDS; i++)
		sum = (sum ^ mem[i]) * 0x100000001b3ULL;
	return sum;
}

static void mem_round(unsigned int cpu)
{
	struct workload_cpu *w = &workload[cpu];
	uint64_t *mem = workload_mem[cpu];
	uint64_t seed;
	unsigned int i;

	if (w->stats.mem_rounds && mem_sum(mem) != w->mem_checksum)
		w->stats.mem_errors++;
	seed = w->mem_seed = (w->mem_seed * 6364136223846793005ULL) + cpu + 1;
	seed |= 1;
	for (i = 0; i < MEM_WORDS; i++)
		mem[i] = xorshift(&seed);
	w->mem_checksum = mem_sum(mem);
	w->stats.mem_rounds++;
}

static void send_ping(unsigned int cpu)
{
	struct workload_cpu *w = &workload[cpu];
	unsigned int right = right_of(cpu);

	__atomic_store_n(&workload[right].ping_mailbox, w->ping_sent,
			 __ATOMIC_RELEASE);
	w->ticks_since_send = 0;
	events_send_ipi(right, IPI_PING);
}

#ifdef PVSR_SELFTEST_LOSE_IPI_AFTER
/*
 * Self-test (scripts/harness selftest --e2e, scripts/soak): once cycle
 * PVSR_SELFTEST_LOSE_IPI_AFTER + 1 has begun, vCPU 1 loses one ping for
 * good: it counts it sent and answered, but it never reaches its
 * neighbour, which sees the sequence jump (that cycle's ipi_sequence).
 */
static void lose_one_ping(unsigned int cpu, struct workload_cpu *w)
{
	static bool lost;

	if (cpu != 1 || lost ||
	    scenario_cycles_done() <= PVSR_SELFTEST_LOSE_IPI_AFTER)
		return;
	lost = true;
	w->ping_sent++;
	w->stats.pings_acked++;
}
#else
static void lose_one_ping(unsigned int cpu, struct workload_cpu *w)
{
	(void)cpu;
	(void)w;
}
#endif

/* As initiator: next ping once the last one was answered. */
static void ping_tick(unsigned int cpu)
{
	struct workload_cpu *w = &workload[cpu];

	/* A vCPU brought up late is not in the ring the others ping. */
	if (cpu >= guest_nr_online)
		return;
	if (w->ping_sent == w->stats.pings_acked) {
		lose_one_ping(cpu, w);
		w->ping_sent++;
		send_ping(cpu);
	} else if (++w->ticks_since_send >= DOORBELL_RETRY_TICKS) {
		/* Same number again: only the doorbell may have been lost. */
		send_ping(cpu);
	}
}

void workload_ping_event(void)
{
	unsigned int cpu = this_cpu()->id;
	struct workload_cpu *w = &workload[cpu];
	uint64_t seq = __atomic_load_n(&w->ping_mailbox, __ATOMIC_ACQUIRE);
	unsigned int left = left_of(cpu);

	if (seq == w->stats.pings_seen + 1) {
		w->stats.pings_seen = seq;
	} else if (seq != w->stats.pings_seen) {
		w->stats.seq_errors++;
		w->stats.pings_seen = seq;
	}
	/* Answer (again, if the doorbell was a retry) with what we saw. */
	if (seq) {
		__atomic_store_n(&workload[left].pong_mailbox, seq,
				 __ATOMIC_RELEASE);
		events_send_ipi(left, IPI_PONG);
	}
}

void workload_pong_event(void)
{
	struct workload_cpu *w = &workload[this_cpu()->id];
	uint64_t seq = __atomic_load_n(&w->pong_mailbox, __ATOMIC_ACQUIRE);

	if (seq == w->ping_sent && seq == w->stats.pings_acked + 1)
		w->stats.pings_acked = seq;
	else if (seq > w->ping_sent || seq < w->stats.pings_acked)
		w->stats.seq_errors++;
}

static void identity_check(unsigned int cpu)
{
	struct guest_cpu *me = this_cpu();
	unsigned long sp = (unsigned long)__builtin_frame_address(0);

	bool own_stack = sp <= me->stack_top &&
			 sp >= me->stack_top - GUEST_STACK_SIZE;

	/* A tick taken in user mode runs on the task's kernel stack. */
	if (me != &guest_cpus[cpu] ||
	    !(own_stack || utask_on_task_stack(cpu, sp)))
		workload[cpu].stats.identity_errors++;
}

void workload_timer_event(void)
{
	unsigned int cpu = this_cpu()->id;
	struct workload_cpu *w = &workload[cpu];

	w->stats.ticks++;
	identity_check(cpu);
	ping_tick(cpu);
	if (w->stats.ticks % MEM_EVERY_TICKS == 0)
		mem_round(cpu);
	w->stats.last_now = time_raw_ns();
	timer_arm_in(WORKLOAD_TICK_NS);
}

void workload_cpu_start(void)
{
	long rc;

	mem_round(this_cpu()->id);
	rc = timer_arm_in(WORKLOAD_TICK_NS);
	if (rc)
		panic("set_timer_op on vCPU %u failed: %ld", this_cpu()->id,
		      rc);
}

void workload_snapshot(unsigned int cpu, struct workload_stats *out)
{
	*out = workload[cpu].stats;
}
