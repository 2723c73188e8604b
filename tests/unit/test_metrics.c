// Prometheus exposition: bucket ladder, options, text for a crafted model,
// checked line by line and by the real parser (promtool check metrics).
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lat_samples.h"
#include "metrics_config.h"
#include "metrics_text.h"
#include "options.h"

static struct model *model;
static struct metrics_config cfg;

/* 900 fast reads and 100 slow ones; 7 failed opens; one odd comm. */
static const struct { __u32 nr; __u64 ns; int n; bool failed; } samples[] = {
	{ 0, 2000, 900, false },	/* read */
	{ 0, 60000000, 100, false },
	{ 257, 5000, 7, true },		/* openat */
	{ 257, 992, 3, false },		/* exactly on the 1us bound */
	{ 39, 300, 50, false },		/* getpid */
};

static void add_samples(struct lat_stats *s, __u64 ns, int n, bool failed)
{
	for (int i = 0; i < n; i++)
		lat_sample_add(s, ns, failed);
}

static void set_syscall(__u32 nr)
{
	struct lat_stats *stats = calloc(1, sizeof(*stats));

	cr_assert(stats);
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (samples[i].nr == nr)
			add_samples(stats, samples[i].ns, samples[i].n, samples[i].failed);
	model_set_syscall(model, nr, stats);
	free(stats);
}

static void setup(void)
{
	model = model_new(10);
	cr_assert(model);
	model_add_target(model, 42, false);
	strcpy(model->targets[0].comm, "we\"ird\\x");
	set_syscall(0);
	set_syscall(257);
	set_syscall(39);
	model->now_ns = model->start_ns + 2000000000ULL;
	metrics_config_init(&cfg);
}

static void teardown(void)
{
	model_free(model);
}

static char *render(struct metrics_exporter *mx, enum metrics_format fmt)
{
	char *text;
	size_t len;

	cr_assert_eq(metrics_render(mx, model, fmt, &text, &len), 0);
	cr_assert_eq(strlen(text), len);
	return text;
}

static char *render_once(enum metrics_format fmt, int cap)
{
	struct metrics_exporter *mx = metrics_exporter_new(cfg.bounds_ns, cfg.n_bounds, cap);
	char *text;

	cr_assert(mx);
	text = render(mx, fmt);
	metrics_exporter_free(mx);
	return text;
}

/* The value of the sample named exactly @series ("name{labels}"). */
static double value_of(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p; p = strchr(p, '\n')) {
		p += *p == '\n';
		if (!strncmp(p, series, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	}
	cr_assert_fail("no sample %s in:\n%s", series, text);
	return -1;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p; p = strchr(p, '\n')) {
		p += *p == '\n';
		if (!strncmp(p, line, n) && (p[n] == '\n' || !p[n]))
			return true;
	}
	return false;
}

TestSuite(ladder);

Test(ladder, default_bounds_are_exact_bucket_boundaries)
{
	static const double nominal[] = { 1e3, 2.5e3, 5e3, 1e4, 2.5e4, 5e4, 1e5, 2.5e5,
		5e5, 1e6, 2.5e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 2.5e8, 5e8, 1e9, 2.5e9, 5e9, 1e10 };
	struct metrics_config c;

	metrics_config_init(&c);
	cr_assert_eq(c.n_bounds, 22);
	for (int i = 0; i < c.n_bounds; i++) {
		__u64 b = c.bounds_ns[i];

		cr_assert_eq(hist_bucket_low(hist_bucket_of(b)), b, "%llu", (unsigned long long)b);
		cr_assert_leq(fabs(b - nominal[i]) / nominal[i], 1.0 / 64, "%llu", (unsigned long long)b);
		if (i)
			cr_assert_gt(b, c.bounds_ns[i - 1]);
	}
	cr_assert_eq(c.bounds_ns[0], 992, "1us snaps to 992ns (a tie with 1008 goes down)");
}

