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
#include "unit/request_recs.h"
#include "base/format.h"
#include "lat_samples.h"
#include "loader/overhead_sampler.h"
#include "res_rows.h"
#include "views/metrics/config.h"
#include "views/metrics/exposition.h"
#include "views/metrics/negotiate.h"
#include "model/funcs.h"
#include "model/requests.h"
#include "cli/options.h"
#include "latscope_revision.h"

static struct model *model;
static struct metrics_config cfg;

/* 900 fast reads and 100 slow ones; 7 failed opens; one odd comm. */
static const struct {
	__u32 nr;
	__u64 ns;
	int n;
	bool failed;
} samples[] = {
	{ 0, 2000, 900, false },			     /* read */
	{ 0, 60000000, 100, false }, { 257, 5000, 7, true }, /* openat */
	{ 257, 992, 3, false },				     /* just below the 1us bound */
	{ 39, 300, 50, false },				     /* getpid */
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
	syscalls_set(&model->syscalls, nr, stats);
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
	model->clock.now_ns = model->clock.start_ns + 2000000000ULL;
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
	struct metrics_exporter *mx = metrics_exporter_new(&cfg, cap);
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

/* The rule the tests check against: a sample counts at `le` B when its bucket's midpoint does. */
static bool counted_at(__u64 sample_ns, __u64 bound_ns)
{
	__u32 b = hist_bucket_of(sample_ns);

	if (b == HIST_BUCKETS - 1)
		return hist_bucket_low(b) <= bound_ns;
	return 2 * hist_bucket_low(b) + hist_bucket_width(b) <= 2 * bound_ns;
}

Test(ladder, default_bounds_are_round)
{
	static const char *const le[] = { "0.0000001", "0.00000025", "0.0000005", "0.000001",
					  "0.0000025", "0.000005",   "0.00001",	  "0.000025",
					  "0.00005",   "0.0001",     "0.00025",	  "0.0005",
					  "0.001",     "0.0025",     "0.005",	  "0.01",
					  "0.025",     "0.05",	     "0.1",	  "0.25",
					  "0.5",       "1",	     "2.5",	  "5",
					  "10" };
	struct metrics_config c;
	char buf[32];

	metrics_config_init(&c);
	cr_assert_eq(c.n_bounds, 25);
	for (int i = 0; i < c.n_bounds; i++)
		cr_assert_str_eq(format_exact_seconds(c.bounds_ns[i], buf, sizeof(buf)), le[i]);
}

Test(ladder, buckets_count_by_their_midpoints)
{
	/* 1ms lies in [999424, 1015808), midpoint 1007616: that bucket is above. */
	cr_assert(counted_at(999000, 1000000), "the bucket below 1ms");
	cr_assert_not(counted_at(999500, 1000000), "within 1/64 of the bound: misplaced");
	cr_assert_not(counted_at(1000500, 1000000));
	cr_assert_eq(metrics_bound_cut(1000000), hist_bucket_of(999424));
	/* A bound on a bucket boundary is exact; below 64 ns every value is one. */
	cr_assert_eq(metrics_bound_cut(1ULL << 20), hist_bucket_of(1ULL << 20));
	cr_assert_eq(metrics_bound_cut(50), 50, "49 ns counts at le 50ns, 50 ns above it");
	cr_assert_eq(metrics_bound_cut(hist_bucket_low(HIST_BUCKETS - 1)), HIST_BUCKETS);
	for (__u64 ns = 1; ns < (1ULL << 40); ns = ns * 3 / 2 + 1)
		for (__u64 bound = ns / 2 + 1; bound < 2 * ns; bound += ns / 7 + 1)
			cr_assert_eq(hist_bucket_of(ns) < metrics_bound_cut(bound),
				     counted_at(ns, bound), "%llu at %llu", (unsigned long long)ns,
				     (unsigned long long)bound);
}

Test(ladder, buckets_option)
{
	__u64 b[METRICS_MAX_BOUNDS];
	int n;
	const char *bad[] = { "",	 ",",		"1ms,", ",1ms", "1ms,,2ms", "2ms,1ms",
			      "1ms,1ms", "1ms,1.001ms", "0",	"abc",	"1h",	    "-1ms" };

	cr_assert_eq(metrics_parse_buckets("1ms,10ms,0.1,1s", b, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_eq(b[0], 1000000, "bounds are kept as given");
	cr_assert_eq(b[2], 100000000, "bare numbers are seconds");
	cr_assert_eq(metrics_parse_buckets("1ms,1.02ms", b, &n), 0, "a bucket apart");
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
	const char *bad[] = { "",	   ":",	     "abc",	"1.2.3.4",    "1.2.3.4:99999",
			      "[::1]9464", "[::1]:", "host:80", "1.2.3.4:-1", "1.2.3.4:80x" };
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

#define PROTOBUF_ACCEPT \
	"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"

Test(ladder, accept_negotiation)
{
	cr_assert_eq(metrics_format_for_accept(NULL), METRICS_PROMETHEUS_TEXT);
	cr_assert_eq(metrics_format_for_accept("*/*"), METRICS_PROMETHEUS_TEXT);
	cr_assert_eq(metrics_format_for_accept("image/png"), METRICS_PROMETHEUS_TEXT);
	cr_assert_eq(metrics_format_for_accept("text/plain;version=0.0.4"),
		     METRICS_PROMETHEUS_TEXT);
	/* What Prometheus 2.42 sends, without and with native histograms. */
	cr_assert_eq(
		metrics_format_for_accept(
			"application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
			"version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
		METRICS_OPENMETRICS);
	cr_assert_eq(metrics_format_for_accept(PROTOBUF_ACCEPT
					       ",application/openmetrics-text;version=1.0.0;q=0.8,"
					       "application/openmetrics-text;version=0.0.1;q=0.75,"
					       "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
		     METRICS_PROTOBUF);
	cr_assert_eq(metrics_format_for_accept("text/plain, application/openmetrics-text; q=0"),
		     METRICS_PROMETHEUS_TEXT);
	cr_assert_eq(metrics_format_for_accept("text/plain;q=0.5, application/openmetrics-text"),
		     METRICS_OPENMETRICS, "the highest q wins, wherever listed");
	cr_assert_eq(metrics_format_for_accept(
			     "application/vnd.google.protobuf;proto=io.prometheus.client."
			     "MetricFamily;encoding=text,text/plain;q=0.1"),
		     METRICS_PROMETHEUS_TEXT, "protobuf in another encoding is not served");
	cr_assert_eq(metrics_format_for_accept(" APPLICATION/VND.GOOGLE.PROTOBUF ; q=0.9"),
		     METRICS_PROTOBUF);
	cr_assert(
		strstr(metrics_content_type(METRICS_OPENMETRICS), "application/openmetrics-text"));
	cr_assert_str_eq(
		metrics_content_type(METRICS_PROTOBUF),
		"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; "
		"encoding=delimited");
}

Test(ladder, gzip_negotiation)
{
	cr_assert(metrics_gzip_accepted("gzip"));
	cr_assert(metrics_gzip_accepted("deflate, gzip;q=0.5"));
	cr_assert(metrics_gzip_accepted("*"));
	cr_assert_not(metrics_gzip_accepted(NULL));
	cr_assert_not(metrics_gzip_accepted("identity"));
	cr_assert_not(metrics_gzip_accepted("gzip;q=0"));
	cr_assert_not(metrics_gzip_accepted("gzipx"));
}

Test(ladder, seconds_are_exact_decimals)
{
	char buf[32];

	cr_assert_str_eq(format_exact_seconds(0, buf, sizeof(buf)), "0");
	cr_assert_str_eq(format_exact_seconds(992, buf, sizeof(buf)), "0.000000992");
	cr_assert_str_eq(format_exact_seconds(2500000000ULL, buf, sizeof(buf)), "2.5");
	cr_assert_str_eq(format_exact_seconds(3000000000ULL, buf, sizeof(buf)), "3");
}

TestSuite(exposition, .init = setup, .fini = teardown);

/* Count of samples of syscall @nr at or below `le` @bound_ns, by the rule. */
static __u64 expected_below(__u32 nr, __u64 bound_ns)
{
	__u64 n = 0;

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (samples[i].nr == nr && counted_at(samples[i].ns, bound_ns))
			n += samples[i].n;
	return n;
}

Test(exposition, cumulative_counts_at_every_le)
{
	char *text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);
	static const struct {
		__u32 nr;
		const char *name;
	} calls[] = { { 0, "read" }, { 257, "openat" }, { 39, "getpid" } };
	char series[160], le[32];

	for (size_t c = 0; c < 3; c++) {
		for (int k = 0; k < cfg.n_bounds; k++) {
			snprintf(
				series, sizeof(series),
				"latscope_syscall_duration_seconds_bucket{syscall=\"%s\",le=\"%s\"}",
				calls[c].name,
				format_exact_seconds(cfg.bounds_ns[k], le, sizeof(le)));
			cr_assert_eq(value_of(text, series),
				     expected_below(calls[c].nr, cfg.bounds_ns[k]), "%s", series);
		}
		snprintf(series, sizeof(series),
			 "latscope_syscall_duration_seconds_bucket{syscall=\"%s\",le=\"+Inf\"}",
			 calls[c].name);
		cr_assert_eq(value_of(text, series), expected_below(calls[c].nr, ~0ULL));
		snprintf(series, sizeof(series),
			 "latscope_syscall_duration_seconds_count{syscall=\"%s\"}", calls[c].name);
		cr_assert_eq(value_of(text, series), expected_below(calls[c].nr, ~0ULL));
	}
	cr_assert_float_eq(value_of(text,
				    "latscope_syscall_duration_seconds_sum{syscall=\"read\"}"),
			   900 * 2e-6 + 100 * 0.06, 1e-9);
	cr_assert_eq(value_of(text, "latscope_syscall_errors_total{syscall=\"openat\"}"), 7);
	cr_assert_eq(value_of(text, "latscope_syscall_errors_total{syscall=\"read\"}"), 0);
	cr_assert_eq(value_of(text, "latscope_target_up{target=\"we\\\"ird\\\\x\"}"), 1,
		     "label values are escaped");
	cr_assert_eq(value_of(text, "latscope_target_info{target=\"we\\\"ird\\\\x\","
				    "comm=\"we\\\"ird\\\\x\",pid=\"42\"}"),
		     1);
	cr_assert(has_line(text,
			   "latscope_build_info{version=\"0.1.0\",revision=\"" LATSCOPE_REVISION
			   "\",libbpf=\"1.1\"} 1"));
	/* 992 ns and 5000 ns: both within 1/64 of their bounds. */
	cr_assert_eq(value_of(text, "latscope_syscall_duration_seconds_bucket{syscall=\"openat\","
				    "le=\"0.000001\"}"),
		     3, "992 ns (bucket midpoint 1000 ns) counts at le 1us");
	cr_assert_eq(value_of(text, "latscope_syscall_duration_seconds_bucket{syscall=\"openat\","
				    "le=\"0.000005\"}"),
		     3, "5000 ns (bucket midpoint 5056 ns) counts above le 5us");
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
	struct metrics_exporter *mx = metrics_exporter_new(&cfg, 2);
	const char *folded =
		"latscope_metrics_folded_total{family=\"latscope_syscall_duration_seconds\"}";
	struct lat_stats *busy = calloc(1, sizeof(*busy));
	char *text;

	cr_assert(mx && busy);
	text = render(mx, METRICS_PROMETHEUS_TEXT);
	/* By total time: read, then openat; getpid is folded. */
	cr_assert_eq(value_of(text, "latscope_syscall_duration_seconds_count{syscall=\"read\"}"),
		     1000);
	cr_assert_eq(value_of(text, "latscope_syscall_duration_seconds_count{syscall=\"other\"}"),
		     50);
	cr_assert_null(strstr(text, "syscall=\"getpid\""));
	cr_assert_eq(value_of(text, folded), 1);
	free(text);

	/* A new syscall, now the busiest: admission is sticky, so it folds too. */
	add_samples(busy, 1000000000ULL, 5, true);
	syscalls_set(&model->syscalls, 1, busy); /* write */
	text = render(mx, METRICS_PROMETHEUS_TEXT);
	cr_assert_eq(value_of(text, "latscope_syscall_duration_seconds_count{syscall=\"openat\"}"),
		     10);
	cr_assert_eq(value_of(text, "latscope_syscall_duration_seconds_count{syscall=\"other\"}"),
		     55);
	cr_assert_eq(value_of(text, "latscope_syscall_errors_total{syscall=\"other\"}"), 5);
	cr_assert_eq(value_of(text, folded), 2);
	free(text);
	free(busy);
	metrics_exporter_free(mx);
}

Test(exposition, estimated_program_counters_never_fall)
{
	struct metrics_exporter *mx = metrics_exporter_new(&cfg, 10);
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
	cr_assert_float_eq(
		value_of(text, "latscope_bpf_program_run_seconds_total{program=\"syscall_enter\"}"),
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

/* Prometheus's own parser and linter on @text. */
static void assert_promtool_accepts(const char *text)
{
	char path[] = "/tmp/latscope-metrics-XXXXXX", cmd[256], out[4096] = "";
	int fd, status;
	FILE *p;

	if (system("command -v promtool >/dev/null 2>&1")) {
		cr_assert_not(in_ci(), "promtool missing (Debian package prometheus)");
		cr_skip_test("promtool not installed (Debian package prometheus): skipped");
	}
	fd = mkstemp(path);
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
}

Test(exposition, promtool_accepts_the_text)
{
	char *text = render_once(METRICS_PROMETHEUS_TEXT, 2);

	assert_promtool_accepts(text);
	free(text);
}

static enum parse_result parse(const char *line, struct trace_settings *cli)
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
	struct trace_settings cli;

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
	cr_assert_eq(parse("record -p 1 --listen 0 --metrics-pid", &cli), PARSE_OK);
	cr_assert(cli.metrics.pid_labels);
	trace_cli_free(&cli);
	cr_assert_eq(parse("record -p 1 --metrics-pid", &cli), PARSE_ERROR);
	trace_cli_free(&cli);
}

/*
 * Sections beyond syscalls, each from a crafted model: server requests and
 * client calls (ring-buffer records), functions, per-process resources.
 */
struct sample_run {
	__u64 ns;
	int n;
};

/* Checks the cumulative count at every le, +Inf and _count of one series. */
static void assert_histogram(const char *text, const char *family, const char *labels,
			     const struct sample_run *runs, size_t n_runs)
{
	char series[512], le[32];
	__u64 below, all = 0;

	for (size_t r = 0; r < n_runs; r++)
		all += runs[r].n;
	for (int k = 0; k < cfg.n_bounds; k++) {
		below = 0;
		for (size_t r = 0; r < n_runs; r++)
			below += counted_at(runs[r].ns, cfg.bounds_ns[k]) ? runs[r].n : 0;
		snprintf(series, sizeof(series), "%s_bucket{%s,le=\"%s\"}", family, labels,
			 format_exact_seconds(cfg.bounds_ns[k], le, sizeof(le)));
		cr_assert_eq(value_of(text, series), below, "%s", series);
	}
	snprintf(series, sizeof(series), "%s_bucket{%s,le=\"+Inf\"}", family, labels);
	cr_assert_eq(value_of(text, series), all, "%s", series);
	snprintf(series, sizeof(series), "%s_count{%s}", family, labels);
	cr_assert_eq(value_of(text, series), all, "%s", series);
}

static void add_request(__u32 group, enum req_role role, const char *req, const char *resp,
			__u64 ns, int n, enum req_outcome outcome)
{
	struct request_rec rec = {
		.hdr = { .type = REC_REQUEST, .tgid = 42, .tid = 42, .ts_ns = 1 },
		.group = group,
		.role = role,
		.outcome = outcome,
		.duration_ns = ns,
		.bytes_in = 100,
		.bytes_out = 1000,
	};

	request_rec_set(&rec, req, resp);
	for (int i = 0; i < n; i++)
		cr_assert_eq(model_add_record(model, &rec, sizeof(rec)), REC_REQUEST);
}

/* The kernel's totals: only whether a group appears matters here. */
static void set_request_group(__u32 id, enum req_role role, __u16 port, __u64 n)
{
	struct req_group_key key = { .role = role,
				     .port = port,
				     .addr = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 } };
	struct req_group_counts counts = { 0 };
	struct lat_stats *lat = calloc(1, sizeof(*lat));

	cr_assert(lat);
	lat_samples_add(lat, 1000, n, false);
	cr_assert_eq(requests_set_group(model->requests, id, &key, lat, &counts), 0);
	free(lat);
}

static const struct sample_run users_runs[] = { { 2000, 30 }, { 60000000, 10 } };
static const struct sample_run login_runs[] = { { 5000, 5 } };
static const struct sample_run api_runs[] = { { 1000000, 4 } };
static const struct sample_run handle_runs[] = { { 3000, 20 }, { 300000, 2 } };
static const struct sample_run off_cpu_runs[] = { { 50000, 8 }, { 2000000000ULL, 1 } };
static const struct sample_run disk_runs[] = { { 400000, 3 } };

static void add_requests(void)
{
	set_request_group(0, REQ_ROLE_SERVER, 8080, 46);
	add_request(0, REQ_ROLE_SERVER, "GET /users/42 HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n",
		    users_runs[0].ns, users_runs[0].n, REQ_DONE);
	add_request(0, REQ_ROLE_SERVER, "GET /users/7 HTTP/1.1\r\n", "HTTP/1.1 503 Busy\r\n",
		    users_runs[1].ns, users_runs[1].n, REQ_DONE);
	add_request(0, REQ_ROLE_SERVER, "GET /users/9 HTTP/1.1\r\n", "", 0, 2, REQ_ABORTED);
	add_request(0, REQ_ROLE_SERVER, "POST /login HTTP/1.1\r\n", "HTTP/1.1 302 Found\r\n",
		    login_runs[0].ns, login_runs[0].n, REQ_DONE);
	add_request(0, REQ_ROLE_SERVER, "\x16\x03\x01 tls", "\x17\x03\x03", 500, 1, REQ_DONE);
	set_request_group(1, REQ_ROLE_CLIENT, 9000, 4);
	add_request(1, REQ_ROLE_CLIENT, "GET /api?x=1 HTTP/1.1\r\n", "HTTP/1.0 404 No\r\n",
		    api_runs[0].ns, api_runs[0].n, REQ_DONE);
}

static void add_functions(void)
{
	struct lat_stats *lat = calloc(1, sizeof(*lat));

	cr_assert(lat);
	for (size_t i = 0; i < 2; i++)
		lat_samples_add(lat, handle_runs[i].ns, handle_runs[i].n, false);
	cr_assert_eq(funcs_set_info(model->funcs, 0, "handle", "/usr/bin/app", "/usr/bin/app",
				    false),
		     0);
	cr_assert_eq(funcs_set(model->funcs, 0, lat, 500000), 0);
	free(lat);
}

static void add_resources(void)
{
	struct res_process *p = resources_process(&model->res, 42), *q;
	struct proc_stats st = { .rss_kb = 2048,
				 .threads = 3,
				 .has_memory = true,
				 .minor_faults = 70,
				 .major_faults = 2 };

	cr_assert(p);
	model->res.groups = res_group_bit("sched") | res_group_bit("block") | res_group_bit("net");
	strcpy(p->comm, "app");
	SCHED_NOW(p, on_cpu_ns) = 1500000000ULL;
	SCHED_NOW(p, voluntary) = 9;
	SCHED_NOW(p, involuntary) = 4;
	BLOCK_NOW(p, reads) = 3;
	BLOCK_NOW(p, read_bytes) = 12288;
	NET_NOW(p, bytes_sent) = 4600;
	NET_NOW(p, local_closes) = 5;
	NET_NOW(p, aborts) = 1;
	NET_NOW(p, resets_received) = 2;
	for (size_t i = 0; i < 2; i++)
		lat_samples_add(res_process_hist(p, fam("sched"), 0), off_cpu_runs[i].ns,
				off_cpu_runs[i].n, false);
	lat_samples_add(res_process_hist(p, fam("block"), 0), disk_runs[0].ns, disk_runs[0].n,
			false);
	res_process_set_proc(p, &st, false);
	q = resources_process(&model->res, 43); /* not read from /proc yet */
	cr_assert(q);
	strcpy(q->comm, "child");
	SCHED_NOW(q, on_cpu_ns) = 1000;
}

static void sections_setup(void)
{
	setup();
	add_requests();
	add_functions();
	add_resources();
}

TestSuite(sections, .init = sections_setup, .fini = teardown);

#define SERVER_USERS "port=\"8080\",method=\"GET\",endpoint=\"/users/{id}\""

Test(sections, requests_per_endpoint)
{
	char *text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);

	assert_histogram(text, "latscope_request_duration_seconds", SERVER_USERS, users_runs, 2);
	assert_histogram(text, "latscope_request_duration_seconds",
			 "port=\"8080\",method=\"POST\",endpoint=\"/login\"", login_runs, 1);
	cr_assert_eq(value_of(text,
			      "latscope_requests_total{" SERVER_USERS ",status_class=\"2xx\"}"),
		     30);
	cr_assert_eq(value_of(text,
			      "latscope_requests_total{" SERVER_USERS ",status_class=\"5xx\"}"),
		     10);
	cr_assert_eq(value_of(text,
			      "latscope_requests_total{" SERVER_USERS ",status_class=\"4xx\"}"),
		     0);
	cr_assert_eq(value_of(text, "latscope_requests_total{port=\"8080\",method=\"POST\","
				    "endpoint=\"/login\",status_class=\"3xx\"}"),
		     5);
	cr_assert_eq(value_of(text, "latscope_requests_total{port=\"8080\",method=\"\","
				    "endpoint=\"(not http)\",status_class=\"none\"}"),
		     1);
	cr_assert_eq(value_of(text, "latscope_requests_aborted_total{" SERVER_USERS "}"), 2);
	/* Aborted requests' bytes count too: 42 requests read, 100 bytes each. */
	cr_assert_eq(value_of(text, "latscope_request_bytes_total{" SERVER_USERS "}"), 4200);
	cr_assert_eq(value_of(text, "latscope_response_bytes_total{" SERVER_USERS "}"), 42000);
	cr_assert_float_eq(value_of(text,
				    "latscope_request_duration_seconds_sum{" SERVER_USERS "}"),
			   30 * 2e-6 + 10 * 0.06, 1e-9);
	cr_assert(has_line(text, "# TYPE latscope_requests_total counter"));
	free(text);
}

/*
 * A WebSocket JSON-RPC notification on a connection upgraded at /rpc: a
 * one-way message, counted on its own, in no histogram.
 */
Test(sections, oneway_messages_counted_apart)
{
	static const char note[] = "{\"jsonrpc\":\"2.0\",\"method\":\"log\"}";
	static const unsigned char key[4] = { 1, 2, 3, 4 };
	struct request_rec rec = { .hdr = { .type = REC_REQUEST, .tgid = 42, .tid = 42 },
				   .group = 0,
				   .role = REQ_ROLE_SERVER,
				   .outcome = REQ_DONE,
				   .conn_id = 9,
				   .duration_ns = 1000 };
	char frame[64] = { (char)0x81, (char)(0x80 | (sizeof(note) - 1)), 1, 2, 3, 4 }, *text;

	for (size_t i = 0; i < sizeof(note) - 1; i++)
		frame[6 + i] = note[i] ^ key[i & 3];
	request_rec_set(&rec, "GET /rpc HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
			"HTTP/1.1 101 Switching Protocols\r\n\r\n");
	cr_assert_eq(model_add_record(model, &rec, sizeof(rec)), REC_REQUEST);
	rec.seq = 1;
	request_rec_set(&rec, frame, "");
	cr_assert_eq(model_add_record(model, &rec, sizeof(rec)), REC_REQUEST);
	text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);
	cr_assert_eq(value_of(text, "latscope_requests_oneway_total{port=\"8080\",method=\"ws\","
				    "endpoint=\"/rpc log\"}"),
		     1, "%s", text);
	cr_assert_eq(value_of(text, "latscope_requests_oneway_total{" SERVER_USERS "}"), 0);
	cr_assert(has_line(text, "# TYPE latscope_requests_oneway_total counter"));
	free(text);
}

Test(sections, upstreams_per_peer)
{
	const char *labels = "peer=\"127.0.0.1:9000\",method=\"GET\",endpoint=\"/api\"";
	char series[256];
	char *text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);

	assert_histogram(text, "latscope_upstream_duration_seconds", labels, api_runs, 1);
	snprintf(series, sizeof(series),
		 "latscope_upstream_requests_total{%s,status_class=\"4xx\"}", labels);
	cr_assert_eq(value_of(text, series), 4);
	/* A client writes the call and reads the reply. */
	snprintf(series, sizeof(series), "latscope_upstream_request_bytes_total{%s}", labels);
	cr_assert_eq(value_of(text, series), 4000);
	snprintf(series, sizeof(series), "latscope_upstream_response_bytes_total{%s}", labels);
	cr_assert_eq(value_of(text, series), 400);
	cr_assert_null(strstr(text, "latscope_request_duration_seconds_count{peer"));
	free(text);
}

Test(sections, functions)
{
	const char *labels = "function=\"handle\",module=\"/usr/bin/app\"";
	char *text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);

	assert_histogram(text, "latscope_function_duration_seconds", labels, handle_runs, 2);
	cr_assert_float_eq(value_of(text,
				    "latscope_function_self_seconds_total{function=\"handle\","
				    "module=\"/usr/bin/app\"}"),
			   0.0005, 1e-12);
	free(text);
}

Test(sections, resources_of_groups_switched_on)
{
	const char *app = "comm=\"app\"";
	char *text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);

	assert_histogram(text, "latscope_process_off_cpu_seconds", app, off_cpu_runs, 2);
	assert_histogram(text, "latscope_process_run_queue_seconds", app, NULL, 0);
	assert_histogram(text, "latscope_process_disk_request_duration_seconds", app, disk_runs, 1);
	assert_histogram(text, "latscope_process_tcp_connect_duration_seconds", app, NULL, 0);
	cr_assert_eq(value_of(text, "latscope_process_cpu_seconds_total{comm=\"app\"}"), 1.5);
	cr_assert_eq(value_of(text, "latscope_process_cpu_seconds_total{comm=\"child\"}"), 1e-6);
	cr_assert_eq(value_of(text, "latscope_process_context_switches_total{comm=\"app\","
				    "kind=\"involuntary\"}"),
		     4);
	cr_assert_eq(value_of(text, "latscope_process_page_faults_total{comm=\"app\","
				    "kind=\"major\"}"),
		     2);
	cr_assert_eq(value_of(text, "latscope_process_disk_requests_total{comm=\"app\","
				    "op=\"read\"}"),
		     3);
	cr_assert_eq(value_of(text, "latscope_process_disk_bytes_total{comm=\"app\","
				    "op=\"read\"}"),
		     12288);
	cr_assert_eq(value_of(text, "latscope_process_network_bytes_total{comm=\"app\","
				    "direction=\"sent\"}"),
		     4600);
	cr_assert_eq(value_of(text, "latscope_process_tcp_closes_total{comm=\"app\","
				    "kind=\"abort\"}"),
		     1);
	cr_assert_eq(value_of(text, "latscope_process_tcp_resets_total{comm=\"app\","
				    "direction=\"received\"}"),
		     2);
	cr_assert_eq(value_of(text, "latscope_process_resident_memory_bytes{comm=\"app\"}"),
		     2048 * 1024);
	cr_assert_null(strstr(text, "latscope_process_resident_memory_bytes{comm=\"child\""),
		       "no RSS before the first /proc reading");
	cr_assert_null(strstr(text, "latscope_process_traced_page_faults"), "faults group is off");
	free(text);
}

