// Request latency against the demo service (tools/demo_server) driven by
// the load generator (tools/loadgen): exact counts and status classes per
// endpoint, injected delays, upstream calls, keep-alive and one-shot
// connections, and connections reset mid-request.
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"

INTEGRATION_SUITE(requests);

/*
 * p50 against an injected delay: the histogram adds at most 1.5625 %, and
 * the request also includes parsing, thread wake-ups and writing the
 * response (tens of microseconds, a few ms on a loaded machine, against
 * 50-60 ms): 5 % hides neither a wrong bucket nor a wrong unit.
 */
#define P50_TOLERANCE 0.05
#define SLOW_MS	      60
#define UPSTREAM_MS   50
#define RPC_SLOW_MS   40

struct demo {
	struct proc *server, *tracer;
	int http_port, upstream_port;
};

static struct demo demo_start(char *const opts[])
{
	struct demo d = {};
	char *argv[16] = { (char *)latscope_bin(), "record", "-p" };
	int n = 3;

	d.server = proc_start((char *[]){ (char *)tool_bin("demo_server"), "--slow-ms",
					  (char *)strf("%d", SLOW_MS), "--upstream-ms",
					  (char *)strf("%d", UPSTREAM_MS), "--error-every", "4",
					  "--rpc-slow-ms", (char *)strf("%d", RPC_SLOW_MS), NULL });
	cr_assert(proc_wait_output(d.server, false, "upstream ", RUN_START_TIMEOUT_S),
		  "demo_server did not start; stderr:\n%s", d.server->err.data);
	cr_assert_eq(sscanf(d.server->out.data, "http %d upstream %d", &d.http_port,
			    &d.upstream_port),
		     2);
	argv[n++] = (char *)strf("%d", d.server->pid);
	argv[n++] = "--json";
	for (int i = 0; opts && opts[i] && n < 15; i++)
		argv[n++] = opts[i];
	d.tracer = proc_start(argv);
	cr_assert(proc_wait_output(d.tracer, true, "latscope: tracing ", RUN_TIMEOUT_S),
		  "latscope never attached; stderr:\n%s", d.tracer->err.data);
	return d;
}

/* Ends the trace (SIGINT: final snapshot) and the server; the snapshot. */
static json_t *demo_stop(struct demo *d)
{
	json_t *snap;

	proc_signal(d->tracer, SIGINT);
	proc_wait(d->tracer, RUN_TIMEOUT_S);
	snap = snapshot_of(d->tracer);
	proc_signal(d->server, SIGTERM);
	proc_wait(d->server, 2);
	return snap;
}

static struct proc *loadgen(const struct demo *d, const char *count, const char *paths,
			    const char *mode, const char *resets)
{
	struct proc *p = run_command((char *[]){ (char *)tool_bin("loadgen"), "--port",
						 (char *)strf("%d", d->http_port), "--count",
						 (char *)count, "--paths", (char *)paths, "--mode",
						 (char *)mode, "--resets", (char *)resets, NULL },
				     30);

	assert_exit(p, 0);
	return p;
}

/* What loadgen says it sent to @path and got back: "sent", "2xx", ... */
static long long sent(const struct proc *lg, const char *path, const char *what)
{
	const char *line = strstr(lg->out.data, strf("path %s ", path)), *field;

	cr_assert(line, "loadgen printed nothing for %s:\n%s", path, lg->out.data);
	field = strstr(line, strf(" %s ", what));
	cr_assert(field, "no '%s' for %s in:\n%s", what, path, lg->out.data);
	return strtoll(field + strlen(what) + 2, NULL, 10);
}

/* The group of @role with @port in a snapshot, failing when absent. */
static json_t *group(json_t *snap, const char *list, int port)
{
	json_t *g = jfind_int(jpath(snap, list), "port", port);

	cr_assert(g, "no group for port %d in %s", port, list);
	return g;
}

static json_t *endpoint(json_t *g, const char *name)
{
	json_t *e = jfind_str(jpath(g, "endpoints"), "endpoint", name);

	cr_assert(e, "no endpoint '%s'", name);
	return e;
}

static void assert_p50_near(json_t *row, long long expect_ns, const char *what)
{
	long long p50 = jint(row, "p50_ns");

	cr_assert(p50 >= expect_ns && p50 - expect_ns <= expect_ns * P50_TOLERANCE,
		  "%s p50 %lld ns is not within %.0f%% above the injected %lld ns", what, p50,
		  P50_TOLERANCE * 100, expect_ns);
}

