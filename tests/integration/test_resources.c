// Resource groups against workloads with known CPU, sleep, contention,
// fault, disk and network behaviour (tests/workloads/resload.c).
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "run.h"

INTEGRATION_SUITE(resources);

/*
 * On-CPU time of a 1 s busy loop, against two references the workload
 * prints: the loop's wall time, which one thread's slices cannot exceed
 * (+5 % for exec before the loop and exit after it), and the CPU time the
 * kernel charged it (CLOCK_PROCESS_CPUTIME_ID). Wall time alone is no
 * lower bound: other tests share these 2 CPUs and the burner may get a
 * third of one. The charged time is close but not equal: it leaves out IRQ
 * and hypervisor-stolen time that a switch-in to switch-out slice holds,
 * and on this VM under load on-CPU/charged was seen from 0.90 to 1.29; 15 %
 * below it still catches lost or halved slices.
 */
#define BURN_MS		   1000
#define BURN_BELOW_CHARGED 0.15
#define BURN_ABOVE_WALL	   0.05

/*
 * Off-CPU p50 of 20 ms sleeps against the workload's own median sleep (which
 * includes, like off-CPU time, the wait for a CPU after the wake-up: long on
 * a loaded machine): the histogram's 1.5625 % plus the syscall entry and
 * exit, against 20 ms; 5 % holds both without hiding a wrong bucket or unit.
 */
#define SLEEP_MS	20
#define SLEEP_TOLERANCE 0.05

static const char *resload(const char *args)
{
	return strf("%s %s", workload_bin("resload"), args);
}

/* The snapshot's resources row of the traced command. */
static json_t *target_row(json_t *snap)
{
	long long pid = jint(snap, "targets.0.pid");
	json_t *row = jfind_int(jpath(snap, "resources.processes"), "pid", pid);

	cr_assert(row, "no resources row for pid %lld", pid);
	return row;
}

static json_t *record_json(const char *args, char *const opts[])
{
	char *argv[16] = { "--json" };
	int n = 1;

	for (; opts && opts[n - 1] && n < 15; n++)
		argv[n] = opts[n - 1];
	argv[n] = NULL;
	return snapshot_of(record_command(resload(args), argv));
}

static bool has_program(json_t *snap, const char *name)
{
	return jfind_str(jpath(snap, "overhead.programs"), "name", name) != NULL;
}

static long long reported(const struct proc *p, const char *key)
{
	const char *at = strstr(p->err.data, key);

	cr_assert(at, "no '%s' in stderr:\n%s", key, p->err.data);
	return strtoll(at + strlen(key), NULL, 10);
}

Test(resources, cpu_burner_on_cpu_matches_busy_loop)
{
	struct proc *p = record_command(resload(strf("burn %d", BURN_MS)),
					(char *[]){ "--json", "--sched", NULL });
	json_t *snap = snapshot_of(p), *row = target_row(snap);
	long long on = jint(row, "cpu.on_cpu_ns");
	long long cpu = reported(p, "cpu_ns "), wall = reported(p, "wall_ns ");

	cr_assert(wall >= BURN_MS * 1000000LL);
	cr_assert(on >= cpu * (1 - BURN_BELOW_CHARGED),
		  "on-CPU %lld ns, less than the %lld ns the kernel charged (-%.0f%%)", on, cpu,
		  BURN_BELOW_CHARGED * 100);
	cr_assert(on <= wall * (1 + BURN_ABOVE_WALL),
		  "on-CPU %lld ns, more than the loop's wall time %lld ns (+%.0f%%)", on, wall,
		  BURN_ABOVE_WALL * 100);
	fprintf(stderr,
		"resources: burner on-CPU %.0f%% of one CPU over its busy loop, %.2f x the CPU time charged\n",
		100.0 * on / wall, (double)on / cpu);
	/* The overhead section carries the sched group's programs and total. */
	cr_assert(has_program(snap, "sched_switch"));
	cr_assert(has_program(snap, "sched_wakeup"));
	cr_assert(json_is_number(jpath(snap, "overhead.families.sched.cpu_share")));
	json_decref(snap);
}

Test(resources, sleeper_off_cpu_p50_is_the_sleep)
{
	struct proc *p = record_command(resload(strf("sleep 21 %d", SLEEP_MS)),
					(char *[]){ "--json", "--sched", NULL });
	json_t *snap = snapshot_of(p), *row = target_row(snap);
	long long p50 = jint(row, "cpu.off_cpu.p50_ns");
	long long median = reported(p, "median_ns ");

	cr_assert_geq(median, SLEEP_MS * 1000000LL);
	/* 21 sleeps, and the workload's final 200 ms pause. */
	cr_assert_geq(jint(row, "cpu.off_cpu.count"), 21);
	cr_assert(llabs(p50 - median) <= median * SLEEP_TOLERANCE,
		  "off-CPU p50 %lld ns, the workload's median sleep %lld ns (within %.0f%%)", p50,
		  median, SLEEP_TOLERANCE * 100);
	cr_assert_geq(jint(row, "cpu.voluntary_switches"), 21);
	json_decref(snap);
}

