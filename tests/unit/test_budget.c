// The budget controller: a pure decision from the last period's costs to duty levels.
#include <criterion/criterion.h>
#include <string.h>
#include "model/budget.h"

static struct model_clock clock_;
static struct budget b;

/* Families: lifecycle (fixed), syscalls (sheddable), sock (fixed). */
static void setup(double limit, double lifecycle, double syscalls, double sock)
{
	budget_init(&b, &clock_, limit);
	budget_add_family(&b, "lifecycle", false);
	budget_add_family(&b, "syscalls", true);
	budget_add_family(&b, "sock", false);
	b.families[0].cost = lifecycle;
	b.families[1].cost = syscalls;
	b.families[2].cost = sock;
	b.cost = lifecycle + syscalls + sock;
}

static int decide(int family)
{
	int levels[BUDGET_MAX_FAMILIES];

	budget_decide(&b, levels);
	return levels[family];
}

/* Feeds the controller a period at @cost for syscalls at its current level. */
static void period(double syscalls_cost_at_full, __u64 now)
{
	int levels[BUDGET_MAX_FAMILIES];

	b.families[1].cost = syscalls_cost_at_full * budget_duty(b.families[1].level);
	b.cost = b.families[0].cost + b.families[1].cost + b.families[2].cost;
	budget_decide(&b, levels);
	budget_apply(&b, levels, now);
}

Test(budget, under_budget_nothing_moves)
{
	setup(0.05, 0.0001, 0.03, 0.01);
	cr_assert_eq(decide(1), 0);
}

Test(budget, over_budget_sheds_just_enough_below_the_target)
{
	/* 0.30 at full: the target is 0.7 x 5 % = 3.5 %, 1 % is fixed: duty <= 0.083 -> 1/16. */
	setup(0.05, 0.0, 0.30, 0.01);
	cr_assert_eq(decide(1), 4);
	cr_assert_leq(0.01 + 0.30 * budget_duty(4), BUDGET_SHED_TARGET * 0.05);
	cr_assert_gt(0.01 + 0.30 * budget_duty(3), BUDGET_SHED_TARGET * 0.05,
		     "one level less would not do");
}

Test(budget, a_shed_family_is_judged_by_its_cost_at_full_duty)
{
	/* At 1/8 it costs 2 %: 16 % at full, 2 % + 1 % fixed is under 5 %: stays. */
	setup(0.05, 0.0, 0.02, 0.01);
	b.families[1].level = 3;
	cr_assert_eq(decide(1), 3);
	/* At 1/8 it costs 4.5 %: over, down to 1/16 (36 % x 1/16 + 1 % = 3.25 %). */
	b.families[1].cost = 0.045;
	b.cost = 0.055;
	cr_assert_eq(decide(1), 4);
}

Test(budget, never_below_the_lowest_level)
{
	setup(0.001, 0.0, 0.90, 0.0);
	cr_assert_eq(decide(1), BUDGET_LEVELS - 1);
}

Test(budget, what_cannot_be_shed_is_reported_over)
{
	int levels[BUDGET_MAX_FAMILIES];

	setup(0.01, 0.0, 0.20, 0.06);
	budget_decide(&b, levels);
	cr_assert_eq(levels[1], BUDGET_LEVELS - 1, "shed as far as it goes");
	budget_apply(&b, levels, 1);
	cr_assert(b.over, "6 %% of requests alone is over 1 %%");
}

Test(budget, costliest_family_first)
{
	int levels[BUDGET_MAX_FAMILIES];

	budget_init(&b, &clock_, 0.05);
	budget_add_family(&b, "cheap", true);
	budget_add_family(&b, "dear", true);
	b.families[0].cost = 0.03;
	b.families[1].cost = 0.20;
	b.cost = 0.23;
	budget_decide(&b, levels);
	/* Shedding the dearer one to 1/64 is enough: 3 % + 20 % / 64 <= 3.5 %. */
	cr_assert_eq(levels[0], 0);
	cr_assert_eq(levels[1], 6);
	/* When shedding the dearest to the bottom is not enough, the next one goes too. */
	b.families[0].cost = 0.045;
	b.cost = 0.245;
	budget_decide(&b, levels);
	cr_assert_eq(levels[1], BUDGET_LEVELS - 1);
	cr_assert_gt(levels[0], 0);
}

Test(budget, restores_only_after_holding_and_well_below)
{
	setup(0.05, 0.0, 0.30, 0.0);
	period(0.30, 1); /* shed */
	cr_assert_eq(b.families[1].level, 4, "0.30 x 1/16 = 1.9 %% <= 3.5 %%, x 1/8 is not");
	cr_assert_eq(b.families[1].sheds, 1);
	/* The load drops at once: held for BUDGET_HOLD_TICKS periods first. */
	for (int i = 0; i < BUDGET_HOLD_TICKS; i++) {
		period(0.001, 2 + i);
		cr_assert_eq(b.families[1].level, 4, "tick %d", i);
	}
	period(0.001, 10);
	cr_assert_eq(b.families[1].level, 0, "restored in one step when full duty fits");
	cr_assert_eq(b.families[1].restores, 1);
}

