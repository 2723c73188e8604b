// record --listen against a real Prometheus server (Debian's prometheus):
// it scrapes latscope on loopback every second while latscope traces a
// workload that makes a fixed burst of syscalls and then idles; Prometheus's
// HTTP API must then agree with latscope's own snapshot of the same trace.
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "prometheus.h"

/* The workload: N getppid, FAST sleeps of FAST_MS, SLOW of SLOW_MS. */
#define N_GETPPID 20000
#define FAST	  190
#define FAST_MS	  1
#define SLOW	  10
#define SLOW_MS	  6

INTEGRATION_SUITE(metrics);

/*
 * Samples of a snapshot histogram at or below `le` @bound_ns ([low, width,
 * count] rows): the buckets whose midpoint is (README, "Histogram buckets").
 */
static long long snapshot_below(json_t *snap, const char *syscall, long long bound_ns)
{
	json_t *rows = jpath(snap, strf("syscalls.%s.histogram", syscall)), *row;
	long long n = 0;
	size_t i;

	cr_assert(rows, "no histogram for %s", syscall);
	json_array_foreach (rows, i, row)
		if (2 * json_integer_value(json_array_get(row, 0)) +
			    json_integer_value(json_array_get(row, 1)) <=
		    2 * bound_ns)
			n += json_integer_value(json_array_get(row, 2));
	return n;
}

/* The default ladder's `le` bounds: 1, 2.5, 5 x 10^k s from 100 ns to 10 s. */
static const long long ladder_ns[] = {
	100,	    250,	  500,		1000,	       2500,	  5000,	     10000,
	25000,	    50000,	  100000,	250000,	       500000,	  1000000,   2500000,
	5000000,    10000000,	  25000000,	50000000,      100000000, 250000000, 500000000,
	1000000000, 2500000000LL, 5000000000LL, 10000000000LL,
};

static void ladder_bucket(long long ns, double *lo_s, double *hi_s)
{
	size_t n = sizeof(ladder_ns) / sizeof(ladder_ns[0]), i;

	for (i = 0; i < n && ladder_ns[i] <= ns; i++)
		;
	cr_assert(i > 0 && i < n, "%lld ns is outside the ladder", ns);
	*lo_s = ladder_ns[i - 1] / 1e9;
	*hi_s = ladder_ns[i] / 1e9;
}

