// -u specs: parsing, library short names, globs and "did you mean".
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli/options.h"
#include "loader/uprobe_spec.h"

static struct uprobe_spec parse_ok(const char *arg)
{
	struct uprobe_spec spec;
	char why[256];

	cr_assert_eq(uprobe_spec_parse(arg, &spec, why, sizeof(why)), 0, "%s: %s", arg, why);
	return spec;
}

Test(uprobe_spec, forms)
{
	struct uprobe_spec s = parse_ok("handle_request");

	cr_assert_null(s.module);
	cr_assert_str_eq(s.pattern, "handle_request");
	cr_assert(!s.glob);
	uprobe_spec_free(&s);
	s = parse_ok("libc:malloc");
	cr_assert_str_eq(s.module, "libc");
	cr_assert_str_eq(s.pattern, "malloc");
	uprobe_spec_free(&s);
	s = parse_ok("/opt/app/lib/libfoo.so:foo_*");
	cr_assert_str_eq(s.module, "/opt/app/lib/libfoo.so");
	cr_assert_str_eq(s.pattern, "foo_*");
	cr_assert(s.glob);
	uprobe_spec_free(&s);
}

Test(uprobe_spec, cxx_double_colon_does_not_split)
{
	struct uprobe_spec s = parse_ok("app::Server::run");

	cr_assert_null(s.module);
	cr_assert_str_eq(s.pattern, "app::Server::run");
	uprobe_spec_free(&s);
	s = parse_ok("libapp:ns::f");
	cr_assert_str_eq(s.module, "libapp");
	cr_assert_str_eq(s.pattern, "ns::f");
	uprobe_spec_free(&s);
}

Test(uprobe_spec, rejects_bad)
{
	const char *bad[] = { "", ":malloc", "libc:", "a b", "libc:mal loc" };
	struct uprobe_spec s;
	char why[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(uprobe_spec_parse(bad[i], &s, why, sizeof(why)), -EINVAL, "'%s'",
			     bad[i]);
		cr_assert(why[0], "a reason for '%s'", bad[i]);
	}
}

Test(uprobe_spec, module_short_names)
{
	cr_assert(uprobe_module_matches("libc", "/usr/lib/x86_64-linux-gnu/libc.so.6"));
	cr_assert(uprobe_module_matches("c", "/usr/lib/x86_64-linux-gnu/libc.so.6"));
	cr_assert(uprobe_module_matches("libc.so.6", "/lib/libc.so.6"));
	cr_assert(uprobe_module_matches("libc", "/lib/libc-2.31.so"));
	cr_assert(uprobe_module_matches("app", "/srv/bin/app"));
	cr_assert(!uprobe_module_matches("libc", "/usr/lib/libcrypto.so.3"));
	cr_assert(!uprobe_module_matches("c", "/usr/lib/libcrypto.so.3"));
	cr_assert(!uprobe_module_matches("libc", "/usr/lib/libc-client.so"));
	cr_assert(!uprobe_module_matches("app", "/srv/bin/apps"));
	cr_assert(uprobe_module_matches("/lib/libc.so.6", "/lib/libc.so.6"));
	cr_assert(!uprobe_module_matches("/lib/libc.so.6", "/usr/lib/libc.so.6"));
}

Test(uprobe_spec, patterns)
{
	struct uprobe_spec glob = parse_ok("parse_*"), exact = parse_ok("parse");

	cr_assert(uprobe_pattern_matches(&glob, "parse_header"));
	cr_assert(!uprobe_pattern_matches(&glob, "parse"));
	cr_assert(uprobe_pattern_matches(&exact, "parse"));
	cr_assert(!uprobe_pattern_matches(&exact, "parse_header"));
	uprobe_spec_free(&glob);
	uprobe_spec_free(&exact);
}

Test(uprobe_spec, name_distance)
{
	cr_assert_eq(name_distance("malloc", "malloc", 3), 0);
	cr_assert_eq(name_distance("mallocc", "malloc", 3), 1);
	cr_assert_eq(name_distance("handle_requst", "handle_request", 3), 1);
	cr_assert_eq(name_distance("kitten", "sitting", 5), 3);
	cr_assert_eq(name_distance("a", "completely_different", 3), 4, "capped at limit + 1");
}

Test(uprobe_spec, cli_option_repeatable)
{
	char *argv[] = { "record", "-p", "1", "-u", "handle", "--uprobe", "libc:malloc", NULL };
	char *bad[] = { "record", "-p", "1", "-u", "libc:", NULL };
	struct trace_settings cli;
	char err[256];

	cr_assert_eq(trace_cli_parse(7, argv, &cli, err, sizeof(err)), PARSE_OK, "%s", err);
	cr_assert_eq(cli.n_func_specs, 2);
	cr_assert_str_eq(cli.func_specs[1], "libc:malloc");
	trace_cli_free(&cli);
	cr_assert_eq(trace_cli_parse(5, bad, &cli, err, sizeof(err)), PARSE_ERROR);
	cr_assert(strstr(err, "libc:"), "%s", err);
	trace_cli_free(&cli);
}

Test(uprobe_spec, cxx_names)
{
	struct uprobe_spec full = parse_ok("app::Server::run(int)");
	struct uprobe_spec overloads = parse_ok("app::Server::run");
	struct uprobe_spec glob = parse_ok("app::Server::*");
	struct uprobe_spec mangled = parse_ok("_ZN3app6Server3runEi");
	char *d = uprobe_demangle("_ZN3app6Server3runEi");

	cr_assert_str_eq(d, "app::Server::run(int)");
	free(d);
	cr_assert_null(uprobe_demangle("malloc"));
	cr_assert(uprobe_pattern_matches(&full, "_ZN3app6Server3runEi"));
	cr_assert(uprobe_pattern_matches(&overloads, "_ZN3app6Server3runEi"));
	cr_assert(uprobe_pattern_matches(&overloads, "_ZN3app6Server3runEPKc"));
	cr_assert(!uprobe_pattern_matches(&overloads, "_ZN3app6Server6runnerEv"));
	cr_assert(uprobe_pattern_matches(&glob, "_ZN3app6Server6runnerEv"));
	cr_assert(!uprobe_pattern_matches(&glob, "_ZN3app5Other3runEv"));
	cr_assert(uprobe_pattern_matches(&mangled, "_ZN3app6Server3runEi"));
	uprobe_spec_free(&full);
	uprobe_spec_free(&overloads);
	uprobe_spec_free(&glob);
	uprobe_spec_free(&mangled);
}
