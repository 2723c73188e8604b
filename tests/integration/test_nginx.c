// A server no one here wrote: Debian's nginx serving a static file on
// 127.0.0.1, loaded by wrk for a bounded time, traced by PID.
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "run.h"

INTEGRATION_SUITE(nginx);

#define WRK_CONNECTIONS 4
/*
 * Server-side latency (request read -> response written) is inside the
 * client's (request written -> response read) for every request, so its
 * percentiles cannot be larger. Allowed slack: the histogram's 1.5625 %
 * plus wrk's own rounding (3 significant digits) and its HdrHistogram.
 */
#define PERCENTILE_SLACK 0.05

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

/*
 * nginx in the foreground, everything under @dir: one process when
 * @workers is 0, else a master and @workers worker processes.
 */
static struct proc *nginx_start_workers(const char *dir, int port, int workers)
{
	struct proc *p;

	cr_assert(!system(
		strf("mkdir -p %s/www && head -c 2048 /dev/zero | tr '\\0' x > %s/www/index.html"
		     " && printf ok > %s/www/p",
		     dir, dir, dir)));
	write_file(strf("%s/nginx.conf", dir),
		   strf("daemon off; master_process %s; worker_processes %d;\n"
			"pid %s/nginx.pid; error_log %s/error.log;\n"
			"events { worker_connections 256; }\n"
			"http {\n"
			"  access_log %s/access.log; keepalive_requests 1000000;\n"
			"  client_body_temp_path %s; proxy_temp_path %s; fastcgi_temp_path %s;\n"
			"  uwsgi_temp_path %s; scgi_temp_path %s;\n"
			"  server { listen 127.0.0.1:%d; root %s/www; }\n"
			"}\n",
			workers ? "on" : "off", workers ? workers : 1, dir, dir, dir, dir, dir, dir,
			dir, dir, port, dir));
	p = proc_start((char *[]){ "nginx", "-p", (char *)dir, "-e",
				   (char *)strf("%s/error.log", dir), "-c",
				   (char *)strf("%s/nginx.conf", dir), NULL });
	wait_port(p, port, "nginx");
	return p;
}

static struct proc *nginx_start(const char *dir, int port)
{
	return nginx_start_workers(dir, port, 0);
}

static long long file_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	long long n = 0;
	int c;

	cr_assert(f, "cannot read %s", path);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* "     99%    1.23ms" in wrk --latency output, in ns. */
static long long wrk_percentile(const char *out, const char *pct)
{
	const char *line = strstr(out, strf("%s ", pct));
	double v;
	char unit[8];

	cr_assert(line, "no %s in wrk output:\n%s", pct, out);
	cr_assert_eq(sscanf(line + strlen(pct), "%lf%7s", &v, unit), 2);
	if (!strcmp(unit, "us"))
		return v * 1e3;
	if (!strcmp(unit, "ms"))
		return v * 1e6;
	cr_assert_str_eq(unit, "s", "unknown unit in wrk output");
	return v * 1e9;
}