/* What a plain GET of /metrics returns: text that promtool accepts. */
static void check_endpoint(int port, const char *dir)
{
	const char *file = strf("%s/scrape.txt", dir);
	FILE *f = fopen(file, "w");
	struct proc *p;
	int status;
	char type[128], *text = http_get_as(port, "/metrics", NULL, &status, type, sizeof(type));

	cr_assert_eq(status, 200);
	cr_assert(strstr(type, "text/plain; version=0.0.4"), "Content-Type: %s", type);
	cr_assert(f && fputs(text, f) >= 0 && !fclose(f));
	free(text);
	p = run_command((char *[]){ "sh", "-c", (char *)strf("promtool check metrics < %s", file),
				    NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 0);
	free(http_get(port, "/nothing", &status));
	cr_assert_eq(status, 404);
	/* Content negotiation, as Prometheus (and the test above) relies on. */
	text = http_get_as(port, "/metrics", "application/openmetrics-text;version=1.0.0", &status,
			   type, sizeof(type));
	cr_assert_eq(status, 200);
	cr_assert(strstr(type, "application/openmetrics-text"), "Content-Type: %s", type);
	cr_assert(strlen(text) > 6 && !strcmp(text + strlen(text) - 6, "# EOF\n"));
	free(text);
}

Test(metrics, prometheus_scrapes_agree_with_the_snapshot, .timeout = 90)
{
	int prom_port, port;
	const char *dir, *snap_path;
	struct proc *prom;
	struct traced t;
	json_t *snap;
	double lo, hi, p99, scraped_below;
	long long bound = 5000000; /* the 5ms rung: FAST sleeps below, SLOW above */

	require_tool("prometheus");
	dir = temp_dir();
	snap_path = strf("%s/snap.json", dir);
	t = trace_pid_start("scrapeload",
			    (char *[]){ (char *)strf("%d", N_GETPPID), (char *)strf("%d", FAST),
					(char *)strf("%d", FAST_MS), (char *)strf("%d", SLOW),
					(char *)strf("%d", SLOW_MS), NULL },
			    (char *[]){ "--listen", "127.0.0.1:0", "-o", (char *)snap_path, NULL });
	port = announced_port(t.tracer);
	prom_port = free_port();
	prom = prom_start(prom_port, port, false);
	cr_assert(proc_wait_output(t.workload, false, "done", RUN_TIMEOUT_S),
		  "workload never finished; stderr:\n%s", t.workload->err.data);
	prom_wait_ready(prom, prom_port);

	prom_wait_value(prom_port, "latscope_syscall_duration_seconds_count{syscall=\"getppid\"}",
			N_GETPPID);
	prom_wait_value(prom_port,
			"latscope_syscall_duration_seconds_count{syscall=\"clock_nanosleep\"}",
			FAST + SLOW);
	prom_wait_value(prom_port, "count_over_time(up{job=\"latscope\"}[1m]) >= bool 2", 1);
	cr_assert_eq(prom_query(prom_port,
				"latscope_syscall_duration_seconds_count{syscall=\"getppid\"}"),
		     N_GETPPID, "stable over later scrapes");
	cr_assert_eq(prom_query(prom_port, "up{job=\"latscope\"}"), 1,
		     "the scrape (OpenMetrics, as Prometheus asks) failed");
	cr_assert_eq(prom_query(prom_port, "latscope_target_up{target=\"scrapeload\"}"), 1);
	cr_assert_eq(prom_query(prom_port, strf("latscope_target_info{target=\"scrapeload\","
						"comm=\"scrapeload\",pid=\"%d\"}",
						t.workload->pid)),
		     1);
	cr_assert_eq(prom_query(prom_port, "count(latscope_build_info{version=\"0.1.0\"})"), 1);
	scraped_below = prom_query(prom_port, "latscope_syscall_duration_seconds_bucket"
					      "{syscall=\"clock_nanosleep\",le=\"0.005\"}");
	p99 = prom_query(prom_port,
			 "histogram_quantile(0.99, "
			 "latscope_syscall_duration_seconds_bucket{syscall=\"clock_nanosleep\"})");
	check_endpoint(port, dir);

	/* End the trace: the workload exits, latscope writes its snapshot. */
	proc_signal(t.workload, SIGTERM);
	proc_wait(t.workload, RUN_TIMEOUT_S);
	proc_wait(t.tracer, RUN_TIMEOUT_S);
	assert_exit(t.tracer, 0);
	proc_signal(prom, SIGTERM);
	proc_wait(prom, 10);
	snap = json_parse_file(snap_path);

	cr_assert_eq(syscall_count(snap, "getppid"), N_GETPPID);
	cr_assert_eq(syscall_count(snap, "clock_nanosleep"), FAST + SLOW);
	cr_assert_eq(scraped_below, snapshot_below(snap, "clock_nanosleep", bound),
		     "cumulative count at le=5ms: Prometheus vs snapshot");
	/* Sleeps never end early: the 6 ms ones are all above the bound. */
	cr_assert(scraped_below >= 1 && scraped_below <= FAST, "%g below 5ms", scraped_below);
	/*
	 * Prometheus interpolates inside a ladder bucket, latscope reads its
	 * fine buckets: they agree to within the ladder bucket holding p99.
	 */
	ladder_bucket(jint(snap, "syscalls.clock_nanosleep.p99_ns"), &lo, &hi);
	cr_assert(p99 >= lo && p99 <= hi,
		  "Prometheus p99 %.6fs outside latscope's p99 ladder bucket [%.6f, %.6f]s", p99,
		  lo, hi);
	json_decref(snap);
}

/* The sample named exactly @series in a scrape, or -1 when absent. */
static double scraped(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p && *p; p = strchr(p, '\n')) {
		p += *p == '\n';
		if (!strncmp(p, series, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	}
	return -1;
}

/* Scrapes /metrics until @series reads @want (a render comes each second). */
static char *wait_scrape(int port, const char *series, double want)
{
	double deadline = mono_s() + SCRAPE_TIMEOUT_S;
	char *text = NULL;
	int status;

	while (mono_s() < deadline) {
		free(text);
		text = http_get(port, "/metrics", &status);
		if (status == 200 && scraped(text, series) == want)
			return text;
		usleep(250000);
	}
	cr_assert_fail("%s never read %g; last scrape:\n%s", series, want, text);
	return NULL;
}

/* The demo service under load: per-endpoint request families, scraped directly. */
Test(metrics, request_metrics_of_the_demo_server, .timeout = 60)
{
	struct proc *server, *tracer, *lg;
	int http_port, upstream_port, port;
	char *text;
	const char *fast;

	require_tool("promtool");
	server = proc_start((char *[]){ (char *)tool_bin("demo_server"), NULL });
	cr_assert(proc_wait_output(server, false, "upstream ", RUN_START_TIMEOUT_S),
		  "demo_server did not start; stderr:\n%s", server->err.data);
	cr_assert_eq(sscanf(server->out.data, "http %d upstream %d", &http_port, &upstream_port),
		     2);
	tracer = proc_start((char *[]){ (char *)latscope_bin(), "record", "-p",
					(char *)strf("%d", server->pid), "--listen", "127.0.0.1:0",
					NULL });
	cr_assert(proc_wait_output(tracer, true, "latscope: tracing ", RUN_TIMEOUT_S),
		  "latscope never attached; stderr:\n%s", tracer->err.data);
	port = announced_port(tracer);
	lg = run_command((char *[]){ (char *)tool_bin("loadgen"), "--port",
				     (char *)strf("%d", http_port), "--count", "10", "--paths",
				     "/fast", "--mode", "keepalive", "--resets", "1", NULL },
			 30);
	assert_exit(lg, 0);

	fast = strf("port=\"%d\",method=\"GET\",endpoint=\"/fast\"", http_port);
	/* Counters never fall: once both read their final value, all do. */
	free(wait_scrape(port, strf("latscope_requests_aborted_total{%s}", fast), 1));
	text = wait_scrape(port, strf("latscope_request_duration_seconds_count{%s}", fast), 10);
	cr_assert_eq(scraped(text, strf("latscope_requests_total{%s,status_class=\"2xx\"}", fast)),
		     10);
	cr_assert_eq(scraped(text, strf("latscope_requests_total{%s,status_class=\"5xx\"}", fast)),
		     0);
	cr_assert_eq(scraped(text, strf("latscope_requests_aborted_total{%s}", fast)), 1,
		     "the reset connection's half request");
	cr_assert_eq(scraped(text, strf("latscope_request_duration_seconds_bucket{%s,le=\"+Inf\"}",
					fast)),
		     10);
	free(text);
	check_endpoint(port, temp_dir()); /* promtool accepts the request families */
	proc_signal(tracer, SIGINT);
	proc_wait(tracer, RUN_TIMEOUT_S);
	assert_exit(tracer, 0);
	proc_signal(server, SIGTERM);
	proc_wait(server, 2);
}

/* A port in use is a one-line error before anything is attached. */
Test(metrics, port_in_use_fails_cleanly)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct proc *tracer;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) && !listen(fd, 1) &&
		  !getsockname(fd, (struct sockaddr *)&a, &len));
	tracer = record_command(
		sysload_cmd("getppid 10"),
		(char *[]){ "--listen", (char *)strf("127.0.0.1:%d", ntohs(a.sin_port)), NULL });
	close(fd);
	assert_exit(tracer, 1);
	cr_assert(strstr(tracer->err.data, "Address already in use"), "%s", tracer->err.data);
	cr_assert_null(strstr(tracer->err.data, "latscope: tracing"), "nothing was attached");
}