Test(ladder, snapping)
{
	cr_assert_eq(metrics_snap_bound(50), 50, "below 64ns every value is a boundary");
	cr_assert_eq(metrics_snap_bound(1000), 992);
	cr_assert_eq(metrics_snap_bound(1001), 1008);
	cr_assert_eq(metrics_snap_bound(1ULL << 30), 1ULL << 30);
	cr_assert_eq(metrics_snap_bound(~0ULL), hist_bucket_low(HIST_BUCKETS - 1));
}

Test(ladder, buckets_option)
{
	__u64 b[METRICS_MAX_BOUNDS];
	int n;
	const char *bad[] = { "", ",", "1ms,", ",1ms", "1ms,,2ms", "2ms,1ms", "1ms,1ms",
			      "1ms,1.001ms", "0", "abc", "1h", "-1ms" };

	cr_assert_eq(metrics_parse_buckets("1ms,10ms,0.1,1s", b, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_eq(b[0], metrics_snap_bound(1000000));
	cr_assert_eq(b[2], metrics_snap_bound(100000000), "bare numbers are seconds");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_neq(metrics_parse_buckets(bad[i], b, &n), 0, "'%s'", bad[i]);
}

static void assert_listen(const char *arg, int family, const char *host, int port)
{
	struct sockaddr_storage a;
	socklen_t len;
	char buf[64], want[64];

	cr_assert_eq(metrics_parse_listen(arg, &a, &len), 0, "%s", arg);
	cr_assert_eq(a.ss_family, family, "%s", arg);
	snprintf(want, sizeof(want), family == AF_INET6 ? "[%s]:%d" : "%s:%d", host, port);
	cr_assert_str_eq(metrics_format_addr(&a, buf, sizeof(buf)), want);
}

Test(ladder, listen_option)
{
	const char *bad[] = { "", ":", "abc", "1.2.3.4", "1.2.3.4:99999", "[::1]9464",
			      "[::1]:", "host:80", "1.2.3.4:-1", "1.2.3.4:80x" };
	struct sockaddr_storage a;
	socklen_t len;

	assert_listen(":9464", AF_INET, "127.0.0.1", 9464);
	assert_listen("9464", AF_INET, "127.0.0.1", 9464);
	assert_listen("localhost:0", AF_INET, "127.0.0.1", 0);
	assert_listen("0.0.0.0:80", AF_INET, "0.0.0.0", 80);
	assert_listen("[::1]:9464", AF_INET6, "::1", 9464);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_neq(metrics_parse_listen(bad[i], &a, &len), 0, "'%s'", bad[i]);
}

Test(ladder, accept_negotiation)
{
	cr_assert_eq(metrics_format_for_accept(NULL), METRICS_PROMETHEUS_TEXT);
	cr_assert_eq(metrics_format_for_accept("*/*"), METRICS_PROMETHEUS_TEXT);
	cr_assert_eq(metrics_format_for_accept("text/plain;version=0.0.4"), METRICS_PROMETHEUS_TEXT);
	/* What Prometheus 2.42 sends. */
	cr_assert_eq(metrics_format_for_accept(
			     "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
			     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
		     METRICS_OPENMETRICS);
	cr_assert_eq(metrics_format_for_accept("text/plain, application/openmetrics-text; q=0"),
		     METRICS_PROMETHEUS_TEXT);
	cr_assert(strstr(metrics_content_type(METRICS_OPENMETRICS), "application/openmetrics-text"));
}

Test(ladder, seconds_are_exact_decimals)
{
	char buf[32];

	cr_assert_str_eq(metrics_format_seconds(0, buf, sizeof(buf)), "0");
	cr_assert_str_eq(metrics_format_seconds(992, buf, sizeof(buf)), "0.000000992");
	cr_assert_str_eq(metrics_format_seconds(2500000000ULL, buf, sizeof(buf)), "2.5");
	cr_assert_str_eq(metrics_format_seconds(3000000000ULL, buf, sizeof(buf)), "3");
}

TestSuite(exposition, .init = setup, .fini = teardown);

/* Count of samples of syscall @nr strictly below @bound_ns, from the list. */
static __u64 expected_below(__u32 nr, __u64 bound_ns)
{
	__u64 n = 0;

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (samples[i].nr == nr && samples[i].ns < bound_ns)
			n += samples[i].n;
	return n;
}

Test(exposition, cumulative_counts_exact_at_every_le)
{
	char *text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);
	static const struct { __u32 nr; const char *name; } calls[] = {
		{ 0, "read" }, { 257, "openat" }, { 39, "getpid" } };
	char series[160], le[32];

	for (size_t c = 0; c < 3; c++) {
		for (int k = 0; k < cfg.n_bounds; k++) {
			snprintf(series, sizeof(series),
				 "latscope_syscall_duration_seconds_bucket{syscall=\"%s\",le=\"%s\"}",
				 calls[c].name, metrics_format_seconds(cfg.bounds_ns[k], le, sizeof(le)));
			cr_assert_eq(value_of(text, series), expected_below(calls[c].nr, cfg.bounds_ns[k]),
				     "%s", series);
		}
		snprintf(series, sizeof(series),
			 "latscope_syscall_duration_seconds_bucket{syscall=\"%s\",le=\"+Inf\"}", calls[c].name);
		cr_assert_eq(value_of(text, series), expected_below(calls[c].nr, ~0ULL));
		snprintf(series, sizeof(series),
			 "latscope_syscall_duration_seconds_count{syscall=\"%s\"}", calls[c].name);
		cr_assert_eq(value_of(text, series), expected_below(calls[c].nr, ~0ULL));
	}
	cr_assert_float_eq(value_of(text, "latscope_syscall_duration_seconds_sum{syscall=\"read\"}"),
			   900 * 2e-6 + 100 * 0.06, 1e-9);
	cr_assert_eq(value_of(text, "latscope_syscall_errors_total{syscall=\"openat\"}"), 7);
	cr_assert_eq(value_of(text, "latscope_syscall_errors_total{syscall=\"read\"}"), 0);
	cr_assert_eq(value_of(text, "latscope_target_up{pid=\"42\",comm=\"we\\\"ird\\\\x\"}"), 1,
		     "label values are escaped");
	cr_assert(has_line(text, "# TYPE latscope_syscall_errors_total counter"));
	free(text);
}

Test(exposition, openmetrics_shape)
{
	char *text = render_once(METRICS_OPENMETRICS, METRICS_SERIES_CAP);
	size_t len = strlen(text);

	cr_assert(len > 6 && !strcmp(text + len - 6, "# EOF\n"), "ends with # EOF");
	cr_assert(has_line(text, "# TYPE latscope_syscall_errors counter"));
	cr_assert(has_line(text, "# UNIT latscope_syscall_duration_seconds seconds"));
	cr_assert(has_line(text, "# TYPE latscope_loader_cpu_seconds counter"));
	cr_assert_eq(value_of(text, "latscope_syscall_errors_total{syscall=\"openat\"}"), 7);
	free(text);
}

Test(exposition, series_cap_folds_into_other)
{
	struct metrics_exporter *mx = metrics_exporter_new(cfg.bounds_ns, cfg.n_bounds, 2);
	const char *folded = "latscope_metrics_folded_total{family=\"latscope_syscall_duration_seconds\"}";
	struct lat_stats *busy = calloc(1, sizeof(*busy));
	char *text;

	cr_assert(mx && busy);
	text = render(mx, METRICS_PROMETHEUS_TEXT);
	/* By total time: read, then openat; getpid is folded. */
	cr_assert_eq(value_of(text, "latscope_syscall_duration_seconds_count{syscall=\"read\"}"), 1000);
	cr_assert_eq(value_of(text, "latscope_syscall_duration_seconds_count{syscall=\"other\"}"), 50);
	cr_assert_null(strstr(text, "syscall=\"getpid\""));
	cr_assert_eq(value_of(text, folded), 1);
	free(text);

	/* A new syscall, now the busiest: admission is sticky, so it folds too. */
	add_samples(busy, 1000000000ULL, 5, true);
	model_set_syscall(model, 1, busy); /* write */
	text = render(mx, METRICS_PROMETHEUS_TEXT);
	cr_assert_eq(value_of(text, "latscope_syscall_duration_seconds_count{syscall=\"openat\"}"), 10);
	cr_assert_eq(value_of(text, "latscope_syscall_duration_seconds_count{syscall=\"other\"}"), 55);
	cr_assert_eq(value_of(text, "latscope_syscall_errors_total{syscall=\"other\"}"), 5);
	cr_assert_eq(value_of(text, folded), 2);
	free(text);
	free(busy);
	metrics_exporter_free(mx);
}

Test(exposition, estimated_program_counters_never_fall)
{
	struct metrics_exporter *mx = metrics_exporter_new(cfg.bounds_ns, cfg.n_bounds, 10);
	struct overhead *oh = &model->overhead;
	const char *runs = "latscope_bpf_program_runs_total{program=\"syscall_enter\"}";
	char *text;

	cr_assert(mx);
	overhead_init(oh, false, 0.1);
	oh->mode = OVERHEAD_SAMPLED;
	overhead_add_prog(oh, "syscall_enter", -1, true);
	oh->progs[0].runs = 1000;
	oh->progs[0].run_ns = 500000;
	oh->sampled_ns = 200000000ULL; /* 5000 runs/s over 2 s */
	text = render(mx, METRICS_PROMETHEUS_TEXT);
	cr_assert_eq(value_of(text, runs), 10000);
	cr_assert_float_eq(value_of(text, "latscope_bpf_program_run_seconds_total{program=\"syscall_enter\"}"),
			   0.005, 1e-9);
	free(text);
	oh->sampled_ns *= 4; /* the rate estimate drops to a quarter */
	text = render(mx, METRICS_PROMETHEUS_TEXT);
	cr_assert_eq(value_of(text, runs), 10000);
	free(text);
	metrics_exporter_free(mx);
}

static bool in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && !strcmp(ci, "true");
}

/* Prometheus's own parser and linter on both renderings' common format. */
Test(exposition, promtool_accepts_the_text)
{
	char path[] = "/tmp/latscope-metrics-XXXXXX", cmd[256], out[4096] = "";
	char *text = render_once(METRICS_PROMETHEUS_TEXT, 2);
	int fd = mkstemp(path), status;
	FILE *p;

	if (system("command -v promtool >/dev/null 2>&1")) {
		cr_assert_not(in_ci(), "promtool missing (Debian package prometheus)");
		cr_skip_test("promtool not installed (Debian package prometheus): skipped");
	}
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	cr_assert(p);
	fread(out, 1, sizeof(out) - 1, p);
	status = pclose(p);
	unlink(path);
	cr_assert_eq(status, 0, "promtool check metrics failed:\n%s\n--- text ---\n%s", out, text);
	free(text);
}

static enum parse_result parse(const char *line, struct trace_cli *cli)
{
	char buf[256], *argv[16], err[256];
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *tok = strtok(buf, " "); tok && argc < 15; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return trace_cli_parse(argc, argv, cli, err, sizeof(err));
}

Test(ladder, command_line)
{
	struct trace_cli cli;

	cr_assert_eq(parse("record -p 1", &cli), PARSE_OK);
	cr_assert_null(cli.metrics.listen, "no endpoint unless asked");
	trace_cli_free(&cli);
	cr_assert_eq(parse("record -p 1 --listen :9464 --buckets 1ms,1s", &cli), PARSE_OK);
	cr_assert_eq(cli.metrics.n_bounds, 2);
	cr_assert_eq(((struct sockaddr_in *)&cli.metrics.addr)->sin_addr.s_addr,
		     htonl(INADDR_LOOPBACK));
	trace_cli_free(&cli);
	cr_assert_eq(parse("record -p 1 --buckets 1ms,1s", &cli), PARSE_ERROR);
	trace_cli_free(&cli);
	cr_assert_eq(parse("record -p 1 --listen nowhere", &cli), PARSE_ERROR);
	trace_cli_free(&cli);
}
