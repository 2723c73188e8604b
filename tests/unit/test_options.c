// Command-line parsing: values and whole command lines, good and bad.
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/parse.h"
#include "cli/options.h"
#include "model/budget.h"

Test(pids, single_and_list)
{
	pid_t *pids;
	int n;

	cr_assert_eq(parse_pid_list("1234", &pids, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(pids[0], 1234);
	free(pids);
	cr_assert_eq(parse_pid_list("1234,1240,1234", &pids, &n), 0);
	cr_assert_eq(n, 2, "duplicates are folded");
	cr_assert_eq(pids[1], 1240);
	free(pids);
}

Test(pids, rejects_garbage)
{
	const char *bad[] = { "",    "abc", "12a", "-5", "0", "1,,2", "1,", ",1", "99999999999999",
			      " 12", "1 2" };
	pid_t *pids;
	int n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(parse_pid_list(bad[i], &pids, &n), -EINVAL, "'%s'", bad[i]);
}

Test(duration, units)
{
	struct {
		const char *in;
		__u64 bare, ns;
	} ok[] = {
		{ "20ms", 1, 20000000 },      { "1.5s", 1, 1500000000 },
		{ "250us", 1, 250000 },	      { "100ns", 1, 100 },
		{ "2m", 1, 120000000000ULL }, { "10", 1000000000, 10000000000ULL },
		{ "0.5", 1000000, 500000 },
	};
	__u64 ns;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert_eq(parse_duration_ns(ok[i].in, ok[i].bare, &ns), 0, "%s", ok[i].in);
		cr_assert_eq(ns, ok[i].ns, "%s", ok[i].in);
	}
}

Test(duration, rejects_garbage)
{
	const char *bad[] = { "", "ms", "-1s", "10 ms", "10xs", "1e400", "nan", " 5" };
	__u64 ns;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_neq(parse_duration_ns(bad[i], 1, &ns), 0, "'%s'", bad[i]);
}

Test(size, suffixes)
{
	__u64 b;

	cr_assert_eq(parse_size("4K", &b), 0);
	cr_assert_eq(b, 4096);
	cr_assert_eq(parse_size("1M", &b), 0);
	cr_assert_eq(b, 1 << 20);
	cr_assert_eq(parse_size("65536", &b), 0);
	cr_assert_eq(b, 65536);
	cr_assert_neq(parse_size("4Q", &b), 0);
	cr_assert_neq(parse_size("K", &b), 0);
}

/* Parses a command line given as one string split on spaces. */
static enum parse_result parse(const char *line, struct trace_settings *cli, char *err, size_t len)
{
	static char buf[512];
	char *argv[32];
	int argc = 0;

	snprintf(buf, sizeof(buf), "record %s", line);
	for (char *tok = strtok(buf, " "); tok && argc < 31; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return trace_cli_parse(argc, argv, cli, err, len);
}

Test(cli, record_by_pid_with_everything)
{
	struct trace_settings cli;
	char err[256];

	cr_assert_eq(parse("-p 12,34 -d 10 -i 1 --slow 20ms -o x.json --jsonl --no-overhead", &cli,
			   err, sizeof(err)),
		     PARSE_OK, "%s", err);
	cr_assert_eq(cli.n_pids, 2);
	cr_assert_float_eq(cli.duration_s, 10.0, 1e-9);
	cr_assert_float_eq(cli.interval_s, 1.0, 1e-9);
	cr_assert_eq(cli.slow_ns, 20000000);
	cr_assert_str_eq(cli.output, "x.json");
	cr_assert(cli.jsonl);
	cr_assert_not(cli.overhead);
	cr_assert_not(cli.follow, "-p does not follow children unless -f");
	trace_cli_free(&cli);
}

Test(cli, max_overhead)
{
	const struct {
		const char *line;
		double share;
	} good[] = {
		{ "-p 1", BUDGET_DEFAULT_SHARE },     { "-p 1 --max-overhead 1%", 0.01 },
		{ "-p 1 --max-overhead 0.5", 0.005 }, { "-p 1 --max-overhead 100%", 1.0 },
		{ "-p 1 --max-overhead off", 0 },     { "-p 1 --max-overhead none", 0 },
	};
	const char *bad[] = { "-p 1 --max-overhead 0",	  "-p 1 --max-overhead -1%",
			      "-p 1 --max-overhead 101%", "-p 1 --max-overhead 1%%",
			      "-p 1 --max-overhead abc",  "-p 1 --max-overhead nan" };
	struct trace_settings cli;
	char err[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert_eq(parse(good[i].line, &cli, err, sizeof(err)), PARSE_OK, "%s: %s",
			     good[i].line, err);
		cr_assert_float_eq(cli.max_overhead, good[i].share, 1e-12, "%s", good[i].line);
		trace_cli_free(&cli);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(bad[i], &cli, err, sizeof(err)), PARSE_ERROR, "%s", bad[i]);
		cr_assert(strstr(err, "--max-overhead"), "%s: %s", bad[i], err);
		trace_cli_free(&cli);
	}
}

Test(cli, syscalls_every_one_or_none)
{
	struct trace_settings cli;
	char err[256];

	cr_assert_eq(parse("-p 1", &cli, err, sizeof(err)), PARSE_OK);
	cr_assert(cli.syscalls);
	cr_assert_not(cli.syscalls_all, "a server's are sampled unless asked");
	trace_cli_free(&cli);
	cr_assert_eq(parse("-p 1 --syscalls", &cli, err, sizeof(err)), PARSE_OK);
	cr_assert(cli.syscalls_all);
	trace_cli_free(&cli);
	cr_assert_eq(parse("-p 1 --syscalls --no-syscalls", &cli, err, sizeof(err)), PARSE_OK);
	cr_assert_not(cli.syscalls, "the last one wins");
	trace_cli_free(&cli);
}

Test(cli, command_follows_by_default)
{
	struct trace_settings cli;
	char err[256];

	cr_assert_eq(parse("-c ./server", &cli, err, sizeof(err)), PARSE_OK);
	cr_assert(cli.follow);
	cr_assert_str_eq(cli.command, "./server");
	trace_cli_free(&cli);
}

Test(cli, bad_command_lines)
{
	const char *bad[] = {
		"",
		"-p",
		"-p abc",
		"-p 1 -c x",
		"-p 1 --bogus",
		"-p 1 -d",
		"-p 1 -d -3",
		"-p 1 -d 0",
		"-p 1 --slow fast",
		"-p 1 --jsonl",
		"-p 1 extra",
		"-p 1 --ringbuf-size 3000",
		"-p 1 -i 1x",
	};
	struct trace_settings cli;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(parse(bad[i], &cli, err, sizeof(err)), PARSE_ERROR, "'%s'", bad[i]);
		cr_assert_neq(err[0], '\0', "'%s' gives a message", bad[i]);
		trace_cli_free(&cli);
	}
}

Test(cli, help)
{
	struct trace_settings cli;
	char err[256];

	cr_assert_eq(parse("--help", &cli, err, sizeof(err)), PARSE_HELP);
	trace_cli_free(&cli);
}

Test(cli, request_options)
{
	struct trace_settings cli;
	char err[256];

	cr_assert_eq(parse("-p 1", &cli, err, sizeof(err)), PARSE_OK, "%s", err);
	cr_assert(cli.requests && cli.syscalls, "both on by default");
	cr_assert_not(cli.proto.keep_query);
	trace_cli_free(&cli);
	cr_assert_eq(parse("-p 1 --no-syscalls --keep-query", &cli, err, sizeof(err)), PARSE_OK,
		     "%s", err);
	cr_assert(cli.requests && !cli.syscalls && cli.proto.keep_query);
	trace_cli_free(&cli);
	cr_assert_eq(parse("-p 1 --no-requests", &cli, err, sizeof(err)), PARSE_OK);
	cr_assert(!cli.requests && cli.syscalls);
	trace_cli_free(&cli);
}
