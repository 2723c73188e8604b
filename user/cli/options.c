// Parsing of the tracing subcommands' options and their values.
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/budget.h"
#include "model/resources.h"
#include "base/parse.h"
#include "cli/options.h"
#include "loader/uprobe_spec.h"

#define DEFAULT_RINGBUF_BYTES (1U << 20)
#define DEFAULT_KEEP_EVENTS   1000

static const char usage_head[] =
	"  -p, --pid PID[,PID...]   trace running processes (all their threads)\n"
	"  -c, --command CMD        start CMD and trace it from exec (a simple command is\n"
	"                           exec'd; pipes, redirections, lists run under /bin/sh -c)\n"
	"  -f, --follow             also trace existing descendants of -p PIDs and\n"
	"                           children forked later (default with -c)\n"
	"      --comm NAME          trace every process named NAME, now and later\n"
	"      --cgroup PATH        trace every process in cgroup v2 PATH (or below),\n"
	"                           now and joining later\n"
	"      --unit NAME          the cgroup of systemd service NAME(.service)\n"
	"      --keep-running       go on when the targets exit (with --listen: an\n"
	"                           exporter; new --comm/--cgroup/--unit matches join)\n"
	"  -d, --duration SECONDS   stop after this long (default: until exit or Ctrl-C)\n"
	"  -i, --interval SECONDS   print a report every interval\n"
	"      --slow DURATION      report each syscall and request slower than this (e.g. 20ms)\n"
	"      --no-requests        do not track network requests\n"
	"      --no-tls             do not decode TLS through OpenSSL uprobes\n"
	"      --no-syscalls        do not trace syscall latency (requests only)\n"
	"      --syscalls           every syscall, even a server's (default: sampled there)\n"
	"      --max-overhead PCT   kernel cost budget, %% of one CPU (default 5%%; off: none)\n"
	"      --keep-query         keep query strings in HTTP endpoints\n"
	"      --proto PORT=NAME    the protocol on PORT: http, redis, postgres or tcp\n"
	"                           (default: from the first bytes, then the port)\n"
	"      --ws-key KEY         name WebSocket JSON messages by this member's value\n"
	"  -o, --output FILE        write a JSON snapshot (replaced atomically)\n"
	"      --json               write the JSON snapshot to stdout\n"
	"      --jsonl              with -i: one snapshot per line (appended to -o)\n"
	"      --no-overhead        do not sample BPF run-time statistics\n";

/* After the resource families' lines (from their table). */
static const char usage_tail[] =
	"      --ringbuf-size SIZE  ring buffer size, power of two (default 1M)\n"
	"      --keep N             slow calls and process events kept (default 1000)\n"
	"  -u, --uprobe SPEC        function latency, repeatable: FUNC, LIB:FUNC,\n"
	"                           /path/lib.so:GLOB (e.g. -u handle_request -u libc:malloc)\n"
	"      --listen ADDR:PORT   serve Prometheus metrics at /metrics (:PORT means\n"
	"                           127.0.0.1:PORT; 0.0.0.0:PORT for every interface)\n"
	"      --buckets LIST       histogram bounds for --listen, e.g. 1ms,10ms,100ms,1s\n"
	"      --metrics-pid        with --listen: per-process series by pid, not by comm\n"
	"  -v, --verbose            libbpf and verifier messages\n"
	"  -h, --help               this help\n";

enum long_only {
	OPT_SLOW = 256,
	OPT_JSON,
	OPT_JSONL,
	OPT_NO_OVERHEAD,
	OPT_RINGBUF_SIZE,
	OPT_KEEP,
	OPT_NO_REQUESTS,
	OPT_NO_TLS,
	OPT_NO_SYSCALLS,
	OPT_SYSCALLS,
	OPT_MAX_OVERHEAD,
	OPT_KEEP_QUERY,
	OPT_PROTO,
	OPT_WS_KEY,
	OPT_LISTEN,
	OPT_BUCKETS,
	OPT_METRICS_PID,
	OPT_COMM,
	OPT_CGROUP,
	OPT_UNIT,
	OPT_KEEP_RUNNING,
	/* --FAMILY is OPT_GROUP_ON + its index, --no-FAMILY OPT_GROUP_OFF + it. */
	OPT_GROUP_ON = 512,
	OPT_GROUP_OFF = OPT_GROUP_ON + RES_MAX_FAMILIES,
};

