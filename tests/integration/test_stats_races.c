// Races between CPUs creating the same statistics entry are no loss: two
// threads on two CPUs make the same failing syscall at the same moment, for
// 32 syscalls, so each (syscall, errno) entry is created by two CPUs at
// once. Before the fix, about 25 of those 32 races counted in
// stats_map_full ("samples not aggregated") and lost an errno each.
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"

INTEGRATION_SUITE(stats_races);

/* The syscall numbers errno_race printed ("nrs 1,5,8,..."), on stderr under --json. */
static int raced_nrs(const struct proc *tracer, long nrs[], int max)
{
	const char *list = strstr(tracer->err.data, "nrs ");
	char *end;
	int n = 0;

	cr_assert(list, "errno_race printed no syscall list; stderr:\n%s", tracer->err.data);
	for (list += 4; n < max; list = end + 1) {
		nrs[n++] = strtol(list, &end, 10);
		if (*end != ',')
			break;
	}
	return n;
}

static json_t *syscall_by_nr(json_t *snap, long nr)
{
	const char *name;
	json_t *row;

	json_object_foreach (jpath(snap, "syscalls"), name, row)
		if (json_integer_value(json_object_get(row, "nr")) == nr)
			return row;
	return NULL;
}

Test(stats_races, first_errno_on_two_cpus_at_once)
{
	struct proc *tracer =
		record_command(workload_bin("errno_race"), (char *[]){ "--json", NULL });
	json_t *snap = snapshot_of(tracer);
	long nrs[64];
	int n = raced_nrs(tracer, nrs, 64);

	cr_assert_eq(n, 32, "errno_race lists %d syscalls", n);
	cr_assert_eq(jint(snap, "overhead.ringbuf.stats_map_full"), 0,
		     "races between CPUs were counted as a full map");
	for (int i = 0; i < n; i++) {
		json_t *row = syscall_by_nr(snap, nrs[i]);
		json_t *ebadf = jfind_str(jpath(row, "top_errnos"), "name", "EBADF");

		cr_assert(row, "syscall %ld missing from the snapshot", nrs[i]);
		cr_assert_eq(jint(row, "errors"), 2, "syscall %ld", nrs[i]);
		cr_assert(ebadf, "syscall %ld: its EBADF errors were lost", nrs[i]);
		cr_assert_eq(jint(ebadf, "count"), 2, "syscall %ld: an EBADF was lost", nrs[i]);
	}
	json_decref(snap);
}
