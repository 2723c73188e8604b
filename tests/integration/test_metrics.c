// record --listen against a real Prometheus server (Debian's prometheus):
// it scrapes latscope on loopback every second while latscope traces a
// workload that makes a fixed burst of syscalls and then idles; Prometheus's
// HTTP API must then agree with latscope's own snapshot of the same trace.
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <ctype.h>
#include <libgen.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "run.h"

/* The workload: N getppid, FAST sleeps of FAST_MS, SLOW of SLOW_MS. */
#define N_GETPPID 20000
#define FAST	  190
#define FAST_MS	  1
#define SLOW	  10
#define SLOW_MS	  6
/* Prometheus takes a few seconds to start; scrapes come every second. */
#define PROM_READY_TIMEOUT_S 30.0
#define SCRAPE_TIMEOUT_S     20.0
#define HTTP_TIMEOUT_S	     3

INTEGRATION_SUITE(metrics);

/* The port latscope chose for --listen 127.0.0.1:0, from its stderr. */
static int announced_port(const struct proc *tracer)
{
	const char *line = strstr(tracer->err.data, "serving metrics on http://127.0.0.1:");
	int port = 0;

	cr_assert(line && sscanf(line, "serving metrics on http://127.0.0.1:%d", &port) == 1,
		  "no metrics address announced; stderr:\n%s", tracer->err.data);
	return port;
}

static void require_tool(const char *tool)
{
	const char *ci = getenv("CI");

	if (!system(strf("command -v %s >/dev/null 2>&1", tool)))
		return;
	cr_assert(!ci || strcmp(ci, "true"), "%s missing (make deps installs it)", tool);
	cr_skip_test("%s not installed (make deps): skipped", tool);
}

/* The value of header @name in [@head, @end), or "" when absent. */
static void header_value(const char *head, const char *end, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);

	out[0] = '\0';
	for (const char *p = strstr(head, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
		if (!strncasecmp(p + 2, name, n) && p[2 + n] == ':') {
			const char *v = p + 3 + n, *eol = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(out, len, "%.*s", (int)(eol - v), v);
			return;
		}
	}
}

/*
 * GET http://127.0.0.1:@port@target over HTTP/1.0 (the server closes when
 * done), with an Accept header unless @accept is NULL. The body, malloc'ed,
 * or NULL when nothing listens; *status is 0 then. The response's
 * Content-Type goes to @type when given. Sockets rather than curl(1):
 * polling would spawn a process a try.
 */
static char *http_get_as(int port, const char *target, const char *accept, int *status, char *type,
			 size_t type_len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = HTTP_TIMEOUT_S };
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap), *body;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	cr_assert(buf && fd >= 0);
	*status = 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		free(buf);
		return NULL;
	}
	dprintf(fd, "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n%s%s%s\r\n", target, port,
		accept ? "Accept: " : "", accept ? accept : "", accept ? "\r\n" : "");
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap) {
			buf = realloc(buf, cap *= 2);
			cr_assert(buf);
		}
	}
	close(fd);
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	if (sscanf(buf, "HTTP/1.%*d %d", status) != 1 || !body) {
		*status = 0;
		free(buf);
		return NULL;
	}
	if (type)
		header_value(buf, body, "Content-Type", type, type_len);
	memmove(buf, body + 4, strlen(body + 4) + 1);
	return buf;
}

static char *http_get(int port, const char *target, int *status)
{
	return http_get_as(port, target, NULL, status, NULL, 0);
}

/* PromQL into a query string: everything but unreserved characters %XX. */
static const char *url_encode(const char *s)
{
	char out[1024];
	size_t n = 0;

	for (; *s && n + 4 < sizeof(out); s++) {
		if (isalnum((unsigned char)*s) || strchr("-_.~", *s))
			out[n++] = *s;
		else
			n += sprintf(out + n, "%%%02X", (unsigned char)*s);
	}
	out[n] = '\0';
	return strf("%s", out);
}

static struct proc *start_prometheus(int prom_port, int latscope_port)
{
	const char *dir = temp_dir(), *config = strf("%s/prometheus.yml", dir);
	FILE *f = fopen(config, "w");

	cr_assert(f);
	fprintf(f,
		"global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
		"scrape_configs:\n  - job_name: latscope\n    static_configs:\n"
		"      - targets: ['127.0.0.1:%d']\n",
		latscope_port);
	fclose(f);
	return proc_start((char *[]){ "prometheus", (char *)strf("--config.file=%s", config),
				      (char *)strf("--storage.tsdb.path=%s/data", dir),
				      (char *)strf("--web.listen-address=127.0.0.1:%d", prom_port),
				      "--log.level=warn", NULL });
}

