// A ring buffer too small for the event rate: records drop, and every drop
// is counted, while the in-kernel aggregates stay exact.
#include <criterion/criterion.h>
#include "run.h"

INTEGRATION_SUITE(ringbuf);

static long long sum_syscall_counts(json_t *snap)
{
	json_t *row;
	const char *name;
	long long sum = 0;

	json_object_foreach (jpath(snap, "syscalls"), name, row)
		sum += jint(row, "count");
	return sum;
}

/*
 * With --slow 1ns every counted syscall tries to reserve one record, and so
 * do the exec and the exit of the -c target (no fork: sysload getppid does
 * not fork). record_reserve() counts each failed reservation once, so:
 *
 *   sum of syscall counts + 2 process events == records + dropped
 *   records == slow_syscalls.reported + process_events.total
 *
 * This holds only if no stats entry was lost (a call missing from the
 * counts can still reserve a record), hence the stats_map_full check.
 */
Test(ringbuf, drops_counted_and_counts_exact)
{
	struct proc *tracer = record_command(sysload_cmd("getppid 100000"),
					     (char *[]){ "--ringbuf-size", "4K", "--slow", "1ns",
							 "--json", NULL });
	json_t *snap = snapshot_of(tracer);
	long long records = jint(snap, "overhead.ringbuf.records");
	long long dropped = jint(snap, "overhead.ringbuf.dropped");
	long long reported = jint(snap, "slow_syscalls.reported");
	long long proc_events = jint(snap, "process_events.total");

	cr_assert_eq(jint(snap, "syscalls.getppid.count"), 100000);
	cr_assert(dropped > 0, "a 4K ring buffer took 100000 records without a drop");
	cr_assert_eq(jint(snap, "overhead.ringbuf.stats_map_full"), 0);
	cr_assert_eq(records, reported + proc_events,
		     "records %lld != slow %lld + process events %lld", records, reported,
		     proc_events);
	cr_assert_eq(sum_syscall_counts(snap) + 2, records + dropped,
		     "syscalls %lld + 2 process events != records %lld + dropped %lld",
		     sum_syscall_counts(snap), records, dropped);
	json_decref(snap);
}
