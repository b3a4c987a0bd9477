// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: control/shutdown parsing and the acknowledge-once state.
 */
#include <kunit/test.h>

#include "kernel/control.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static size_t len_of(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int parse(const char *s, enum pvsr_control_request *req)
{
	return pvsr_control_parse(s, len_of(s), req);
}

static void control_parses_every_known_value(struct kunit *test)
{
	static const struct {
		const char *value;
		enum pvsr_control_request req;
	} known[] = {
		{ "suspend", PVSR_CONTROL_SUSPEND },
		{ "poweroff", PVSR_CONTROL_POWEROFF },
		{ "halt", PVSR_CONTROL_HALT },
		{ "reboot", PVSR_CONTROL_REBOOT },
	};
	enum pvsr_control_request req;
	unsigned int i;

	for (i = 0; i < COUNT_OF(known); i++) {
		req = PVSR_CONTROL_NONE;
		KUNIT_EXPECT_EQ_MSG(test, parse(known[i].value, &req), 0, "%s",
				    known[i].value);
		KUNIT_EXPECT_EQ_MSG(test, req, known[i].req, "%s",
				    known[i].value);
	}
}

static void control_empty_is_no_request(struct kunit *test)
{
	enum pvsr_control_request req = PVSR_CONTROL_SUSPEND;

	KUNIT_EXPECT_EQ(test, pvsr_control_parse("", 0, &req), 0);
	KUNIT_EXPECT_EQ(test, req, PVSR_CONTROL_NONE);
	req = PVSR_CONTROL_SUSPEND;
	KUNIT_EXPECT_EQ(test, pvsr_control_parse(NULL, 0, &req), 0);
	KUNIT_EXPECT_EQ(test, req, PVSR_CONTROL_NONE);
}

static void control_rejects_unknown_values(struct kunit *test)
{
	static const char *const bad[] = {
		"sleep",     "Suspend",	 "SUSPEND", "suspend\n",
		" suspend",  "suspendx", "suspen",  "s",
		"power off", "crash",	 "reboot ",
	};
	enum pvsr_control_request req;
	unsigned int i;

	for (i = 0; i < COUNT_OF(bad); i++) {
		req = PVSR_CONTROL_SUSPEND;
		KUNIT_EXPECT_EQ_MSG(test, parse(bad[i], &req), -PVSR_E_INVAL,
				    "\"%s\"", bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, req, PVSR_CONTROL_NONE, "\"%s\"",
				    bad[i]);
	}
}

static void control_rejects_overlong_values(struct kunit *test)
{
	static const char longest[] = "suspendsuspendsu"; /* 16 bytes */
	static const char over[] = "suspendsuspendsus"; /* 17 bytes */
	enum pvsr_control_request req;

	KUNIT_ASSERT_EQ(test, len_of(longest), (size_t)PVSR_CONTROL_MAX_LEN);
	KUNIT_EXPECT_EQ(test, parse(longest, &req), -PVSR_E_INVAL);
	KUNIT_EXPECT_EQ(test, parse(over, &req), -PVSR_E_INVAL);
	/* A known prefix does not help an overlong value. */
	KUNIT_EXPECT_EQ(test, pvsr_control_parse("suspend", 4096, &req),
			-PVSR_E_INVAL);
}

static void control_rejects_nul_inside(struct kunit *test)
{
	enum pvsr_control_request req;

	KUNIT_EXPECT_EQ(test, pvsr_control_parse("sus\0pend", 8, &req),
			-PVSR_E_INVAL);
	KUNIT_EXPECT_EQ(test, pvsr_control_parse("suspend\0", 8, &req),
			-PVSR_E_INVAL);
	KUNIT_EXPECT_EQ(test, pvsr_control_parse("\0", 1, &req), -PVSR_E_INVAL);
	/* The length counts, not the terminator: "halt" out of "halted". */
	KUNIT_EXPECT_EQ(test, pvsr_control_parse("halted", 4, &req), 0);
	KUNIT_EXPECT_EQ(test, req, PVSR_CONTROL_HALT);
}

static void control_names_round_trip(struct kunit *test)
{
	enum pvsr_control_request r, req;

	for (r = PVSR_CONTROL_NONE; r < PVSR_CONTROL_COUNT; r++) {
		KUNIT_EXPECT_EQ(test, parse(pvsr_control_name(r), &req), 0);
		KUNIT_EXPECT_EQ(test, req, r);
	}
	KUNIT_EXPECT_STREQ(test, pvsr_control_name(PVSR_CONTROL_COUNT), "?");
}

static void control_accepts_and_clears_when_idle(struct kunit *test)
{
	struct pvsr_control ctl;
	enum pvsr_control_request req;
	bool clear = false;

	pvsr_control_init(&ctl);
	KUNIT_EXPECT_EQ(
		test, pvsr_control_decide(&ctl, "suspend", 7, &req, &clear), 0);
	KUNIT_EXPECT_EQ(test, req, PVSR_CONTROL_SUSPEND);
	KUNIT_EXPECT_TRUE(test, clear);
	KUNIT_EXPECT_FALSE(test, pvsr_control_busy(&ctl));
	KUNIT_EXPECT_EQ(test, pvsr_control_ack(&ctl, req), 0);
	KUNIT_EXPECT_TRUE(test, pvsr_control_busy(&ctl));
	KUNIT_EXPECT_EQ(test, ctl.acked, 1U);
}

