// Taking a subcommand's own options out of argv.
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli/extra_options.h"

struct seen {
	char values[8][64];
	int n;
};

static int take(void *ctx, const char *name, const char *value, char *why, size_t len)
{
	struct seen *s = ctx;

	snprintf(s->values[s->n++], 64, "%s=%s", name, value ? value : "(flag)");
	return 0;
}

static const struct extra_option opts[] = {
	{ "assert", true, take },
	{ "junit", true, take },
	{ "strict", false, take },
	{ NULL },
};

Test(extra_options, takes_its_own_and_keeps_the_rest)
{
	char *argv[] = { "check",    "-p", "12",       "--assert",
			 "a < 1",    "-c", "--assert", "--junit=out.xml",
			 "--strict", "-d", "3",	       "--asserted",
			 NULL };
	int argc = 12;
	struct seen s = {};
	char why[128];

	cr_assert_eq(extra_options_take(&argc, argv, opts, &s, why, sizeof(why)), 0, "%s", why);
	cr_assert_eq(s.n, 3);
	cr_expect_str_eq(s.values[0], "assert=a < 1");
	cr_expect_str_eq(s.values[1], "junit=out.xml");
	cr_expect_str_eq(s.values[2], "strict=(flag)");
	cr_assert_eq(argc, 8);
	cr_expect_str_eq(argv[3], "-c");
	cr_expect_str_eq(argv[4], "--assert", "the value of -c is not an option");
	cr_expect_str_eq(argv[7], "--asserted", "only exact names match");
	cr_expect_null(argv[8]);
}

Test(extra_options, errors)
{
	char *a1[] = { "check", "--assert", NULL };
	char *a2[] = { "check", "--strict=1", NULL };
	struct seen s = {};
	char why[128];
	int argc = 2;

	cr_expect_eq(extra_options_take(&argc, a1, opts, &s, why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "needs a value"), "%s", why);
	argc = 2;
	cr_expect_eq(extra_options_take(&argc, a2, opts, &s, why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "takes no value"), "%s", why);
}