static void assert_endpoint_matches(json_t *g, const struct proc *lg, const char *path)
{
	json_t *e = endpoint(g, strf("GET %s", path));

	cr_assert_eq(jint(e, "count"), sent(lg, path, "sent"), "%s count", path);
	cr_assert_eq(jint(e, "status.2xx"), sent(lg, path, "2xx"), "%s 2xx", path);
	cr_assert_eq(jint(e, "status.4xx"), sent(lg, path, "4xx"), "%s 4xx", path);
	cr_assert_eq(jint(e, "status.5xx"), sent(lg, path, "5xx"), "%s 5xx", path);
}

/*
 * 12 requests per endpoint on one keep-alive connection plus 12 on their
 * own connections, and 2 connections reset after half a request line.
 */
Test(requests, demo_endpoints_exact)
{
	static const char *const paths[] = { "/fast", "/slow", "/error", "/upstream" };
	struct demo d = demo_start(NULL);
	struct proc *lg = loadgen(&d, "12", "/fast,/slow,/error,/upstream", "both", "2");
	json_t *snap = demo_stop(&d);
	json_t *g = group(snap, "requests.servers", d.http_port);
	json_t *up = group(snap, "upstreams.peers", d.upstream_port);

	cr_assert_eq(jint(snap, "overhead.ringbuf.stats_map_full"), 0);
	cr_assert_str_eq(jstr(g, "protocol"), "http");
	cr_assert_eq(jint(g, "count"), 4 * 24, "every request of every connection");
	cr_assert_eq(jint(g, "aborted"), 2, "reset mid-request: aborted, not fast");
	cr_assert_eq(jint(endpoint(g, "GET /fast"), "aborted"), 2);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		assert_endpoint_matches(g, lg, paths[i]);
	cr_assert_eq(jint(g, "status.5xx"), 6, "every 4th /error");
	cr_assert_eq(jint(endpoint(g, "GET /error"), "errors"), 6);
	cr_log_info("demo: /slow p50 %lld ns (injected %d ms), upstream p50 %lld ns "
		    "(injected %d ms), /upstream p50 %lld ns",
		    jint(endpoint(g, "GET /slow"), "p50_ns"), SLOW_MS, jint(up, "p50_ns"),
		    UPSTREAM_MS, jint(endpoint(g, "GET /upstream"), "p50_ns"));
	assert_p50_near(endpoint(g, "GET /slow"), SLOW_MS * 1000000LL, "/slow");
	cr_assert_lt(jint(endpoint(g, "GET /fast"), "p99_ns"), SLOW_MS * 1000000LL / 4);

	/* The upstream, seen from the caller: one call per /upstream request. */
	cr_assert_str_eq(jstr(up, "peer"), strf("127.0.0.1:%d", d.upstream_port));
	cr_assert_eq(jint(up, "count"), 24);
	assert_p50_near(up, UPSTREAM_MS * 1000000LL, "upstream calls");
	cr_assert_geq(jint(endpoint(g, "GET /upstream"), "p50_ns"), jint(up, "p50_ns"),
		      "a request includes its upstream call");
	/* ... and from the upstream service's side (not HTTP). */
	cr_assert_str_eq(jstr(group(snap, "requests.servers", d.upstream_port), "protocol"), "tcp");
	cr_assert_eq(jint(group(snap, "requests.servers", d.upstream_port), "count"), 24);
	json_decref(snap);
}

/* Keep-alive alone: the last request of a connection ends at its close. */
Test(requests, keepalive_only)
{
	struct demo d = demo_start(NULL);
	struct proc *lg = loadgen(&d, "40", "/fast,/error", "keepalive", "0");
	json_t *snap = demo_stop(&d);
	json_t *g = group(snap, "requests.servers", d.http_port);

	cr_assert_eq(jint(g, "count"), 80);
	cr_assert_eq(jint(g, "aborted"), 0);
	assert_endpoint_matches(g, lg, "/fast");
	assert_endpoint_matches(g, lg, "/error");
	cr_assert_eq(jint(endpoint(g, "GET /error"), "status.5xx"), 10);
	json_decref(snap);
}

/*
 * Request tracking shares its socket programs with the net group; with
 * that off, the same programs (its part alone) count the same: keep-alive
 * and one-shot connections, and resets mid-request.
 */
Test(requests, exact_with_net_off)
{
	struct demo d = demo_start((char *[]){ "--no-net", NULL });
	struct proc *lg = loadgen(&d, "10", "/fast,/error", "both", "2");
	json_t *snap = demo_stop(&d);
	json_t *g = group(snap, "requests.servers", d.http_port);

	cr_assert_null(jpath(snap, "resources.processes.0.net"));
	cr_assert_eq(jint(g, "count"), 2 * 20);
	cr_assert_eq(jint(g, "aborted"), 2);
	assert_endpoint_matches(g, lg, "/fast");
	assert_endpoint_matches(g, lg, "/error");
	json_decref(snap);
}