Test(sections, process_cap_folds_counters_too)
{
	char *text = render_once(METRICS_PROMETHEUS_TEXT, 1);

	cr_assert_eq(value_of(text, "latscope_process_cpu_seconds_total{comm=\"other\"}"), 1e-6);
	cr_assert_eq(value_of(text, "latscope_metrics_folded_total{family=\"latscope_process_*\"}"),
		     1);
	/* Server endpoints by count: /users/{id} (42), /login, (not http) folded. */
	cr_assert_eq(value_of(text, "latscope_requests_total{port=\"other\",method=\"other\","
				    "endpoint=\"other\",status_class=\"3xx\"}"),
		     5);
	cr_assert_eq(value_of(text, "latscope_request_duration_seconds_count{port=\"other\","
				    "method=\"other\",endpoint=\"other\"}"),
		     6);
	cr_assert_eq(value_of(text, "latscope_metrics_folded_total{family="
				    "\"latscope_request_duration_seconds\"}"),
		     2);
	free(text);
}

Test(sections, promtool_accepts_every_section)
{
	char *text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);

	assert_promtool_accepts(text);
	free(text);
}

Test(sections, openmetrics_units)
{
	char *text = render_once(METRICS_OPENMETRICS, METRICS_SERIES_CAP);

	cr_assert(has_line(text, "# TYPE latscope_requests counter"));
	cr_assert(has_line(text, "# UNIT latscope_request_bytes bytes"));
	cr_assert(has_line(text, "# UNIT latscope_process_cpu_seconds seconds"));
	cr_assert(has_line(text, "# TYPE latscope_process_resident_memory_bytes gauge"));
	free(text);
}