static void wait_ready(struct proc *prom, int port)
{
	double deadline = mono_s() + PROM_READY_TIMEOUT_S;

	while (mono_s() < deadline) {
		int status;

		free(http_get(port, "/-/ready", &status));
		if (status == 200)
			return;
		cr_assert(!prom->reaped, "prometheus exited; stderr:\n%s", prom->err.data);
		usleep(200000);
	}
	cr_assert_fail("prometheus not ready after %.0fs; stderr:\n%s", PROM_READY_TIMEOUT_S,
		       prom->err.data);
}

/* An instant query's single value; NAN when it has no result (yet). */
static double query(int port, const char *promql)
{
	int status;
	char *text = http_get(port, strf("/api/v1/query?query=%s", url_encode(promql)), &status);
	json_t *reply, *value;
	double v = NAN;

	cr_assert_eq(status, 200, "%s: HTTP %d: %s", promql, status, text);
	reply = json_parse(text);
	cr_assert_str_eq(jstr(reply, "status"), "success", "%s: %s", promql, text);
	free(text);
	value = jpath(reply, "data.result.0.value.1");
	if (value)
		v = strtod(json_string_value(value), NULL);
	cr_assert(jpath(reply, "data.result.1") == NULL, "%s: several series", promql);
	json_decref(reply);
	return v;
}

/* Poll until @promql reads @want: once it does, a scrape saw the final state. */
static void wait_value(int port, const char *promql, double want)
{
	double deadline = mono_s() + SCRAPE_TIMEOUT_S, v = NAN;
	int status;

	while (mono_s() < deadline) {
		v = query(port, promql);
		if (v == want)
			return;
		usleep(250000);
	}
	cr_assert_fail("%s = %g after %.0fs, expected %g; targets: %s", promql, v, SCRAPE_TIMEOUT_S,
		       want, http_get(port, "/api/v1/targets", &status));
}

/* Samples of a snapshot histogram below @bound_ns ([low, width, count] rows). */
static long long snapshot_below(json_t *snap, const char *syscall, long long bound_ns)
{
	json_t *rows = jpath(snap, strf("syscalls.%s.histogram", syscall)), *row;
	long long n = 0;
	size_t i;

	cr_assert(rows, "no histogram for %s", syscall);
	json_array_foreach (rows, i, row)
		if (json_integer_value(json_array_get(row, 0)) < bound_ns)
			n += json_integer_value(json_array_get(row, 2));
	return n;
}

/* The default ladder's `le` bounds around @ns (exact bucket boundaries). */
static const long long ladder_ns[] = {
	992,	    2496,	  4992,		9984,	      25088,	 50176,
	100352,	    249856,	  499712,	999424,	      2490368,	 4980736,
	9961472,    25165824,	  50331648,	100663296,    251658240, 503316480,
	1006632960, 2483027968LL, 4966055936LL, 9932111872LL,
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
	long long bound = 4980736; /* the 5ms rung: FAST sleeps below, SLOW above */

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
	prom = start_prometheus(prom_port, port);
	cr_assert(proc_wait_output(t.workload, false, "done", RUN_TIMEOUT_S),
		  "workload never finished; stderr:\n%s", t.workload->err.data);
	wait_ready(prom, prom_port);

	wait_value(prom_port, "latscope_syscall_duration_seconds_count{syscall=\"getppid\"}",
		   N_GETPPID);
	wait_value(prom_port,
		   "latscope_syscall_duration_seconds_count{syscall=\"clock_nanosleep\"}",
		   FAST + SLOW);
	wait_value(prom_port, "count_over_time(up{job=\"latscope\"}[1m]) >= bool 2", 1);
	cr_assert_eq(query(prom_port,
			   "latscope_syscall_duration_seconds_count{syscall=\"getppid\"}"),
		     N_GETPPID, "stable over later scrapes");
	cr_assert_eq(query(prom_port, "up{job=\"latscope\"}"), 1,
		     "the scrape (OpenMetrics, as Prometheus asks) failed");
	cr_assert_eq(query(prom_port, strf("latscope_target_up{pid=\"%d\",comm=\"scrapeload\"}",
					   t.workload->pid)),
		     1);
	scraped_below = query(prom_port, strf("latscope_syscall_duration_seconds_bucket"
					      "{syscall=\"clock_nanosleep\",le=\"0.004980736\"}"));
	p99 = query(prom_port,
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
		     "cumulative count at le=4.98ms: Prometheus vs snapshot");
	/* Sleeps never end early: the 6 ms ones are all above the bound. */
	cr_assert(scraped_below >= 1 && scraped_below <= FAST, "%g below 4.98ms", scraped_below);
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