/* One request per connection, and --slow for requests. */
Test(requests, close_only_and_slow)
{
	struct demo d = demo_start((char *[]){ "--slow", (char *)strf("%dms", SLOW_MS / 2), NULL });
	struct proc *lg = loadgen(&d, "10", "/fast,/slow", "close", "0");
	json_t *snap = demo_stop(&d);
	json_t *g = group(snap, "requests.servers", d.http_port), *ev;
	size_t i, slow = 0;

	cr_assert_eq(jint(g, "count"), 20);
	assert_endpoint_matches(g, lg, "/fast");
	assert_endpoint_matches(g, lg, "/slow");
	json_array_foreach (jpath(snap, "requests.slow.events"), i, ev) {
		if (strcmp(jstr(ev, "side"), "server"))
			continue;
		cr_assert_str_eq(jstr(ev, "endpoint"), "GET /slow");
		cr_assert_eq(jint(ev, "status"), 200);
		cr_assert_geq(jint(ev, "duration_ns"), SLOW_MS * 1000000LL);
		slow++;
	}
	cr_assert_eq(slow, 10, "exactly the /slow requests are slow");
	json_decref(snap);
}

/*
 * The client side over HTTP: trace the load generator itself. Each of its
 * requests is a call to the demo's port, classified by endpoint from the
 * request line it wrote and the status line it read.
 */
Test(requests, client_side_http_endpoints)
{
	struct demo d = {};
	json_t *snap, *up;
	const char *cmd;

	d.server = proc_start(
		(char *[]){ (char *)tool_bin("demo_server"), "--error-every", "4", NULL });
	cr_assert(proc_wait_output(d.server, false, "upstream ", RUN_START_TIMEOUT_S));
	cr_assert_eq(sscanf(d.server->out.data, "http %d upstream %d", &d.http_port,
			    &d.upstream_port),
		     2);
	cmd = strf("%s --port %d --count 8 --paths /fast,/error --resets 1", tool_bin("loadgen"),
		   d.http_port);
	snap = snapshot_of(record_command(cmd, (char *[]){ "--json", "--no-syscalls", NULL }));
	proc_signal(d.server, SIGTERM);
	proc_wait(d.server, 2);

	up = group(snap, "upstreams.peers", d.http_port);
	cr_assert_str_eq(jstr(up, "protocol"), "http");
	cr_assert_eq(jint(up, "count"), 32);
	cr_assert_eq(jint(up, "aborted"), 1, "the call reset before its reply");
	cr_assert_eq(jint(endpoint(up, "GET /fast"), "count"), 16);
	cr_assert_eq(jint(endpoint(up, "GET /error"), "count"), 16);
	cr_assert_eq(jint(endpoint(up, "GET /error"), "status.5xx"), 4);
	cr_assert_eq(jint(up, "status.2xx"), 28);
	cr_assert_eq(json_array_size(jpath(snap, "requests.servers")), 0,
		     "the load generator serves nothing");
	json_decref(snap);
}

/* loadgen's @what for @path, summed over runs @a and @b. */
static long long sent2(const struct proc *a, const struct proc *b, const char *path,
		       const char *what)
{
	return sent(a, path, what) + sent(b, path, what);
}

/*
 * Requests the kernel counts itself: a first round's records name each
 * endpoint's request bytes; a second round of the same requests, once the
 * loader has read those (it polls every 100 ms; the round starts a second
 * later), is counted in the kernel per endpoint and sends no records,
 * except the requests over --slow, which still reach the slow log. Counts,
 * statuses and errors per endpoint stay exact either way.
 */
Test(requests, kernel_counted_endpoints_exact)
{
	struct demo d = demo_start((char *[]){ "--slow", (char *)strf("%dms", SLOW_MS / 2), NULL });
	struct proc *first = loadgen(&d, "4", "/fast,/error,/slow", "keepalive", "0"), *second;
	long long records_before, records;
	json_t *snap, *g, *ev;
	size_t i, slow = 0;

	usleep(1000000);
	/* What the first round cost in records: its requests, and the process's events. */
	records_before = 3 * 4;
	second = loadgen(&d, "300", "/fast,/error", "keepalive", "0");
	loadgen(&d, "4", "/slow", "keepalive", "0");
	snap = demo_stop(&d);
	g = group(snap, "requests.servers", d.http_port);
	cr_assert_eq(jint(g, "count"), 3 * 4 + 2 * 300 + 4);
	for (i = 0; i < 2; i++) {
		const char *path = i ? "/error" : "/fast";
		json_t *e = endpoint(g, strf("GET %s", path));

		cr_assert_eq(jint(e, "count"), sent2(first, second, path, "sent"), "%s count",
			     path);
		cr_assert_eq(jint(e, "status.2xx"), sent2(first, second, path, "2xx"), "%s", path);
		cr_assert_eq(jint(e, "status.5xx"), sent2(first, second, path, "5xx"), "%s", path);
		cr_assert_eq(jint(e, "errors"), sent2(first, second, path, "5xx"), "%s", path);
	}
	cr_assert_eq(jint(endpoint(g, "GET /slow"), "count"), 8);
	assert_p50_near(endpoint(g, "GET /slow"), SLOW_MS * 1000000LL, "/slow");
	json_array_foreach (jpath(snap, "requests.slow.events"), i, ev)
		slow += !strcmp(jstr(ev, "side"), "server");
	cr_assert_eq(slow, 8, "every /slow request is logged, named or not");
	/* The second round's 600 requests sent (nearly) no records. */
	records = jint(snap, "overhead.ringbuf.records");
	cr_log_info("kernel-counted endpoints: %lld records for %lld requests", records,
		    jint(g, "count"));
	cr_assert_lt(records, records_before + 100, "%lld records", records);
	json_decref(snap);
}