static const struct option fixed_options[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "command", required_argument, NULL, 'c' },
	{ "follow", no_argument, NULL, 'f' },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "keep-running", no_argument, NULL, OPT_KEEP_RUNNING },
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "slow", required_argument, NULL, OPT_SLOW },
	{ "output", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "jsonl", no_argument, NULL, OPT_JSONL },
	{ "no-overhead", no_argument, NULL, OPT_NO_OVERHEAD },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF_SIZE },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "no-requests", no_argument, NULL, OPT_NO_REQUESTS },
	{ "no-tls", no_argument, NULL, OPT_NO_TLS },
	{ "no-syscalls", no_argument, NULL, OPT_NO_SYSCALLS },
	{ "syscalls", no_argument, NULL, OPT_SYSCALLS },
	{ "max-overhead", required_argument, NULL, OPT_MAX_OVERHEAD },
	{ "keep-query", no_argument, NULL, OPT_KEEP_QUERY },
	{ "proto", required_argument, NULL, OPT_PROTO },
	{ "ws-key", required_argument, NULL, OPT_WS_KEY },
	{ "uprobe", required_argument, NULL, 'u' },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "buckets", required_argument, NULL, OPT_BUCKETS },
	{ "metrics-pid", no_argument, NULL, OPT_METRICS_PID },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
};

#define N_FIXED (sizeof(fixed_options) / sizeof(fixed_options[0]))

/* --FAMILY and --no-FAMILY for each optional resource family, and the rest. */
static const struct option *long_options(void)
{
	static char names[RES_MAX_FAMILIES][2][32];
	static struct option all[N_FIXED + 2 * RES_MAX_FAMILIES + 1];
	int n = 0;

	if (all[0].name)
		return all;
	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];

		if (!f->optional)
			continue;
		snprintf(names[i][0], sizeof(names[i][0]), "%s", f->name);
		snprintf(names[i][1], sizeof(names[i][1]), "no-%s", f->name);
		all[n++] = (struct option){ names[i][0], no_argument, NULL, OPT_GROUP_ON + i };
		all[n++] = (struct option){ names[i][1], no_argument, NULL, OPT_GROUP_OFF + i };
	}
	memcpy(&all[n], fixed_options, sizeof(fixed_options));
	return all;
}

/* @line ("  -i, --interval ...") names one of @omit ("--interval"). */
static bool omitted(const char *line, const char *const *omit)
{
	for (; omit && *omit; omit++) {
		const char *at = strstr(line, *omit);
		size_t n = strlen(*omit);

		if (at && at - line < 12 && (at[n] == ' ' || at[n] == ','))
			return true;
	}
	return false;
}

/*
 * Prints @text line by line, leaving out the options in @omit with their
 * continuation lines (those that start with more than 6 spaces).
 */
static void put_lines(FILE *out, const char *text, const char *const *omit)
{
	bool skipping = false;

	while (*text) {
		size_t n = strcspn(text, "\n");
		bool continuation = !strncmp(text, "                           ", 27);

		if (!continuation)
			skipping = omitted(text, omit);
		if (!skipping)
			fprintf(out, "%.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

void trace_cli_print_usage(FILE *out, const char *const *omit)
{
	put_lines(out, usage_head, omit);
	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];
		char both[64];

		if (!f->optional)
			continue;
		snprintf(both, sizeof(both), "--%s, --no-%s", f->name, f->name);
		fprintf(out, "      %-19s  %s (default %s)\n", both, f->option_help,
			f->default_on ? "on" : "off");
	}
	put_lines(out, usage_tail, omit);
}

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return PARSE_ERROR;
}

static bool is_power_of_two(__u64 v)
{
	return v && !(v & (v - 1));
}

static int parse_seconds_opt(const char *name, const char *arg, double *out, char *err, size_t len)
{
	__u64 ns;

	if (parse_duration_ns(arg, 1000000000ULL, &ns) || ns == 0)
		return fail(err, len, "invalid %s '%s': expected seconds, e.g. 10 or 500ms", name,
			    arg);
	*out = ns / 1e9;
	return PARSE_OK;
}

/* "1%", "0.5" (percent either way) or "off"; a share of one CPU, 0 for off. */
static int parse_budget(const char *arg, double *share, char *err, size_t len)
{
	char *end;
	double pct;

	if (!strcmp(arg, "off") || !strcmp(arg, "none")) {
		*share = 0;
		return PARSE_OK;
	}
	pct = strtod(arg, &end);
	if (end != arg && *end == '%')
		end++;
	if (end == arg || *end || !isfinite(pct) || pct <= 0 || pct > 100)
		return fail(err, len,
			    "invalid --max-overhead '%s': a share of one CPU above 0 and up to "
			    "100%%, e.g. 1%% or 0.5, or off",
			    arg);
	*share = pct / 100;
	return PARSE_OK;
}