/* "  12345 requests in 2.00s, ..." */
static long long wrk_requests(const char *out)
{
	const char *p = strstr(out, " requests in ");

	cr_assert(p, "no request count in wrk output:\n%s", out);
	while (p > out && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return strtoll(p, NULL, 10);
}

Test(nginx, wrk_counts_and_percentiles)
{
	const char *dir = temp_dir();
	int port = free_port();
	struct proc *nginx = nginx_start(dir, port), *tracer, *wrk;
	long long logged, count, aborted, wrk_count;
	json_t *snap, *groups, *g;

	tracer = proc_start((char *[]){ (char *)latscope_bin(), "record", "-p",
					(char *)strf("%d", nginx->pid), "--json", "--no-overhead",
					NULL });
	cr_assert(proc_wait_output(tracer, true, "latscope: tracing ", RUN_TIMEOUT_S),
		  "latscope never attached; stderr:\n%s", tracer->err.data);
	wrk = run_command((char *[]){ "wrk", "-t1", (char *)strf("-c%d", WRK_CONNECTIONS), "-d2s",
				      "--latency",
				      (char *)strf("http://127.0.0.1:%d/index.html", port), NULL },
			  20);
	assert_exit(wrk, 0);
	usleep(300000); /* nginx sees wrk's connections close */
	proc_signal(tracer, SIGINT);
	proc_wait(tracer, RUN_TIMEOUT_S);
	snap = snapshot_of(tracer);
	proc_signal(nginx, SIGTERM);
	proc_wait(nginx, 5);

	groups = jpath(snap, "requests.servers");
	g = jfind_int(groups, "port", port);
	cr_assert(g, "no server group for nginx's port %d", port);
	cr_assert_str_eq(jstr(g, "protocol"), "http");
	count = jint(g, "count");
	aborted = jint(g, "aborted");
	logged = file_lines(strf("%s/access.log", dir));
	wrk_count = wrk_requests(wrk->out.data);
	cr_log_info("nginx: latscope %lld (+%lld aborted), access log %lld, wrk %lld; "
		    "p50 %lld/%lld ns, p99 %lld/%lld ns (latscope/wrk)",
		    count, aborted, logged, wrk_count, jint(g, "p50_ns"),
		    wrk_percentile(wrk->out.data, "50%"), jint(g, "p99_ns"),
		    wrk_percentile(wrk->out.data, "99%"));
	/* Every logged request was read; one wrk cut off mid-write is aborted. */
	cr_assert_eq(count + aborted, logged, "latscope saw %lld + %lld aborted, nginx logged %lld",
		     count, aborted, logged);
	cr_assert(count >= wrk_count && count <= wrk_count + WRK_CONNECTIONS,
		  "latscope %lld requests, wrk %lld (+ at most %d in flight)", count, wrk_count,
		  WRK_CONNECTIONS);
	cr_assert(count > 1000, "wrk made only %lld requests", count);
	cr_assert_eq(jint(g, "status.2xx"), count, "a static file: all 200");
	/* Endpoints come through the ring buffer: exact unless it dropped. */
	if (!jint(snap, "overhead.ringbuf.dropped"))
		cr_assert_eq(jint(jpath(g, "endpoints.0"), "count"), count);
	cr_assert_str_eq(jstr(jpath(g, "endpoints.0"), "endpoint"), "GET /index.html");
	cr_assert_leq(jint(g, "p50_ns"),
		      wrk_percentile(wrk->out.data, "50%") * (1 + PERCENTILE_SLACK));
	cr_assert_leq(jint(g, "p99_ns"),
		      wrk_percentile(wrk->out.data, "99%") * (1 + PERCENTILE_SLACK));
	json_decref(snap);
}

#define PIPE_BATCHES 20
#define PIPE_DEPTH   8

/* Occurrences of @needle in @buf (@len bytes). */
static int occurrences(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	int count = 0;

	for (const char *p = buf; (p = memmem(p, len - (p - buf), needle, n)); p += n)
		count++;
	return count;
}

/*
 * HTTP/1.1 pipelining: batches of requests written at once on one
 * connection, each batch's responses read before the next. Every request
 * counts; statuses are known as far as the response capture shows them.
 */
Test(nginx, pipelined_requests_counted_one_by_one)
{
	const char *dir = temp_dir();
	int port = free_port(), fd;
	struct proc *nginx = nginx_start(dir, port), *tracer;
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char batch[PIPE_DEPTH * 64], buf[16384];
	size_t blen = 0;
	json_t *snap, *g, *e;

	for (int i = 0; i < PIPE_DEPTH; i++)
		blen += snprintf(batch + blen, sizeof(batch) - blen,
				 "GET /p HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	tracer = trace_attach(nginx->pid, (char *[]){ "--no-syscalls", "--no-overhead", NULL });
	fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert(fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a)));
	for (int b = 0; b < PIPE_BATCHES; b++) {
		size_t have = 0;

		cr_assert_eq(write(fd, batch, blen), (ssize_t)blen);
		while (occurrences(buf, have, "\r\n\r\nok") < PIPE_DEPTH) {
			ssize_t n = read(fd, buf + have, sizeof(buf) - have);

			cr_assert(n > 0, "nginx closed mid-batch");
			have += n;
		}
	}
	close(fd);
	usleep(200000);
	snap = trace_stop(tracer);
	proc_signal(nginx, SIGTERM);
	proc_wait(nginx, 5);

	g = jfind_int(jpath(snap, "requests.servers"), "port", port);
	cr_assert(g);
	e = jfind_str(jpath(g, "endpoints"), "endpoint", "GET /p");
	cr_assert(e, "no GET /p row");
	cr_assert_eq(file_lines(strf("%s/access.log", dir)), PIPE_BATCHES * PIPE_DEPTH);
	cr_assert_eq(jint(g, "count"), PIPE_BATCHES * PIPE_DEPTH, "one per pipelined request");
	cr_assert_eq(jint(e, "count"), PIPE_BATCHES * PIPE_DEPTH);
	cr_assert_eq(jint(g, "aborted"), 0);
	cr_log_info("nginx pipelining: %lld 2xx, %lld without a visible status",
		    jint(e, "status.2xx"), jint(e, "status.none"));
	/* Each batch's first response is always seen; the others as captured. */
	cr_assert_geq(jint(e, "status.2xx"), PIPE_BATCHES);
	cr_assert_eq(jint(e, "status.2xx") + jint(e, "status.none"), PIPE_BATCHES * PIPE_DEPTH);
	json_decref(snap);
}

#define TREE_REQUESTS 150 /* per mode: keep-alive, then one connection each */

/*
 * -p MASTER -f: the workers nginx forked before latscope attached are
 * traced too, and named. Every request the access log holds was seen.
 */
Test(nginx, master_with_existing_workers_followed)
{
	const char *dir = temp_dir();
	int port = free_port(), workers = 0;
	struct proc *nginx = nginx_start_workers(dir, port, 2), *tracer, *load;
	json_t *snap, *targets, *t, *g;
	size_t i;

	tracer = trace_attach(nginx->pid, (char *[]){ "-f", "--no-overhead", NULL });
	load = run_command((char *[]){ (char *)tool_bin("loadgen"), "--port",
				       (char *)strf("%d", port), "--count",
				       (char *)strf("%d", TREE_REQUESTS), "--paths", "/index.html",
				       "--mode", "both", NULL },
			   20);
	assert_exit(load, 0);
	usleep(200 * 1000); /* nginx sees the last connection close */
	snap = trace_stop(tracer);
	proc_signal(nginx, SIGTERM);
	proc_wait(nginx, 5);

	targets = jpath(snap, "targets");
	json_array_foreach (targets, i, t)
		if (json_integer_value(json_object_get(t, "descendant_of")) == nginx->pid) {
			cr_assert_str_eq(jstr(t, "comm"), "nginx");
			workers++;
		}
	cr_assert_eq(workers, 2, "workers traced: %d\n%s", workers, tracer->err.data);
	g = jfind_int(jpath(snap, "requests.servers"), "port", port);
	cr_assert(g, "no server group for nginx's port %d", port);
	cr_assert_eq(jint(g, "count"), file_lines(strf("%s/access.log", dir)));
	cr_assert_eq(jint(g, "count"), 2 * TREE_REQUESTS);
	cr_assert_eq(jint(g, "status.2xx"), 2 * TREE_REQUESTS);
	json_decref(snap);
}
