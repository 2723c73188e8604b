// Servers no one here wrote, named by what they carry: Debian's
// redis-server under redis-benchmark (pipelined too) and PostgreSQL 15
// under pgbench, each started on a free loopback port and traced by PID;
// counts compared with the peers' own (redis-benchmark's -n, the server
// log's statements).
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "run.h"

INTEGRATION_SUITE(protocols);

#define PG_BIN "/usr/lib/postgresql/15/bin"
/* redis-benchmark's -n, per command; -P 16 pipelines them 16 at a time. */
#define REDIS_N		4000
#define PGBENCH_CLIENTS 2
#define PGBENCH_TX	60
/*
 * A statement's server-side time (its Query read -> its answer written)
 * lies inside pgbench's (sent -> answer read), so its mean cannot be
 * larger; the slack is the histogram's 1.5625 % and pgbench's rounding to
 * a microsecond.
 */
#define MEAN_SLACK 0.05

static json_t *endpoint(json_t *g, const char *name)
{
	json_t *e = jfind_str(jpath(g, "endpoints"), "endpoint", name);

	cr_assert(e, "no row '%s'", name);
	return e;
}

static struct proc *redis_start(const char *dir, int port)
{
	struct proc *p = proc_start((char *[]){ "redis-server", "--port", (char *)strf("%d", port),
						"--bind", "127.0.0.1", "--save", "", "--appendonly",
						"no", "--dir", (char *)dir, NULL });

	wait_port(p, port, "redis-server");
	return p;
}

static void redis_benchmark(int port, const char *tests, const char *pipeline)
{
	assert_exit(run_command((char *[]){ "redis-benchmark", "-p", (char *)strf("%d", port), "-t",
					    (char *)tests, "-n", (char *)strf("%d", REDIS_N), "-c",
					    "4", "-P", (char *)pipeline, "-q", NULL },
				60),
		    0);
}

/*
 * Per command, exact: one by one and 16 pipelined per batch; error
 * replies counted as errors; the port labelled redis.
 */
Test(protocols, redis_commands_exact)
{
	const char *dir = temp_dir();
	int port = free_port();
	struct proc *redis = redis_start(dir, port), *tracer, *cli;
	json_t *snap, *g;

	tracer = trace_attach(redis->pid, (char *[]){ "--no-syscalls", "--no-overhead", NULL });
	redis_benchmark(port, "set,get", "1");
	redis_benchmark(port, "incr,lpush", "16");
	/* An unknown command, 5 times: -ERR replies. */
	cli = run_command((char *[]){ "redis-cli", "-p", (char *)strf("%d", port), "-r", "5",
				      "NOSUCHCOMMAND", "k", NULL },
			  10);
	cr_assert(strstr(cli->out.data, "ERR"), "redis-cli said:\n%s", cli->out.data);
	snap = trace_stop(tracer);
	proc_signal(redis, SIGTERM);
	proc_wait(redis, 5);

	g = jfind_int(jpath(snap, "requests.servers"), "port", port);
	cr_assert(g, "no group for redis's port");
	cr_assert_str_eq(jstr(g, "protocol"), "redis");
	cr_assert_eq(jint(snap, "overhead.ringbuf.dropped"), 0);
	cr_assert_eq(jint(endpoint(g, "SET"), "count"), REDIS_N);
	cr_assert_eq(jint(endpoint(g, "GET"), "count"), REDIS_N);
	cr_assert_eq(jint(endpoint(g, "INCR"), "count"), REDIS_N, "16 per pipelined batch");
	cr_assert_eq(jint(endpoint(g, "LPUSH"), "count"), REDIS_N);
	cr_assert_eq(jint(endpoint(g, "NOSUCHCOMMAND"), "count"), 5);
	cr_assert_eq(jint(endpoint(g, "NOSUCHCOMMAND"), "errors"), 5, "-ERR is an error");
	cr_assert_eq(jint(endpoint(g, "SET"), "errors"), 0);
	/* redis-benchmark asks CONFIG GET save / appendonly once per run. */
	cr_assert_eq(jint(g, "count"), 4 * REDIS_N + 5 + jint(endpoint(g, "CONFIG GET"), "count"),
		     "the group counts every pipelined command");
	cr_assert_eq(jint(g, "errors"), 5);
	cr_assert_eq(jint(g, "aborted"), 0, "clients that close after a reply do not abort");
	assert_latency_row(endpoint(g, "INCR"), "INCR");
	json_decref(snap);
}