/* Two spinning threads on one CPU wait for each other in its run queue. */
Test(resources, pinned_threads_wait_in_run_queue)
{
	json_t *snap = record_json("contend 300", (char *[]){ "--sched", NULL });
	json_t *row = target_row(snap);

	cr_assert_gt(jint(row, "cpu.run_queue.count"), 0);
	cr_assert_gt(jint(row, "cpu.run_queue.p50_ns"), 0);
	cr_assert_gt(jint(row, "cpu.involuntary_switches"), 0);
	json_decref(snap);
}

Test(resources, fresh_pages_fault)
{
	const int pages = 4096;
	json_t *snap = record_json(strf("touch %d", pages), (char *[]){ "--faults", NULL });
	json_t *row = target_row(snap);

	cr_assert_geq(jint(row, "faults.user"), pages, "%lld user-mode faults for %d fresh pages",
		      jint(row, "faults.user"), pages);
	cr_assert_geq(jint(row, "memory.minor_faults"), pages,
		      "/proc: %lld minor faults for %d fresh pages",
		      jint(row, "memory.minor_faults"), pages);
	cr_assert(has_program(snap, "fault_user"));
	json_decref(snap);
}

static bool on_block_device(const char *dir)
{
	struct stat st;

	if (stat(dir, &st))
		return false;
	return access(strf("/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev)), F_OK) == 0;
}

static void run_ok(char *const argv[])
{
	assert_exit(run_command(argv, RUN_TIMEOUT_S), 0);
}

static const char *loop_dev;
static const char *loop_mnt;

/* An ext4 file system on a loop device over a 32 MB image, mounted. */
static const char *mount_loop_fs(void)
{
	const char *dir = temp_dir(), *img = strf("%s/disk.img", dir);
	struct proc *p;

	loop_mnt = strf("%s/mnt", dir);
	cr_assert_eq(mkdir(loop_mnt, 0700), 0);
	run_ok((char *[]){ "truncate", "-s", "32M", (char *)img, NULL });
	p = run_command((char *[]){ "losetup", "-f", "--show", (char *)img, NULL }, RUN_TIMEOUT_S);
	assert_exit(p, 0);
	loop_dev = strf("%.*s", (int)strcspn(p->out.data, "\n"), p->out.data);
	run_ok((char *[]){ "mkfs.ext4", "-q", (char *)loop_dev, NULL });
	run_ok((char *[]){ "mount", (char *)loop_dev, (char *)loop_mnt, NULL });
	return loop_mnt;
}

static void unmount_loop_fs(void)
{
	if (loop_mnt)
		run_command((char *[]){ "umount", (char *)loop_mnt, NULL }, RUN_TIMEOUT_S);
	if (loop_dev)
		run_command((char *[]){ "losetup", "-d", (char *)loop_dev, NULL }, RUN_TIMEOUT_S);
	loop_mnt = loop_dev = NULL;
}

Test(resources, direct_writes_reach_the_disk, .fini = unmount_loop_fs)
{
	const long kib = 1024;
	const char *tmp = temp_dir(), *dir = tmp;
	json_t *snap, *row;

	/* RESOURCES_FORCE_LOOP=1 exercises the loop-device path on any machine. */
	if (on_block_device(tmp) && !getenv("RESOURCES_FORCE_LOOP")) {
		fprintf(stderr, "resources: block test writes to %s (on a block device)\n", dir);
	} else {
		dir = mount_loop_fs();
		fprintf(stderr,
			"resources: %s is not on a block device (or RESOURCES_FORCE_LOOP is set); block test uses %s on %s\n",
			tmp, dir, loop_dev);
	}
	snap = record_json(strf("write %s %ld", dir, kib), NULL);
	row = target_row(snap);
	/* O_DIRECT: at least the data itself, in 4 KiB writes or merged ones. */
	cr_assert_geq(jint(row, "disk.write_bytes"), kib * 1024, "%lld bytes written for %ld KiB",
		      jint(row, "disk.write_bytes"), kib);
	cr_assert_gt(jint(row, "disk.writes"), 0);
	cr_assert_gt(jint(row, "disk.latency.count"), 0);
	cr_assert_gt(jint(row, "disk.latency.p50_ns"), 0);
	cr_assert_eq(jint(row, "disk.errors"), 0);
	json_decref(snap);
}

/* Client and server ends are both in the workload: each side counts K. */
static void assert_connections_counted(json_t *snap, int k)
{
	json_t *row = target_row(snap);

	cr_assert_eq(jint(row, "net.tcp.active_opens"), k);
	cr_assert_eq(jint(row, "net.tcp.passive_opens"), k);
	/* The client closes first (local), the server after its EOF (remote). */
	cr_assert_eq(jint(row, "net.tcp.local_closes"), k);
	cr_assert_eq(jint(row, "net.tcp.remote_closes"), k);
	cr_assert_eq(jint(row, "net.tcp.aborts"), 0);
	cr_assert_eq(jint(row, "net.tcp.connect_failures"), 0);
	cr_assert_eq(jint(row, "net.tcp.connect.count"), k);
	cr_assert_gt(jint(row, "net.tcp.connect.p50_ns"), 0);
	cr_assert_eq(jint(row, "net.tcp.resets_sent"), 0);
	cr_assert_eq(jint(row, "net.tcp.resets_received"), 0);
	/* No payload: EOF reads move no bytes. */
	cr_assert_eq(jint(row, "net.bytes_sent"), 0);
	cr_assert_eq(jint(row, "net.bytes_received"), 0);
}

Test(resources, loopback_connections_counted_exactly)
{
	const int k = 25;
	json_t *snap = record_json(strf("connect %d", k), NULL);

	assert_connections_counted(snap, k);
	json_decref(snap);
}

/*
 * Net shares its socket programs with request tracking; with that off,
 * the same programs (its part alone) count the same.
 */
Test(resources, net_alone_counts_the_same)
{
	const int k = 25;
	const long bytes = 3000001;
	json_t *snap = record_json(strf("connect %d", k), (char *[]){ "--no-requests", NULL });
	json_t *row;

	assert_connections_counted(snap, k);
	json_decref(snap);
	snap = record_json(strf("transfer %ld", bytes), (char *[]){ "--no-requests", NULL });
	row = target_row(snap);
	cr_assert_eq(jint(row, "net.bytes_sent"), bytes);
	cr_assert_eq(jint(row, "net.bytes_received"), bytes);
	cr_assert_eq(json_array_size(jpath(snap, "requests.servers")), 0);
	json_decref(snap);
}

Test(resources, loopback_transfer_bytes_exact)
{
	const long bytes = 3000001;
	json_t *snap = record_json(strf("transfer %ld", bytes), NULL);
	json_t *row = target_row(snap);

	cr_assert_eq(jint(row, "net.bytes_sent"), bytes);
	cr_assert_eq(jint(row, "net.bytes_received"), bytes);
	cr_assert_eq(jint(row, "net.tcp.active_opens"), 1);
	cr_assert_eq(jint(row, "net.tcp.passive_opens"), 1);
	cr_assert(has_program(snap, "net_retransmit"));
	json_decref(snap);
}

/* A group switched off loads no programs and leaves its key out. */
Test(resources, groups_switch_off)
{
	json_t *snap = record_json("transfer 1000", (char *[]){ "--no-net", "--no-block", NULL });
	json_t *row = target_row(snap);

	cr_assert(json_is_false(jpath(snap, "resources.groups.net")));
	cr_assert(json_is_false(jpath(snap, "resources.groups.block")));
	cr_assert(json_is_false(jpath(snap, "resources.groups.sched")), "sched is opt-in");
	cr_assert_null(jpath(row, "net"));
	cr_assert_null(jpath(row, "disk"));
	cr_assert_null(jpath(row, "cpu"));
	/* /proc figures need no probe. */
	cr_assert_geq(jint(row, "memory.threads"), 1);
	cr_assert_not(has_program(snap, "net_retransmit"));
	cr_assert_not(has_program(snap, "block_issue"));
	cr_assert_not_null(jpath(snap, "overhead.families.sock"), "requests still tracked");
	cr_assert_null(jpath(snap, "overhead.families.block"));
	cr_assert_not_null(jpath(snap, "overhead.families.syscalls"));
	json_decref(snap);
}

Test(resources, text_report_has_the_section)
{
	struct proc *p = record_command(resload("transfer 100000"), (char *[]){ "--sched", NULL });

	assert_exit(p, 0);
	cr_assert(strstr(p->out.data, "resources (groups: sched block net; off: --faults)"),
		  "no resources header in:\n%s", p->out.data);
	cr_assert(strstr(p->out.data, "net: sent 97.7KB in"), "stdout:\n%s", p->out.data);
	cr_assert(strstr(p->out.data, "tcp: opened 1 active, 1 passive"), "stdout:\n%s",
		  p->out.data);
	cr_assert(strstr(p->out.data, "sched_switch"), "no sched cost in:\n%s", p->out.data);
	cr_assert(strstr(p->out.data, "by probe family: lifecycle"), "no family costs in:\n%s",
		  p->out.data);
}