/*
 * A keep-alive connection still open when the trace ends: its last
 * request, answered, is counted at the end, not lost.
 */
Test(requests, last_keepalive_request_counted_at_trace_end)
{
	struct demo d = demo_start(NULL);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(d.http_port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static const char req[] = "GET /fast HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	json_t *snap, *g;

	cr_assert(fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a)));
	for (int i = 0; i < 50; i++) {
		char buf[512];

		cr_assert_eq(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
		cr_assert(read(fd, buf, sizeof(buf)) > 0);
	}
	snap = demo_stop(&d); /* the connection is still open */
	close(fd);
	g = group(snap, "requests.servers", d.http_port);
	cr_assert_eq(jint(g, "count"), 50, "the 50th request too");
	cr_assert_eq(jint(endpoint(g, "GET /fast"), "count"), 50);
	cr_assert_eq(jint(g, "status.2xx"), 50);
	assert_latency_row(g, "group");
	json_decref(snap);
}

/*
 * A WebSocket JSON-RPC service (the demo's /rpc): the upgrade on its own
 * row, then one row per method with its own latency and error count,
 * notifications apart, the close not a request.
 */
Test(requests, websocket_jsonrpc_methods)
{
	struct demo d = demo_start(NULL);
	struct proc *lg = run_command((char *[]){ (char *)tool_bin("loadgen"), "--port",
						  (char *)strf("%d", d.http_port), "--paths", "",
						  "--rpc", "12", NULL },
				      30);
	json_t *snap, *g;
	char *text;

	assert_exit(lg, 0);
	cr_assert(strstr(lg->out.data, "rpc fail sent 12 ok 9 errors 3"), "loadgen:\n%s",
		  lg->out.data);
	snap = demo_stop(&d);
	g = group(snap, "requests.servers", d.http_port);
	cr_assert_str_eq(jstr(g, "protocol"), "http");
	cr_assert_eq(jint(endpoint(g, "GET /rpc"), "count"), 1, "the upgrade, once");
	cr_assert_eq(jint(endpoint(g, "GET /rpc"), "status.1xx"), 1);
	cr_assert_eq(jint(endpoint(g, "ws /rpc ping"), "count"), 12);
	cr_assert_eq(jint(endpoint(g, "ws /rpc slow_op"), "count"), 12);
	cr_assert_eq(jint(endpoint(g, "ws /rpc fail"), "count"), 12);
	cr_assert_eq(jint(endpoint(g, "ws /rpc fail"), "errors"), 3, "every 4th call errs");
	cr_assert_eq(jint(endpoint(g, "ws /rpc ping"), "errors"), 0);
	cr_assert_eq(jint(endpoint(g, "ws /rpc log"), "count"), 0, "notifications get no reply");
	cr_assert_eq(jint(endpoint(g, "ws /rpc log"), "oneway"), 12);
	cr_assert_eq(jint(g, "count"), 1 + 3 * 12, "the close frame is no request");
	cr_assert_eq(jint(g, "oneway"), 12);
	cr_assert_eq(jint(g, "aborted"), 0);
	cr_assert_eq(jint(g, "errors"), 3);
	assert_p50_near(endpoint(g, "ws /rpc slow_op"), RPC_SLOW_MS * 1000000LL, "slow_op");
	cr_assert_lt(jint(endpoint(g, "ws /rpc ping"), "p99_ns"), RPC_SLOW_MS * 1000000LL / 4);
	/* Parameters never reach the snapshot. */
	text = json_dumps(snap, 0);
	cr_assert_null(strstr(text, "s3cr3t"));
	free(text);
	json_decref(snap);
}