/* Two workers of one comm, one of them gone: a master and its restarted worker. */
static void add_workers(void)
{
	struct proc_stats st = { .rss_kb = 1024, .has_memory = true };
	struct res_process *a = resources_process(&model->res, 44);
	struct res_process *b = resources_process(&model->res, 45);

	cr_assert(a && b);
	strcpy(a->comm, "worker");
	strcpy(b->comm, "worker");
	SCHED_NOW(a, on_cpu_ns) = 2000000000ULL;
	SCHED_NOW(b, on_cpu_ns) = 3000000000ULL;
	lat_samples_add(res_process_hist(a, fam("sched"), 0), 50000, 4, false);
	lat_samples_add(res_process_hist(b, fam("sched"), 0), 2000000000ULL, 6, false);
	res_process_set_proc(a, &st, false);
	st.rss_kb = 512;
	res_process_set_proc(b, &st, false);
	res_process_mark_gone(b);
}

Test(sections, processes_of_one_comm_are_one_series)
{
	static const struct sample_run workers_off_cpu[] = { { 50000, 4 }, { 2000000000ULL, 6 } };
	char *text;

	add_workers();
	text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);
	cr_assert_eq(value_of(text, "latscope_process_cpu_seconds_total{comm=\"worker\"}"), 5,
		     "counters add up, the exited worker's included");
	assert_histogram(text, "latscope_process_off_cpu_seconds", "comm=\"worker\"",
			 workers_off_cpu, 2);
	cr_assert_eq(value_of(text, "latscope_process_resident_memory_bytes{comm=\"worker\"}"),
		     1024 * 1024, "memory of the running worker only");
	for (const char *p = strstr(text, "pid="); p; p = strstr(p + 1, "pid=")) {
		const char *line = p;

		while (line > text && line[-1] != '\n')
			line--;
		cr_assert(!strncmp(line, "latscope_target_info{", 21), "a pid label: %.80s", line);
	}
	free(text);
}