/* Checked here for a usage error (exit 2); resolved once targets exist. */
static int add_func_spec(struct trace_settings *cli, const char *arg, char *err, size_t len)
{
	struct uprobe_spec spec;
	const char **specs;

	if (uprobe_spec_parse(arg, &spec, err, len))
		return PARSE_ERROR;
	uprobe_spec_free(&spec);
	specs = realloc(cli->func_specs, (cli->n_func_specs + 1) * sizeof(*specs));
	if (!specs)
		return fail(err, len, "out of memory");
	specs[cli->n_func_specs++] = arg;
	cli->func_specs = specs;
	return PARSE_OK;
}

static int parse_one(int opt, const char *arg, struct trace_settings *cli, bool *follow_given,
		     char *err, size_t len)
{
	__u64 value;

	if (opt >= OPT_GROUP_ON && opt < OPT_GROUP_OFF) {
		cli->resource_groups |= RES_GROUP_BIT(opt - OPT_GROUP_ON);
		return PARSE_OK;
	}
	if (opt >= OPT_GROUP_OFF && opt < OPT_GROUP_OFF + RES_MAX_FAMILIES) {
		cli->resource_groups &= ~RES_GROUP_BIT(opt - OPT_GROUP_OFF);
		return PARSE_OK;
	}
	switch (opt) {
	case 'p':
		free(cli->pids);
		cli->pids = NULL;
		if (parse_pid_list(arg, &cli->pids, &cli->n_pids))
			return fail(err, len, "invalid PID list '%s': expected PID[,PID...]", arg);
		return PARSE_OK;
	case 'c':
		if (!*arg)
			return fail(err, len, "empty command for -c");
		cli->command = arg;
		return PARSE_OK;
	case 'f':
		*follow_given = true;
		return PARSE_OK;
	case OPT_COMM:
		if (!*arg || strlen(arg) >= 16 || strchr(arg, '/'))
			return fail(err, len,
				    "invalid --comm '%s': a process name, 1 to 15 characters", arg);
		cli->comm = arg;
		return PARSE_OK;
	case OPT_CGROUP:
		if (!*arg)
			return fail(err, len, "empty path for --cgroup");
		cli->cgroup = arg;
		return PARSE_OK;
	case OPT_KEEP_RUNNING:
		cli->keep_running = true;
		return PARSE_OK;
	case OPT_UNIT:
		if (!*arg || strchr(arg, '/'))
			return fail(err, len,
				    "invalid --unit '%s': a unit name, e.g. nginx.service", arg);
		cli->unit = arg;
		return PARSE_OK;
	case 'd':
		return parse_seconds_opt("duration", arg, &cli->duration_s, err, len);
	case 'i':
		return parse_seconds_opt("interval", arg, &cli->interval_s, err, len);
	case OPT_SLOW:
		if (parse_duration_ns(arg, 1000000ULL, &cli->slow_ns) || !cli->slow_ns)
			return fail(err, len, "invalid --slow '%s': expected a duration, e.g. 20ms",
				    arg);
		return PARSE_OK;
	case 'o':
		if (!*arg)
			return fail(err, len, "empty file name for -o");
		cli->output = arg;
		return PARSE_OK;
	case OPT_JSON:
		cli->json_stdout = true;
		return PARSE_OK;
	case OPT_JSONL:
		cli->jsonl = true;
		return PARSE_OK;
	case OPT_NO_OVERHEAD:
		cli->overhead = false;
		return PARSE_OK;
	case OPT_RINGBUF_SIZE:
		if (parse_size(arg, &value) || !is_power_of_two(value) || value < 4096 ||
		    value > (1U << 30))
			return fail(err, len,
				    "invalid --ringbuf-size '%s': a power of two from 4K to 1G",
				    arg);
		cli->ringbuf_bytes = (__u32)value;
		return PARSE_OK;
	case OPT_KEEP:
		if (parse_size(arg, &value) || value > 1000000)
			return fail(err, len, "invalid --keep '%s': 0 to 1000000", arg);
		cli->keep_events = value;
		return PARSE_OK;
	case OPT_NO_REQUESTS:
		cli->requests = false;
		return PARSE_OK;
	case OPT_NO_TLS:
		cli->tls = false;
		return PARSE_OK;
	case OPT_NO_SYSCALLS:
		cli->syscalls = cli->syscalls_all = false;
		return PARSE_OK;
	case OPT_SYSCALLS:
		cli->syscalls = cli->syscalls_all = true;
		return PARSE_OK;
	case OPT_MAX_OVERHEAD:
		return parse_budget(arg, &cli->max_overhead, err, len);
	case OPT_KEEP_QUERY:
		cli->proto.keep_query = true;
		return PARSE_OK;
	case OPT_PROTO:
		if (proto_add_override(&cli->proto, arg))
			return fail(err, len,
				    "invalid --proto '%s': PORT=NAME with NAME http, redis, "
				    "postgres or tcp, at most %d",
				    arg, PROTO_MAX_OVERRIDES);
		return PARSE_OK;
	case OPT_WS_KEY:
		if (!*arg || proto_token_len(arg, strlen(arg), 64) != strlen(arg))
			return fail(err, len, "invalid --ws-key '%s': a JSON member name", arg);
		cli->proto.ws_key = arg;
		return PARSE_OK;
	case 'u':
		return add_func_spec(cli, arg, err, len);
	case OPT_LISTEN:
		if (metrics_parse_listen(arg, &cli->metrics.addr, &cli->metrics.addr_len))
			return fail(
				err, len,
				"invalid --listen '%s': expected ADDR:PORT, [ADDR]:PORT or :PORT",
				arg);
		cli->metrics.listen = arg;
		return PARSE_OK;
	case OPT_BUCKETS:
		if (metrics_parse_buckets(arg, cli->metrics.bounds_ns, &cli->metrics.n_bounds))
			return fail(err, len,
				    "invalid --buckets '%s': increasing durations up to 18m, "
				    "at most %d, e.g. 1ms,10ms,100ms,1s",
				    arg, METRICS_MAX_BOUNDS);
		cli->metrics.custom_buckets = true;
		return PARSE_OK;
	case OPT_METRICS_PID:
		cli->metrics.pid_labels = true;
		return PARSE_OK;
	case 'v':
		cli->verbose = true;
		return PARSE_OK;
	case 'h':
		return PARSE_HELP;
	}
	return fail(err, len, "unknown option (see --help)");
}

