// Terminal histograms with percentile markers (see histogram.h).
#include <string.h>
#include "base/format.h"
#include "base/latency.h"
#include "model/funcs.h"
#include "model/requests.h"
#include "views/text/histogram.h"

#define BAR_WIDTH 40

static const struct {
	double q;
	const char *name;
} markers[] = { { 0.50, "p50" }, { 0.90, "p90" }, { 0.99, "p99" }, { 0.999, "p99.9" } };

void hist_text_print(FILE *out, const char *title, const struct lat_stats *stats, int max_bars)
{
	struct lat_bar bars[HIST_TEXT_BARS];
	__u64 q[sizeof(markers) / sizeof(markers[0])], peak = 0;
	int n;

	if (max_bars > HIST_TEXT_BARS)
		max_bars = HIST_TEXT_BARS;
	n = lat_stats_bars(stats, bars, max_bars);
	if (!n)
		return;
	for (size_t m = 0; m < sizeof(markers) / sizeof(markers[0]); m++)
		q[m] = lat_stats_quantile(stats, markers[m].q);
	for (int i = 0; i < n; i++)
		if (bars[i].count > peak)
			peak = bars[i].count;
	fprintf(out, "%s: %llu calls\n", title, (unsigned long long)stats->count);
	for (int i = 0; i < n; i++) {
		char low[16], high[16], count[16], bar[BAR_WIDTH + 1];
		int len = (int)((bars[i].count * BAR_WIDTH + peak - 1) / peak);

		memset(bar, ' ', BAR_WIDTH);
		memset(bar, '#', len);
		bar[BAR_WIDTH] = '\0';
		fprintf(out, "  %8s - %-8s %8s |%s|",
			format_duration(bars[i].low_ns, low, sizeof(low)),
			format_duration(bars[i].high_ns, high, sizeof(high)),
			format_count(bars[i].count, count, sizeof(count)), bar);
		for (size_t m = 0; m < sizeof(markers) / sizeof(markers[0]); m++)
			if (q[m] >= bars[i].low_ns && q[m] < bars[i].high_ns)
				fprintf(out, " <%s", markers[m].name);
		fputc('\n', out);
	}
}

void hist_text_report(FILE *out, struct model *model, enum model_window window)
{
	const struct syscall_view *sc;
	const struct req_flat_row *rq;
	const struct func_view *fn;
	char title[300];
	int n;

	funcs_views(model->funcs, window, NULL, &fn, &n);
	for (int i = 0; i < n; i++) {
		snprintf(title, sizeof(title), "\nfunction %s", fn[i].name);
		hist_text_print(out, title, fn[i].hist, HIST_TEXT_BARS);
	}
	if (!requests_rows(model->requests, window, NULL, &rq, &n)) {
		for (int i = 0; i < n; i++) {
			snprintf(title, sizeof(title), "\n%s %s",
				 rq[i].role == REQ_ROLE_CLIENT ? "upstream" : "request", rq[i].key);
			hist_text_print(out, title, &rq[i].hist, HIST_TEXT_BARS);
		}
	}
	/* Views come ordered by total time: the first few are where time goes. */
	syscalls_views(&model->syscalls, window, NULL, &sc, &n);
	for (int i = 0; i < n && i < HIST_TEXT_SYSCALLS; i++) {
		snprintf(title, sizeof(title), "\nsyscall %s", sc[i].name);
		hist_text_print(out, title, sc[i].hist, HIST_TEXT_BARS);
	}
}