static void control_empty_node_is_not_cleared(struct kunit *test)
{
	struct pvsr_control ctl;
	enum pvsr_control_request req;
	bool clear = true;

	pvsr_control_init(&ctl);
	KUNIT_EXPECT_EQ(test, pvsr_control_decide(&ctl, "", 0, &req, &clear),
			0);
	KUNIT_EXPECT_EQ(test, req, PVSR_CONTROL_NONE);
	KUNIT_EXPECT_FALSE(test, clear);
	KUNIT_EXPECT_EQ(test, pvsr_control_ack(&ctl, req), -PVSR_E_INVAL);
	KUNIT_EXPECT_FALSE(test, pvsr_control_busy(&ctl));
}

static void control_unknown_is_reported_not_cleared(struct kunit *test)
{
	struct pvsr_control ctl;
	enum pvsr_control_request req;
	bool clear = true;

	pvsr_control_init(&ctl);
	KUNIT_EXPECT_EQ(test,
			pvsr_control_decide(&ctl, "hibernate", 9, &req, &clear),
			-PVSR_E_INVAL);
	KUNIT_EXPECT_FALSE(test, clear);
	KUNIT_EXPECT_EQ(test, ctl.ignored, 1U);
	KUNIT_EXPECT_FALSE(test, pvsr_control_busy(&ctl));
}

static void control_second_request_during_suspend_is_busy(struct kunit *test)
{
	static const char *const values[] = {
		"suspend",
		"poweroff",
		"halt",
		"reboot",
	};
	struct pvsr_control ctl;
	enum pvsr_control_request req;
	unsigned int i;
	bool clear;

	pvsr_control_init(&ctl);
	KUNIT_ASSERT_EQ(test, pvsr_control_ack(&ctl, PVSR_CONTROL_SUSPEND), 0);
	for (i = 0; i < COUNT_OF(values); i++) {
		clear = true;
		KUNIT_EXPECT_EQ_MSG(test,
				    pvsr_control_decide(&ctl, values[i],
							len_of(values[i]), &req,
							&clear),
				    -PVSR_E_BUSY, "%s", values[i]);
		/* Left in the node, to be handled when the suspend ends. */
		KUNIT_EXPECT_FALSE(test, clear);
	}
	KUNIT_EXPECT_EQ(test, ctl.refused, (unsigned int)COUNT_OF(values));
	KUNIT_EXPECT_EQ(test, ctl.acked, 1U);
}

static void control_acknowledged_exactly_once(struct kunit *test)
{
	struct pvsr_control ctl;
	enum pvsr_control_request req;
	bool clear;

	pvsr_control_init(&ctl);
	/* A retried transaction decides twice: nothing changes until ack. */
	KUNIT_EXPECT_EQ(
		test, pvsr_control_decide(&ctl, "suspend", 7, &req, &clear), 0);
	KUNIT_EXPECT_TRUE(test, clear);
	KUNIT_EXPECT_EQ(
		test, pvsr_control_decide(&ctl, "suspend", 7, &req, &clear), 0);
	KUNIT_EXPECT_TRUE(test, clear);
	KUNIT_EXPECT_EQ(test, pvsr_control_ack(&ctl, req), 0);
	KUNIT_EXPECT_EQ(test, pvsr_control_ack(&ctl, req), -PVSR_E_BUSY);
	KUNIT_EXPECT_EQ(test, ctl.acked, 1U);
}

static void control_done_accepts_again(struct kunit *test)
{
	struct pvsr_control ctl;
	enum pvsr_control_request req;
	unsigned int cycle;
	bool clear;

	pvsr_control_init(&ctl);
	for (cycle = 0; cycle < 3; cycle++) {
		KUNIT_EXPECT_EQ(test,
				pvsr_control_decide(&ctl, "suspend", 7, &req,
						    &clear),
				0);
		KUNIT_EXPECT_TRUE(test, clear);
		KUNIT_EXPECT_EQ(test, pvsr_control_ack(&ctl, req), 0);
		pvsr_control_done(&ctl);
		KUNIT_EXPECT_FALSE(test, pvsr_control_busy(&ctl));
	}
	KUNIT_EXPECT_EQ(test, ctl.acked, 3U);
}

static void control_ack_rejects_bad_requests(struct kunit *test)
{
	struct pvsr_control ctl;

	pvsr_control_init(&ctl);
	KUNIT_EXPECT_EQ(test, pvsr_control_ack(&ctl, PVSR_CONTROL_NONE),
			-PVSR_E_INVAL);
	KUNIT_EXPECT_EQ(test, pvsr_control_ack(&ctl, PVSR_CONTROL_COUNT),
			-PVSR_E_INVAL);
	KUNIT_EXPECT_FALSE(test, pvsr_control_busy(&ctl));
}

static struct kunit_case control_cases[] = {
	KUNIT_CASE(control_parses_every_known_value),
	KUNIT_CASE(control_empty_is_no_request),
	KUNIT_CASE(control_rejects_unknown_values),
	KUNIT_CASE(control_rejects_overlong_values),
	KUNIT_CASE(control_rejects_nul_inside),
	KUNIT_CASE(control_names_round_trip),
	KUNIT_CASE(control_accepts_and_clears_when_idle),
	KUNIT_CASE(control_empty_node_is_not_cleared),
	KUNIT_CASE(control_unknown_is_reported_not_cleared),
	KUNIT_CASE(control_second_request_during_suspend_is_busy),
	KUNIT_CASE(control_acknowledged_exactly_once),
	KUNIT_CASE(control_done_accepts_again),
	KUNIT_CASE(control_ack_rejects_bad_requests),
	{}
};

static struct kunit_suite control_suite = {
	.name = "pvsr_control",
	.test_cases = control_cases,
};
kunit_test_suite(control_suite);