/* pg_ctl and friends as the unprivileged user postgres (Debian's). */
static void as_postgres(const char *cmd)
{
	struct proc *p = run_command((char *[]){ "runuser", "-u", "postgres", "--", "/bin/sh", "-c",
						 (char *)cmd, NULL },
				     60);

	assert_exit(p, 0);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert(f, "cannot read %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	cr_assert(buf && fread(buf, 1, n, f) == (size_t)n);
	fclose(f);
	return buf;
}

/* Lines of @log after @from holding @prefix followed by @text. */
static long long count_logged(const char *log, const char *prefix, const char *text)
{
	const char *needle = strf("%s%s", prefix, text);
	long long n = 0;

	for (const char *p = log; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/*
 * pgbench -r's statement: ":aid" -> "$1" in order, no trailing ';' (the
 * fingerprint); and its text before the first variable (for the log).
 */
static void pgbench_statement(const char *line, char *fp, size_t fp_len, char *head,
			      size_t head_len)
{
	size_t o = 0, h = 0;
	int next = 1;
	bool in_head = true;

	for (const char *s = line; *s && *s != '\n' && o + 8 < fp_len; s++) {
		if (*s == ':' && s[1] >= 'a' && s[1] <= 'z') {
			o += snprintf(fp + o, fp_len - o, "$%d", next++);
			while (s[1] >= 'a' && s[1] <= 'z')
				s++;
			in_head = false;
			continue;
		}
		fp[o++] = *s;
		if (in_head && h + 1 < head_len)
			head[h++] = *s;
	}
	while (o && (fp[o - 1] == ';' || fp[o - 1] == ' '))
		o--;
	fp[o] = '\0';
	head[h] = '\0';
}

/* pgbench -r's latency (ms) of the statement starting with @head. */
static double pgbench_ms(const char *out, const char *head)
{
	const char *at = strstr(out, head), *line;
	double ms = 0;

	cr_assert(at, "pgbench lists no '%s':\n%s", head, out);
	for (line = at; line > out && line[-1] != '\n';)
		line--;
	cr_assert_eq(sscanf(line, " %lf", &ms), 1);
	return ms;
}

/* Statements a session connected before the trace sends once it is traced. */
#define EXISTING_SELECTS 20
#define EXISTING_SELECT	 "SELECT 42 AS existing_backend"

/*
 * psql connected (its backend forked) before latscope attaches; it reads
 * its statements from @fifo, so it sends nothing until the test writes.
 */
static struct proc *psql_connected(int port, const char *fifo, const char *log)
{
	struct proc *p;
	double deadline = mono_s() + 20;
	char *logged;

	cr_assert(!mkfifo(fifo, 0666), "mkfifo %s", fifo);
	cr_assert(!chmod(fifo, 0666));
	p = proc_start((char *[]){ "runuser", "-u", "postgres", "--", PG_BIN "/psql", "-X", "-q",
				   "-h", "127.0.0.1", "-p", (char *)strf("%d", port), "-U",
				   "postgres", "-f", (char *)fifo, "postgres", NULL });
	for (;;) {
		logged = read_file(log);
		if (strstr(logged, "application_name=psql"))
			break;
		free(logged);
		cr_assert_lt(mono_s(), deadline, "psql never connected");
		usleep(50000);
	}
	free(logged);
	return p;
}

/* Its statements, then EOF: psql runs them and quits. */
static void psql_send(struct proc *psql, const char *fifo)
{
	int fd = open(fifo, O_WRONLY);

	cr_assert(fd >= 0, "open %s", fifo);
	for (int i = 0; i < EXISTING_SELECTS; i++)
		cr_assert(dprintf(fd, EXISTING_SELECT ";\n") > 0);
	close(fd);
	proc_wait(psql, 30);
	assert_exit(psql, 0);
}

/*
 * pgbench's standard transaction (simple query protocol), then the same
 * over the extended protocol: one row per statement, named as pgbench
 * lists it (variables as $n), its count the server log's, its mean no
 * more than pgbench's; the startup apart; Terminate-and-close no abort.
 * A backend forked before the trace (psql's) is traced too, through -f.
 */
Test(protocols, postgres_statements_match_pgbench)
{
	const char *dir = temp_dir(), *data = strf("%s/data", dir), *log = strf("%s/pg.log", dir);
	int port = free_port();
	char *pgbench_args, *logged, *line;
	struct proc *tracer, *bench, *ext, *psql;
	const char *fifo = strf("%s/psql.in", dir);
	json_t *snap, *g;
	long long pm_pid, statements = 0;

	cr_assert(!system(strf("chown postgres %s", dir)));
	as_postgres(strf("%s/initdb -D %s -A trust -U postgres >/dev/null", PG_BIN, data));
	as_postgres(strf("%s/pg_ctl -D %s -l %s -w -o \"-p %d -k %s -c listen_addresses=127.0.0.1 "
			 "-c log_statement=all -c log_connections=on\" start >/dev/null",
			 PG_BIN, data, log, port, dir));
	pgbench_args = (char *)strf("-h 127.0.0.1 -p %d -U postgres", port);
	as_postgres(
		strf("%s/pgbench %s -i -s 1 -q postgres >/dev/null 2>&1", PG_BIN, pgbench_args));
	pm_pid = strtoll(read_file(strf("%s/postmaster.pid", data)), NULL, 10);
	psql = psql_connected(port, fifo, log);
	cr_assert(!truncate(log, 0));

	/*
	 * Backends are forked per connection: -f follows them, and takes the
	 * one psql's connection made before the trace.
	 */
	tracer = trace_attach(pm_pid, (char *[]){ "-f", "--no-syscalls", "--no-overhead", NULL });
	psql_send(psql, fifo);
	bench = run_command((char *[]){ "runuser", "-u", "postgres", "--", PG_BIN "/pgbench", "-h",
					"127.0.0.1", "-p", (char *)strf("%d", port), "-U",
					"postgres", "-c", (char *)strf("%d", PGBENCH_CLIENTS), "-t",
					(char *)strf("%d", PGBENCH_TX), "-r", "-n", "postgres",
					NULL },
			    60);
	assert_exit(bench, 0);
	ext = run_command((char *[]){ "runuser",
				      "-u",
				      "postgres",
				      "--",
				      PG_BIN "/pgbench",
				      "-h",
				      "127.0.0.1",
				      "-p",
				      (char *)strf("%d", port),
				      "-U",
				      "postgres",
				      "-M",
				      "extended",
				      "-c",
				      "1",
				      "-t",
				      (char *)strf("%d", PGBENCH_TX),
				      "-r",
				      "-n",
				      "postgres",
				      NULL },
			  60);
	assert_exit(ext, 0);
	usleep(200000);
	snap = trace_stop(tracer);
	logged = read_file(log);
	as_postgres(strf("%s/pg_ctl -D %s -m fast stop >/dev/null", PG_BIN, data));

	g = jfind_int(jpath(snap, "requests.servers"), "port", port);
	cr_assert(g, "no group for postgres's port");
	cr_assert_str_eq(jstr(g, "protocol"), "postgres");
	cr_assert_eq(jint(snap, "overhead.ringbuf.dropped"), 0);
	cr_assert_eq(jint(g, "aborted"), 0, "Terminate then close is a close");
	cr_assert_eq(jint(endpoint(g, "(startup)"), "count"),
		     count_logged(logged, "LOG:  connection ", "authorized"),
		     "one startup per connection the server authorized: %lld vs %lld",
		     jint(endpoint(g, "(startup)"), "count"),
		     count_logged(logged, "LOG:  connection ", "authorized"));
	line = strstr(bench->out.data, "statement latencies in milliseconds");
	cr_assert(line, "pgbench -r printed no statement list:\n%s", bench->out.data);
	for (line = strchr(line, '\n'); line && *++line; line = strchr(line, '\n')) {
		char fp[256], head[256], *text;
		double ms;
		int failures;
		long long simple, extended;
		json_t *row;

		if (sscanf(line, " %lf %d", &ms, &failures) != 2)
			break;
		text = strpbrk(line, "\\ABCDEFGHIJKLMNOPQRSTUVWXYZ");
		if (!text || *text == '\\')
			continue; /* \set is pgbench's own */
		pgbench_statement(text, fp, sizeof(fp), head, sizeof(head));
		row = endpoint(g, fp);
		simple = count_logged(logged, "LOG:  statement: ", head);
		extended = count_logged(logged, "LOG:  execute <unnamed>: ", head);
		cr_log_info("postgres: '%s' latscope %lld, log %lld + %lld; mean %.3f ms, "
			    "pgbench %.3f ms",
			    fp, jint(row, "count"), simple, extended,
			    jint(row, "total_ns") / 1e6 / jint(row, "count"), ms);
		cr_assert_eq(simple, PGBENCH_CLIENTS * PGBENCH_TX, "log: %s", head);
		cr_assert_eq(extended, PGBENCH_TX, "log: %s", head);
		cr_assert_eq(jint(row, "count"), simple + extended, "%s", fp);
		cr_assert_eq(jint(row, "errors"), 0);
		assert_latency_row(row, fp);
		/* Both runs' statements share the row: its mean is within their means. */
		if (pgbench_ms(ext->out.data, head) > ms)
			ms = pgbench_ms(ext->out.data, head);
		cr_assert_leq(jint(row, "total_ns") / jint(row, "count"),
			      ms * 1e6 * (1 + MEAN_SLACK), "%s: server-side mean above pgbench's",
			      fp);
		statements++;
	}
	cr_assert_eq(statements, 7, "pgbench's TPC-B-like script has 7 statements");
	cr_assert_eq(count_logged(logged, "LOG:  statement: ", EXISTING_SELECT), EXISTING_SELECTS);
	cr_assert_eq(jint(endpoint(g, "SELECT $1 AS existing_backend"), "count"), EXISTING_SELECTS,
		     "the backend that existed before the trace");
	json_decref(snap);
	free(logged);
}
