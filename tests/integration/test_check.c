// check, --alert and diff against real traces of workloads with known
// latency: sleeps of a few milliseconds (glibc's nanosleep() is the
// clock_nanosleep syscall on Debian 12).
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "run.h"

INTEGRATION_SUITE(check);

#define SLEEP "syscalls.clock_nanosleep"

/* latscope check -c CMD ARGS... (NULL-terminated), run to completion. */
static struct proc *check_command(const char *cmd, char *const args[])
{
	char *argv[32] = { (char *)latscope_bin(), "check", "-c", (char *)cmd };
	int n = 4;

	for (int i = 0; args[i]; i++) {
		cr_assert(n < 31);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	return run_command(argv, RUN_TIMEOUT_S);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert(f && fputs(text, f) >= 0 && !fclose(f), "cannot write %s", path);
}

/*
 * The source tree: $LATSCOPE is SOURCE/<build dir>/latscope (build/ or
 * build-san/), so the tree is two components up.
 */
static const char *source_dir(void)
{
	const char *bin = latscope_bin(), *base = strrchr(bin, '/'), *dir = base;

	while (dir && dir > bin && *--dir != '/')
		;
	cr_assert(dir && dir > bin && *dir == '/', "LATSCOPE=%s is not SOURCE/BUILD/latscope", bin);
	return strf("%.*s", (int)(dir - bin), bin);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[65536];
	size_t n;

	cr_assert(f, "cannot read %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/*
 * 40 sleeps of 2 ms: a requirement it meets (exit 0, verdicts in the
 * snapshot), one it misses (exit 1), and the saved snapshot judged again.
 */
Test(check, live_pass_fail_and_saved_snapshot)
{
	const char *dir = temp_dir();
	const char *snap_path = strf("%s/snap.json", dir), *xml = strf("%s/r.xml", dir);
	struct proc *p;
	json_t *snap;

	p = check_command(sysload_cmd("sleep 40 2"),
			  (char *[]){ "--assert", SLEEP ".count == 40", "--assert",
				      SLEEP ".p50 < 50ms and " SLEEP ".p50 >= 2ms", "-o",
				      (char *)snap_path, "--junit", (char *)xml, NULL });
	assert_exit(p, 0);
	cr_assert(strstr(p->out.data, "2 of 2 requirements met: PASS"), "%s", p->out.data);
	snap = json_parse_file(snap_path);
	cr_assert_eq(jint(snap, "checks.passed"), 2);
	cr_assert_eq(jint(snap, "checks.failed"), 0);
	cr_assert_str_eq(jstr(snap, "checks.results.0.verdict"), "pass");
	cr_assert_eq(json_number_value(jpath(snap, "checks.results.0.measured")), 40);
	cr_assert_str_eq(jstr(snap, "checks.results.1.unit"), "ns");
	json_decref(snap);
	cr_assert(strstr(read_file(xml), "tests=\"2\" failures=\"0\""), "%s", read_file(xml));

	/* A 2 ms sleep never returns within 1 ms: exit 1, and JUnit says so. */
	p = check_command(sysload_cmd("sleep 40 2"),
			  (char *[]){ "--assert", SLEEP ".count == 40", "--assert",
				      SLEEP ".p50 < 1ms", "--junit", (char *)xml, NULL });
	assert_exit(p, 1);
	cr_assert(strstr(p->out.data, "1 of 2 requirements met"), "%s", p->out.data);
	cr_assert(strstr(read_file(xml), "tests=\"2\" failures=\"1\""), "%s", read_file(xml));
	cr_assert(strstr(p->out.data, "1 of 2 requirements met: FAIL"), "%s", p->out.data);
	/* Valid against the Jenkins xUnit plugin's JUnit schema, as CI servers check it. */
	p = run_command((char *[]){ "xmllint", "--noout", "--schema",
				    (char *)strf("%s/tests/junit/junit-10.xsd", source_dir()),
				    (char *)xml, NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 0);

	/* The same requirements on the saved snapshot, without tracing. */
	p = run_command((char *[]){ (char *)latscope_bin(), "check", "--snapshot",
				    (char *)snap_path, "--assert", SLEEP ".p50 < 1ms", NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 1);
	p = run_command((char *[]){ (char *)latscope_bin(), "check", "--snapshot",
				    (char *)snap_path, "--assert", SLEEP ".count == 40", "--assert",
				    "syscalls.getppid.count == 0", NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 0); /* getppid never ran: a count of 0, absence asserted */
	p = run_command((char *[]){ (char *)latscope_bin(), "check", "--snapshot",
				    (char *)snap_path, "--assert", "syscalls.getppid.p99 < 1ms",
				    NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 1); /* but a percentile of nothing is no data, which fails */
	cr_assert(strstr(p->out.data, "no data"), "%s", p->out.data);
}

Test(check, requirements_file)
{
	const char *dir = temp_dir();
	const char *req = strf("%s/perf.txt", dir), *bad = strf("%s/bad.txt", dir);
	struct proc *p;

	write_file(req, "# requirements of the sleeper\n"
			"sleep count: " SLEEP ".count == 30     # exact\n"
			"sleep p99:   " SLEEP ".p99 < 50ms\n"
			"\n"
			"no errors:   " SLEEP ".error_rate < 1%\n"
			"too fast:    " SLEEP ".max < 1ms\n");
	p = check_command(sysload_cmd("sleep 30 2"),
			  (char *[]){ "--requirements", (char *)req, NULL });
	assert_exit(p, 1);
	cr_assert(strstr(p->out.data, "3 of 4 requirements met"), "%s", p->out.data);
	cr_assert(strstr(p->out.data, "too fast"), "%s", p->out.data);
	cr_assert(strstr(p->out.data, "sleep count"), "%s", p->out.data);

	/* A mistake is a usage error (exit 2) naming file, line and column. */
	write_file(bad, "ok: 1 < 2\nslow: " SLEEP ".p99 < 50 ms\n");
	p = check_command(sysload_cmd("sleep 1 1"),
			  (char *[]){ "--requirements", (char *)bad, NULL });
	assert_exit(p, 2);
	cr_assert(strstr(p->err.data, "bad.txt:2: column 41: no space before a unit: write 50ms"),
		  "%s", p->err.data);
}

static long long iso_ms(const char *iso)
{
	int h, m;
	double s;

	cr_assert_eq(sscanf(strchr(iso, 'T') + 1, "%d:%d:%lfZ", &h, &m, &s), 3, "%s", iso);
	return (h * 3600 + m * 60) * 1000LL + (long long)(s * 1000);
}

/*
 * 5 ms sleeps for ~1 s, 60 ms sleeps for 2.4 s, 5 ms sleeps for ~2 s: the
 * alert breaches once (in the second or third tick) and recovers once.
 */
Test(check, alert_fires_and_recovers)
{
	struct proc *p =
		record_command(strf("%s 5 60 200 40 400", workload_bin("phases")),
			       (char *[]){ "--alert", SLEEP ".p99 < 20ms", "--json", NULL });
	json_t *snap = snapshot_of(p);
	long long breach, recovery;

	cr_assert_eq(jint(snap, "alerts.total_events"), 2, "%s", p->err.data);
	cr_assert_str_eq(jstr(snap, "alerts.events.0.type"), "breach");
	cr_assert_str_eq(jstr(snap, "alerts.events.1.type"), "recovery");
	cr_assert_str_eq(jstr(snap, "alerts.rules.0.state"), "ok");
	cr_assert_eq(jint(snap, "alerts.rules.0.breaches"), 1);
	breach = iso_ms(jstr(snap, "alerts.events.0.time"));
	recovery = iso_ms(jstr(snap, "alerts.events.1.time"));
	cr_assert(breach >= iso_ms(jstr(snap, "time.start")) + 900,
		  "the first second is all fast sleeps");
	cr_assert(recovery - breach >= 1900, "the slow phase lasts 2.4 s: %lld ms",
		  recovery - breach);
	cr_assert(recovery <= iso_ms(jstr(snap, "time.end")));
	cr_assert(strstr(p->err.data, "BREACH " SLEEP ".p99 < 20ms: "), "%s", p->err.data);
	cr_assert(strstr(p->err.data, "RECOVERED " SLEEP ".p99 < 20ms: "), "%s", p->err.data);
	json_decref(snap);
}

/* The same 2 ms sleeper, then slowed to 4 ms: diff flags the regression. */
Test(check, diff_flags_a_slowed_run)
{
	const char *dir = temp_dir();
	const char *base = strf("%s/base.json", dir), *slow = strf("%s/slow.json", dir);
	char *const diff_json[] = {
		(char *)latscope_bin(), "diff", (char *)base, (char *)slow, "--json",
		"--include-idle",	NULL
	};
	struct proc *p;
	json_t *res, *row;
	size_t i;
	bool flagged = false;

	assert_exit(record_command(sysload_cmd("sleep 50 2"),
				   (char *[]){ "-o", (char *)base, NULL }),
		    0);
	assert_exit(record_command(sysload_cmd("sleep 50 4"),
				   (char *[]){ "-o", (char *)slow, NULL }),
		    0);

	p = run_command((char *[]){ (char *)latscope_bin(), "diff", (char *)base, (char *)base,
				    NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 0);
	cr_assert(!strncmp(p->out.data, "PASS: 0 regressions", 19), "%s", p->out.data);

	/* clock_nanosleep waits: not judged unless asked. */
	p = run_command((char *[]){ (char *)latscope_bin(), "diff", (char *)base, (char *)slow,
				    NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 0);
	cr_assert(strstr(p->out.data, "not judged, blocking syscalls: clock_nanosleep"), "%s",
		  p->out.data);
	p = run_command((char *[]){ (char *)latscope_bin(), "diff", (char *)base, (char *)slow,
				    "--include-idle", NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 1);
	cr_assert(!strncmp(p->out.data, "REGRESSION: ", 12), "verdict first:\n%s", p->out.data);

	p = run_command(diff_json, RUN_TIMEOUT_S);
	assert_exit(p, 1);
	res = json_parse(p->out.data);
	cr_assert_str_eq(jstr(res, "schema"), "latscope.diff");
	json_array_foreach (jpath(res, "rows"), i, row) {
		if (strcmp(jstr(row, "key"), "clock_nanosleep") ||
		    strcmp(jstr(row, "metric"), "p50"))
			continue;
		/* 2 ms -> 4 ms: +100 %, give or take the sleeps' overshoot */
		cr_assert(json_number_value(jpath(row, "change")) > 0.6, "change %f",
			  json_number_value(jpath(row, "change")));
		flagged = json_is_true(jpath(row, "regression"));
	}
	cr_assert(flagged, "clock_nanosleep p50 not flagged:\n%s", p->out.data);
	json_decref(res);

	/* A threshold above the slowdown: no regression. */
	p = run_command((char *[]){ (char *)latscope_bin(), "diff", (char *)base, (char *)slow,
				    "--include-idle", "--max-regression", "400%", NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 0);
}

/* The demo service (tools/demo_server), /slow taking @slow_ms; its ports. */
static struct proc *start_demo(int slow_ms, int *http_port, int *up_port)
{
	struct proc *server =
		proc_start((char *[]){ (char *)tool_bin("demo_server"), "--slow-ms",
				       (char *)strf("%d", slow_ms), "--upstream-ms", "30", NULL });

	cr_assert(proc_wait_output(server, false, "upstream ", RUN_START_TIMEOUT_S),
		  "demo_server did not start; stderr:\n%s", server->err.data);
	cr_assert_eq(sscanf(server->out.data, "http %d upstream %d", http_port, up_port), 2);
	return server;
}

/*
 * @server under 12 keep-alive requests per endpoint from tools/loadgen,
 * traced by `latscope check -p` until SIGINT with @args (NULL-terminated).
 * The snapshot goes to @snap_path; returns the check run, @server ended.
 */
static struct proc *check_demo(struct proc *server, int http_port, const char *snap_path,
			       char *const args[])
{
	char *argv[32] = { (char *)latscope_bin(),	    "check", "-p",
			   (char *)strf("%d", server->pid), "-o",    (char *)snap_path };
	struct proc *tracer;
	int n = 6;

	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	tracer = proc_start(argv);
	cr_assert(proc_wait_output(tracer, true, "latscope: tracing ", RUN_TIMEOUT_S),
		  "latscope never attached; stderr:\n%s", tracer->err.data);
	assert_exit(run_command((char *[]){ (char *)tool_bin("loadgen"), "--port",
					    (char *)strf("%d", http_port), "--count", "12",
					    "--paths", "/fast,/slow,/error,/upstream", "--mode",
					    "keepalive", "--resets", "0", NULL },
				30),
		    0);
	proc_signal(tracer, SIGINT);
	proc_wait(tracer, RUN_TIMEOUT_S);
	proc_signal(server, SIGTERM);
	proc_wait(server, 2);
	return tracer;
}

/*
 * Request, upstream, resource and overhead paths on a real trace: met
 * (exit 0); a /slow p95 limit below its 60 ms missed (exit 1); and diff
 * against a run with /slow at 120 ms flags that endpoint.
 */
Test(check, requests_on_the_demo_server)
{
	const char *dir = temp_dir(), *base = strf("%s/base.json", dir);
	const char *slow = strf("%s/slow.json", dir);
	int http, up;
	struct proc *server = start_demo(60, &http, &up), *p;
	json_t *res, *row;
	bool flagged = false;
	size_t i;

	/* 48 HTTP requests + 12 to the upstream service: 3 5xx (every 4th /error). */
	p = check_demo(
		server, http, base,
		(char *[]){ "--assert", "requests[\"GET /slow\"].count == 12", "--assert",
			    (char *)strf("requests[\":%d GET /slow\"].p50 >= 60ms", http),
			    "--assert", "requests[\"GET /fast\"].p95 < 60ms", "--assert",
			    "requests.error_rate == 5%", "--assert", "requests.rate > 0/s",
			    "--assert", (char *)strf("upstreams[\"127.0.0.1:%d\"].count == 12", up),
			    "--assert", (char *)strf("upstreams[\"127.0.0.1:%d\"].p50 >= 30ms", up),
			    "--assert", "resources.rss > 0MB and resources.rss < 200MB", "--assert",
			    "overhead.kernel_cpu < 50%", NULL });
	assert_exit(p, 0);
	cr_assert(strstr(p->out.data, "9 of 9 requirements met: PASS"), "%s", p->out.data);

	p = run_command((char *[]){ (char *)latscope_bin(), "check", "--snapshot", (char *)base,
				    "--assert", "requests[\"GET /slow\"].p95 < 10ms", "--assert",
				    "requests[\"GET /nope\"].p95 < 10ms", NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 1);
	cr_assert(strstr(p->out.data, "0 of 2 requirements met"), "%s", p->out.data);

	server = start_demo(120, &http, &up);
	p = check_demo(server, http, slow,
		       (char *[]){ "--assert", "requests[\"GET /slow\"].p50 >= 120ms", NULL });
	assert_exit(p, 0);
	p = run_command((char *[]){ (char *)latscope_bin(), "diff", "--json", "--min-count", "10",
				    (char *)base, (char *)slow, NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 1);
	res = json_parse(p->out.data);
	json_array_foreach (jpath(res, "rows"), i, row) {
		const char *key = jstr(row, "key");

		/* Each run has its own ephemeral ports: the services pair by protocol. */
		if (strcmp(jstr(row, "section"), "requests") || strlen(key) < 9 ||
		    strcmp(key + strlen(key) - 9, "GET /slow") ||
		    strcmp(jstr(row, "metric"), "p50"))
			continue;
		cr_assert(jpath(row, "new_key"), "ports differ: %s", p->out.data);
		cr_assert(json_number_value(jpath(row, "change")) > 0.6, "%s", p->out.data);
		flagged = json_is_true(jpath(row, "regression"));
	}
	cr_assert(flagged, "GET /slow p50 not flagged:\n%s", p->out.data);
	json_decref(res);
}