static int check_combination(struct trace_settings *cli, char *err, size_t len)
{
	int selectors = !!cli->n_pids + !!cli->command + !!cli->comm + !!cli->cgroup + !!cli->unit;

	if (!selectors)
		return fail(err, len,
			    "no target: give -p PID or -c CMD (or --comm NAME, --cgroup PATH, "
			    "--unit NAME)");
	if (cli->n_pids && cli->command)
		return fail(err, len, "-p and -c exclude each other");
	if (selectors > 1)
		return fail(err, len,
			    "choose the targets one way: -p, -c, --comm, --cgroup or --unit");
	if (cli->jsonl && !cli->output && !cli->json_stdout)
		return fail(err, len, "--jsonl needs -o FILE or --json");
	return PARSE_OK;
}

enum parse_result trace_cli_parse(int argc, char **argv, struct trace_settings *cli, char *err,
				  size_t err_len)
{
	bool follow_given = false;
	int opt, rc;

	memset(cli, 0, sizeof(*cli));
	cli->overhead = true;
	cli->requests = true;
	cli->tls = true;
	cli->syscalls = true;
	cli->max_overhead = BUDGET_DEFAULT_SHARE;
	cli->resource_groups = res_default_groups();
	cli->ringbuf_bytes = DEFAULT_RINGBUF_BYTES;
	cli->keep_events = DEFAULT_KEEP_EVENTS;
	metrics_config_init(&cli->metrics);
	/*
	 * 0, not 1: glibc then also forgets a short-option cluster ("-vf")
	 * that an earlier parse stopped in, which points into its argv.
	 */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:c:fd:i:o:u:vh", long_options(), NULL)) != -1) {
		if (opt == '?')
			return fail(err, err_len, "unknown option '%s'", argv[optind - 1]);
		if (opt == ':')
			return fail(err, err_len, "option '%s' needs a value", argv[optind - 1]);
		rc = parse_one(opt, optarg, cli, &follow_given, err, err_len);
		if (rc != PARSE_OK)
			return rc;
	}
	if (optind < argc)
		return fail(err, err_len, "unexpected argument '%s'", argv[optind]);
	cli->follow = follow_given || cli->command;
	if (cli->metrics.custom_buckets && !cli->metrics.listen)
		return fail(err, err_len, "--buckets needs --listen");
	if (cli->metrics.pid_labels && !cli->metrics.listen)
		return fail(err, err_len, "--metrics-pid needs --listen");
	return check_combination(cli, err, err_len);
}

void trace_cli_free(struct trace_settings *cli)
{
	free(cli->pids);
	cli->pids = NULL;
	free(cli->func_specs);
	cli->func_specs = NULL;
	cli->n_func_specs = 0;
}
