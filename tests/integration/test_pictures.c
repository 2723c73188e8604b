// Pictures of real traces: record --hist's histograms and the heat map of
// --jsonl intervals account for every call of a workload with a known count.
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"

INTEGRATION_SUITE(pictures);

#define SLEEPS 300

/* The calls of an SVG heat map: the sum of its cells' data-count. */
static long long svg_calls(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	long long total = 0;

	cr_assert(f, "no %s", path);
	while (fgets(line, sizeof(line), f)) {
		const char *at = strstr(line, "data-count=\"");

		if (at)
			total += strtoll(at + strlen("data-count=\""), NULL, 10);
	}
	fclose(f);
	return total;
}

/* The bars under "TITLE: N calls" in record --hist's output. */
static long long hist_calls(const char *text, const char *title)
{
	const char *at = strstr(text, title);
	long long total = 0;

	cr_assert(at, "no histogram '%s' in:\n%s", title, text);
	for (at = strchr(at, '\n'); at && at[1] == ' '; at = strchr(at + 1, '\n')) {
		char lo[16], hi[16];
		long long n;

		cr_assert_eq(sscanf(at + 1, " %15s - %15s %lld |", lo, hi, &n), 3, "%s", at + 1);
		total += n;
	}
	return total;
}

Test(pictures, hist_and_heatmap_count_every_call)
{
	const char *dir = temp_dir();
	const char *jsonl = strf("%s/run.jsonl", dir), *svg = strf("%s/rec.svg", dir);
	const char *svg2 = strf("%s/cmd.svg", dir);
	struct proc *p;

	p = record_command(sysload_cmd(strf("sleep %d 2", SLEEPS)),
			   (char *[]){ "-i", "0.2", "--jsonl", "-o", (char *)jsonl, "--hist",
				       "--heatmap", (char *)svg, "--heatmap-row",
				       "syscalls.clock_nanosleep", NULL });
	assert_exit(p, 0);
	cr_assert_eq(hist_calls(p->out.data, strf("syscall clock_nanosleep: %d calls\n", SLEEPS)),
		     SLEEPS);
	cr_assert_eq(svg_calls(svg), SLEEPS, "record --heatmap");
	cr_assert(strstr(p->out.data, "heatmap: syscalls.clock_nanosleep, "), "%s", p->out.data);

	p = run_command((char *[]){ (char *)latscope_bin(), "heatmap", (char *)jsonl, "-o",
				    (char *)svg2, NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 0);
	cr_assert(strstr(p->out.data, "heatmap: syscalls.clock_nanosleep, "),
		  "the busiest row by default: %s", p->out.data);
	cr_assert_eq(svg_calls(svg2), SLEEPS, "latscope heatmap on the --jsonl lines");
	p = run_command((char *[]){ (char *)latscope_bin(), "heatmap", (char *)jsonl, "-o",
				    (char *)svg2, "--row", "syscalls.nosuch", NULL },
			RUN_TIMEOUT_S);
	assert_exit(p, 1);
	cr_assert(strstr(p->err.data, "no syscalls.nosuch in any interval"), "%s", p->err.data);
}