Test(sections, metrics_pid_keeps_one_series_per_process)
{
	char *text;

	add_workers();
	cfg.pid_labels = true;
	text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);
	cr_assert_eq(value_of(text,
			      "latscope_process_cpu_seconds_total{comm=\"worker\",pid=\"44\"}"),
		     2);
	cr_assert_eq(value_of(text,
			      "latscope_process_cpu_seconds_total{comm=\"worker\",pid=\"45\"}"),
		     3);
	cr_assert_eq(value_of(text,
			      "latscope_process_resident_memory_bytes{comm=\"worker\",pid=\"44\"}"),
		     1024 * 1024);
	cr_assert_null(strstr(text,
			      "latscope_process_resident_memory_bytes{comm=\"worker\",pid=\"45\"}"),
		       "gone: no memory reading");
	assert_promtool_accepts(text);
	free(text);
}

Test(sections, targets_of_one_comm_are_numbered)
{
	char *text;

	model_add_target(model, 50, false);
	model_add_target(model, 51, false);
	strcpy(model->targets[1].comm, "we\"ird\\x");
	strcpy(model->targets[2].comm, "we\"ird\\x");
	model->targets[2].state = TARGET_EXITED;
	text = render_once(METRICS_PROMETHEUS_TEXT, METRICS_SERIES_CAP);
	cr_assert_eq(value_of(text, "latscope_target_up{target=\"we\\\"ird\\\\x#2\"}"), 1);
	cr_assert_eq(value_of(text, "latscope_target_up{target=\"we\\\"ird\\\\x#3\"}"), 0);
	cr_assert_eq(value_of(text, "latscope_target_info{target=\"we\\\"ird\\\\x#3\","
				    "comm=\"we\\\"ird\\\\x\",pid=\"51\"}"),
		     1);
	free(text);
}