Test(budget, restores_as_far_as_the_restore_line_allows)
{
	setup(0.05, 0.0, 0.0, 0.0);
	b.families[1].level = 5;
	b.ticks_since_change = BUDGET_HOLD_TICKS;
	/* 8 % at full: up to 3.5 % (0.7 x 5 %) is 1/4 (2 %), not 1/2 (4 %). */
	b.families[1].cost = 0.08 * budget_duty(5);
	b.cost = b.families[1].cost;
	cr_assert_eq(decide(1), 2);
}

Test(budget, a_cost_between_the_lines_holds_still)
{
	setup(0.05, 0.0, 0.0, 0.0);
	b.families[1].level = 2;
	b.ticks_since_change = 10;
	/* 14 % at full: 3.5 % at 1/4, under the budget; at 1/2 over the restore line. */
	b.families[1].cost = 0.035;
	b.cost = 0.035;
	cr_assert_eq(decide(1), 2);
}

Test(budget, caps_hold_without_a_budget)
{
	setup(0, 0.0, 0.5, 0.0);
	cr_assert_eq(decide(1), 0);
	budget_cap(&b, &b.families[1], BUDGET_SERVER_LEVEL, BUDGET_SERVER, 5);
	cr_assert_eq(b.families[1].level, BUDGET_SERVER_LEVEL);
	cr_assert_eq(decide(1), BUDGET_SERVER_LEVEL);
	cr_assert_eq(budget_event_at(&b, 0)->cause, BUDGET_SERVER);
	cr_assert_eq(budget_event_at(&b, 0)->to, BUDGET_SERVER_LEVEL);
}

Test(budget, a_cap_is_a_ceiling_restoring_never_passes)
{
	setup(0.05, 0.0, 0.0, 0.0);
	budget_cap(&b, &b.families[1], BUDGET_SERVER_LEVEL, BUDGET_SERVER, 1);
	b.ticks_since_change = 10;
	b.families[1].cost = 0.0;
	b.cost = 0.0;
	cr_assert_eq(decide(1), BUDGET_SERVER_LEVEL);
}

Test(budget, an_inactive_budget_only_keeps_caps)
{
	setup(0.01, 0.0, 0.5, 0.0);
	b.inactive = "BPF stats off (--no-overhead)";
	cr_assert_eq(decide(1), 0);
}

Test(budget, events_keep_the_newest)
{
	setup(0.05, 0.0, 0.0, 0.0);
	for (int i = 0; i < BUDGET_MAX_EVENTS + 5; i++) {
		int levels[BUDGET_MAX_FAMILIES] = { 0, i % 2 ? 0 : 3, 0 };

		budget_apply(&b, levels, 100 + i);
	}
	cr_assert_eq(b.n_events, BUDGET_MAX_EVENTS + 5);
	cr_assert_eq(budget_events_kept(&b), BUDGET_MAX_EVENTS);
	cr_assert_eq(budget_event_at(&b, 0)->ts_ns, 105);
	cr_assert_eq(budget_event_at(&b, BUDGET_MAX_EVENTS - 1)->ts_ns,
		     100 + BUDGET_MAX_EVENTS + 4);
	cr_assert_null(budget_event_at(&b, BUDGET_MAX_EVENTS));
}

Test(budget, meaning_of_a_window)
{
	char buf[192];

	setup(0.05, 0.0, 0.0, 0.0);
	clock_start(&clock_, 0);
	clock_.now_ns = 4000000000ULL;
	budget_meaning(&b, &b.families[1], WINDOW_TOTAL, buf, sizeof(buf));
	cr_assert_str_eq(buf, "traced in full");
	b.families[1].level = 3;
	b.families[1].shed_ns.now = 3000000000ULL; /* detached 3 s of 4 */
	b.families[1].longest_seen_ns = 62500000;
	cr_assert_float_eq(budget_sampled_share(&b, &b.families[1], WINDOW_TOTAL), 0.25, 1e-9);
	budget_meaning(&b, &b.families[1], WINDOW_TOTAL, buf, sizeof(buf));
	cr_assert_str_eq(buf, "sampled 25.0 % of the time (now 1/8): counts scaled, percentiles "
			      "from samples; calls over 62.5ms not seen while sampled");
}

Test(budget, a_restore_shed_again_soon_holds_longer)
{
	setup(0.05, 0.0, 0.30, 0.0);
	period(0.30, 1); /* shed to 1/16 */
	for (int i = 0; i <= BUDGET_HOLD_TICKS; i++)
		period(0.01, 2 + i);
	cr_assert_eq(b.families[1].level, 0, "restored");
	period(0.30, 10); /* the load was there all along */
	cr_assert_eq(b.families[1].level, 4);
	cr_assert_eq(b.hold, 2 * BUDGET_HOLD_TICKS);
	for (int i = 0; i < 2 * BUDGET_HOLD_TICKS; i++) {
		cr_assert_eq(b.families[1].level, 4, "held at tick %d", i);
		period(0.01, 11 + i);
	}
	period(0.01, 20);
	cr_assert_eq(b.families[1].level, 0);
}
