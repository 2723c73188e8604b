// latscope top: ncurses drawing of one frame.
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/format.h"
#include "base/latency.h"
#include "base/syscall_names.h"
#include "model/requests.h"
#include "views/top/columns.h"
#include "views/top/screen.h"

#define HEADER_LINES 6 /* vital signs, cost, tabs, status, column titles */
#define MIN_COLS     40
#define MIN_LINES    10
#define MAX_BARS     64
/* A histogram line without its bar: "%7s - %-7s %7s |", "|", three markers. */
#define BAR_FRAME (27 + 1 + 15 + 1)

enum colour { PAIR_ERROR = 1, PAIR_WARN, PAIR_TITLE };

/* Quantiles marked on histograms; indices into lat_summary.quantile_ns. */
static const struct {
	int index;
	const char *name;
} markers[] = { { LAT_P50, "p50" }, { LAT_P95, "p95" }, { LAT_P99, "p99" } };

static bool screen_open;
static int first_row;	     /* scroll position of the table */
static struct top_rows rows; /* big: kept off the stack */

/*
 * put() wraps at the right edge into the next line; every piece of text
 * goes through here instead, clipped to what is left of its line (and one
 * short on the last line, whose last cell would scroll the screen).
 */
#define mvput(y, x, ...) (move((y), (x)), put(__VA_ARGS__))

static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void put(const char *fmt, ...)
{
	char buf[512];
	int y, x, room;
	va_list ap;

	getyx(stdscr, y, x);
	room = COLS - x - (y == LINES - 1);
	if (room <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	addnstr(buf, room);
}

int top_screen_open(void)
{
	/* newterm, not initscr: an unknown TERM is an error to report, not an exit. */
	if (!newterm(NULL, stdout, stdin))
		return -1;
	screen_open = true;
	atexit(top_screen_close);
	cbreak(); /* Ctrl-C still raises SIGINT: the session stops */
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(PAIR_ERROR, COLOR_RED, -1);
		init_pair(PAIR_WARN, COLOR_YELLOW, -1);
		init_pair(PAIR_TITLE, COLOR_CYAN, -1);
	}
	return 0;
}

void top_screen_close(void)
{
	if (!screen_open)
		return;
	screen_open = false;
	curs_set(1);
	endwin();
}

int top_screen_key(void)
{
	return getch();
}

static attr_t alert_attr(const struct top_column *col)
{
	return COLOR_PAIR(col->highlight == TOP_HL_NONZERO ? PAIR_ERROR : PAIR_WARN) | A_BOLD;
}

static void draw_targets(const struct model *model, const struct top_frame *f)
{
	const struct target_info *t = &model->targets[0];
	char up[16], how[24], status[32] = "running";

	if (!model->n_targets) {
		put("latscope top  %s: no process yet", model->selector);
		return;
	}
	if (t->state == TARGET_EXITED)
		snprintf(status, sizeof(status), "exited, %s",
			 format_wait_status(t->exit_code, how, sizeof(how)));
	attron(A_BOLD);
	put("latscope top");
	attroff(A_BOLD);
	put("  pid %d (%s) ", t->pid, t->comm);
	if (t->state == TARGET_EXITED)
		attron(COLOR_PAIR(PAIR_ERROR) | A_BOLD);
	put("%s", status);
	attroff(COLOR_PAIR(PAIR_ERROR) | A_BOLD);
	if (model->n_targets > 1)
		put(" +%d more", model->n_targets - 1);
	put("  up %s",
	    format_duration(model->clock.now_ns - model->clock.start_ns, up, sizeof(up)));
	if (f->ended)
		put("  [ended: q quits]");
}

static void draw_vitals(struct model *model, const struct top_state *st, const struct top_frame *f,
			int line)
{
	struct syscall_totals totals;
	struct req_totals req;
	char rate[16], req_rate[16], slow[16], drops[16];

	/* Tight spacing: with alerts this still fits 80 columns. */
	syscalls_totals(&model->syscalls, top_window(st), &totals);
	requests_totals(model->requests, top_window(st), REQ_ROLE_SERVER, &req);
	mvput(line, 0, "syscalls %s/s err %.2f%%  req/s %s req err %.2f%%  slow %s drops %s",
	      format_count(totals.rate_per_s, rate, sizeof(rate)), totals.error_share * 100,
	      format_count(req.rate_per_s, req_rate, sizeof(req_rate)), req.error_share * 100,
	      format_count(model->syscalls.slow.total, slow, sizeof(slow)),
	      format_count(model->health[HEALTH_RINGBUF_DROPS], drops, sizeof(drops)));
	if (!f->n_alerts)
		return;
	if (f->n_breached)
		attron(COLOR_PAIR(PAIR_ERROR) | A_BOLD);
	put("  alerts %d/%d", f->n_breached, f->n_alerts);
	attroff(COLOR_PAIR(PAIR_ERROR) | A_BOLD);
}

/* " budget 5%, syscalls 1/8": the budget, and what is shed to keep it. */
static void draw_budget(const struct budget *b)
{
	if (b->limit <= 0 || b->inactive)
		put(" no budget");
	else
		put(" budget %.2g%%%s", b->limit * 100, b->over ? " (over)" : "");
	for (int i = 0; i < b->n; i++)
		if (b->families[i].level)
			put(", %s %s", b->families[i].name,
			    budget_level_name(b->families[i].level));
}

static void draw_cost(const struct model *model, int line)
{
	struct overhead_view v;
	char kernel[16], rss[16];

	model_overhead_view(model, &v);
	move(line, 0);
	if (v.mode == OVERHEAD_OFF || v.mode == OVERHEAD_UNAVAILABLE)
		put("cost: kernel ? (BPF stats %s)", overhead_mode_name(v.mode));
	else
		put("cost: kernel %s/s (%.2f%% CPU)",
		    format_duration((__u64)v.kernel_ns_per_s, kernel, sizeof(kernel)),
		    v.kernel_cpu_share * 100);
	draw_budget(&model->overhead.budget);
	put("  loader %.1f%% CPU, RSS %s", v.loader_cpu_share * 100,
	    format_kib(v.loader_peak_rss_kb, rss, sizeof(rss)));
}

static void draw_tabs(const struct top_state *st, int line)
{
	move(line, 0);
	for (int i = 0; i < top_n_views; i++) {
		attr_t a = i == st->view ? A_REVERSE | A_BOLD : A_NORMAL;

		attron(a);
		put(" %d %s ", i + 1, top_views[i].name);
		attroff(a);
		addch(' ');
	}
}

static void draw_status(const struct top_state *st, const struct top_frame *f, bool cols_hidden,
			int line)
{
	const struct top_view *v = &top_views[st->view];
	int col = st->sort_col[st->view];

	if (!v->rows)
		return;
	mvput(line, 0, "%s %.1fs  sort %s%s", rows.window_name, rows.window_s,
	      v->columns[col].title, st->reverse[st->view] ? " (reversed)" : "");
	if (st->mode == TOP_MODE_FILTER)
		put("  filter: %s_", st->filter);
	else if (st->filter[0])
		put("  filter: %s", st->filter);
	if (st->first_col[st->view] > 1 || cols_hidden)
		put("  %scolumns%s", st->first_col[st->view] > 1 ? "< " : "",
		    cols_hidden ? " >" : "");
	if (st->paused) {
		attron(A_REVERSE | A_BOLD);
		put(" PAUSED ");
		attroff(A_REVERSE | A_BOLD);
	}
	if (f->warn_ns) {
		char warn[16];

		put("  warn > %s", format_duration(f->warn_ns, warn, sizeof(warn)));
	}
}

static void draw_titles(const struct top_state *st, const int *idx, const int *widths, int n,
			int line)
{
	const struct top_view *v = &top_views[st->view];
	int sorted = st->sort_col[st->view];

	move(line, 0);
	attron(A_REVERSE);
	for (int i = 0; i < n; i++) {
		const struct top_column *c = &v->columns[idx[i]];
		bool ascending = (c->format == TOP_TEXT) != st->reverse[st->view];
		char title[32];

		snprintf(title, sizeof(title), "%s%s", c->title,
			 idx[i] != sorted ? ""
			 : ascending	  ? "^"
					  : "v");
		if (idx[i] == sorted)
			attron(A_BOLD);
		/* Widths leave room for the marker: titles never run together. */
		put(c->format == TOP_TEXT ? "%-*s" : "%*s", widths[i] + (i ? 1 : 0), title);
		attroff(A_BOLD);
	}
	hline(' ', COLS);
	attroff(A_REVERSE);
}

static void draw_row(const struct top_view *v, const void *row, const int *idx, const int *widths,
		     int n, bool selected, __u64 warn_ns, int line)
{
	move(line, 0);
	if (selected)
		attron(A_REVERSE);
	for (int i = 0; i < n; i++) {
		const struct top_column *c = &v->columns[idx[i]];
		bool na = top_cell_unmeasured(c, &rows);
		bool alert = !na && top_cell_alert(c, row, warn_ns);
		char cell[64];

		if (na)
			snprintf(cell, sizeof(cell), "n/a");
		else
			top_cell_text(c, row, cell, sizeof(cell));
		if (alert)
			attron(alert_attr(c));
		if (c->format == TOP_TEXT)
			put("%-*.*s", widths[i], widths[i], cell);
		else
			put(" %*s", widths[i], cell);
		if (alert)
			attroff(alert_attr(c));
	}
	if (selected) {
		hline(' ', COLS);
		attroff(A_REVERSE);
	}
}

/* The cursor follows its row's name across re-sorts and refreshes. */
static void resolve_cursor(const struct top_view *v, struct top_state *st)
{
	if (st->selected_name[0]) {
		for (int i = 0; i < rows.n; i++) {
			if (!strcmp(top_row_name(v, rows.rows[i]), st->selected_name)) {
				st->selected = i;
				break;
			}
		}
	}
	if (st->selected >= rows.n)
		st->selected = rows.n - 1;
	if (st->selected < 0)
		st->selected = 0;
	st->selected_name[0] = '\0';
	if (rows.n)
		snprintf(st->selected_name, sizeof(st->selected_name), "%s",
			 top_row_name(v, rows.rows[st->selected]));
}

/* Under an empty syscall table: what the traced threads are blocked in. */
static void draw_in_flight(const struct model *model, int y)
{
	const struct model_syscalls *s = &model->syscalls;
	char name[32], age[16];

	if (!s->in_flight_threads)
		return;
	move(y, 2);
	put("in flight, not yet returned:");
	for (int i = 0; i < s->n_in_flight && i < 3; i++) {
		const struct in_flight_call *c = &s->in_flight[i];

		const char *call = syscall_name(c->nr, name, sizeof(name));

		if (c->since_ns && c->since_ns <= model->clock.now_ns)
			put("%s %s %s (pid %u)", i ? "," : "", call,
			    format_duration(model->clock.now_ns - c->since_ns, age, sizeof(age)),
			    c->tgid);
		else
			put("%s %s since before the trace (pid %u)", i ? "," : "", call, c->tgid);
	}
	if (s->in_flight_threads > 3)
		put(", +%d", s->in_flight_threads - 3);
}

static void draw_table(const struct model *model, struct top_state *st, const struct top_frame *f,
		       int top, int page, struct top_key_ctx *ctx)
{
	const struct top_view *v = &top_views[st->view];
	int idx[TOP_MAX_COLUMNS], widths[TOP_MAX_COLUMNS], n;

	if (st->first_col[st->view] >= v->n_columns)
		st->first_col[st->view] = v->n_columns > 1 ? v->n_columns - 1 : 1;
	n = top_fit_columns(v, &rows, COLS, st->first_col[st->view], idx, widths);
	ctx->cols_hidden = n > 1 && idx[n - 1] < v->n_columns - 1;
	if (!rows.n) {
		mvput(top + 1, 2, "%s", st->filter[0] ? "no rows match the filter" : v->hint);
		if (st->view == 0 && !st->filter[0])
			draw_in_flight(model, top + 2);
		return;
	}
	draw_titles(st, idx, widths, n, top);
	if (st->selected < first_row)
		first_row = st->selected;
	if (st->selected >= first_row + page)
		first_row = st->selected - page + 1;
	if (first_row > rows.n - page)
		first_row = rows.n > page ? rows.n - page : 0;
	for (int i = 0; i < page && first_row + i < rows.n; i++)
		draw_row(v, rows.rows[first_row + i], idx, widths, n, first_row + i == st->selected,
			 f->warn_ns, top + 1 + i);
}

static const void *find_row(const struct top_view *v, const char *name)
{
	for (int i = 0; i < rows.n; i++)
		if (!strcmp(top_row_name(v, rows.rows[i]), name))
			return rows.rows[i];
	return NULL;
}

static void draw_bar(const struct lat_bar *bar, __u64 peak, int bar_width,
		     const struct lat_summary *sum, __u64 warn_ns, int line)
{
	char low[16], high[16], count[16];
	int len = peak ? (int)((bar->count * bar_width + peak - 1) / peak) : 0;
	bool warn = warn_ns && bar->low_ns >= warn_ns;

	mvput(line, 0, "%7s - %-7s %7s |", format_duration(bar->low_ns, low, sizeof(low)),
	      format_duration(bar->high_ns, high, sizeof(high)),
	      format_count(bar->count, count, sizeof(count)));
	if (warn)
		attron(COLOR_PAIR(PAIR_WARN) | A_BOLD);
	for (int i = 0; i < bar_width; i++)
		addch(i < len ? '#' : ' ');
	if (warn)
		attroff(COLOR_PAIR(PAIR_WARN) | A_BOLD);
	addch('|');
	for (size_t m = 0; m < sizeof(markers) / sizeof(markers[0]); m++) {
		__u64 q = sum->quantile_ns[markers[m].index];

		if (q >= bar->low_ns && q < bar->high_ns)
			put(" <%s", markers[m].name);
	}
}

static void draw_histogram(struct top_state *st, const struct top_frame *f, int top, int page)
{
	const struct top_view *v = &top_views[st->view];
	const void *row = find_row(v, st->hist_name);
	const struct lat_summary *sum;
	struct lat_bar bars[MAX_BARS];
	char q[3][16], max[16];
	__u64 peak = 0;
	int n;

	if (!row) {
		mvput(top, 0, "%s: no calls in this window (Esc: back)", st->hist_name);
		return;
	}
	sum = v->summary(row);
	mvput(top, 0, "%s: %llu calls, %llu errors  p50 %s  p95 %s  p99 %s  max %s", st->hist_name,
	      (unsigned long long)sum->count, (unsigned long long)sum->errors,
	      format_duration(sum->quantile_ns[LAT_P50], q[0], sizeof(q[0])),
	      format_duration(sum->quantile_ns[LAT_P95], q[1], sizeof(q[1])),
	      format_duration(sum->quantile_ns[LAT_P99], q[2], sizeof(q[2])),
	      format_duration(sum->max_ns, max, sizeof(max)));
	n = lat_stats_bars(v->histogram(row), bars, page < MAX_BARS ? page : MAX_BARS);
	for (int i = 0; i < n; i++)
		if (bars[i].count > peak)
			peak = bars[i].count;
	for (int i = 0; i < n; i++)
		draw_bar(&bars[i], peak, COLS - BAR_FRAME > 8 ? COLS - BAR_FRAME : 8, sum,
			 f->warn_ns, top + 1 + i);
}

static const char *const help_lines[] = {
	"latscope top: live latency, refreshed every interval",
	"",
	"  Tab, 1-5     switch view (syscalls, requests, functions, resources, overhead)",
	"  Up/Down/PgUp/PgDn/Home/End (or j/k)   move the cursor",
	"  Enter        histogram of the selected row (Esc or Enter: back)",
	"  s or >, <    sort by the next / previous column",
	"  Left, Right  scroll the columns when they do not all fit",
	"  R or I       reverse the sort order",
	"  /            filter rows by substring (Enter keeps it, Esc clears it)",
	"  c            toggle last interval / cumulative (since start or reset)",
	"  p            pause the display (the trace goes on)",
	"  r            reset counters (cumulative figures start again)",
	"  w            write a JSON snapshot now (-o FILE, or latscope-PID-TIME.json)",
	"  h or ?       this help",
	"  q            quit (Ctrl-C and SIGTERM too)",
	"",
	"Red: errors. Yellow: latencies above --warn.",
	"",
	"Press any key to go back.",
};

static void draw_help(void)
{
	int n = (int)(sizeof(help_lines) / sizeof(help_lines[0]));

	for (int i = 0; i < n && i < LINES - 1; i++)
		mvput(i, 0, "%s", help_lines[i]);
}

static void draw_footer(const struct top_state *st, const struct top_frame *f)
{
	move(LINES - 1, 0);
	if (f->footer && f->footer[0])
		put("%s", f->footer);
	else if (st->mode == TOP_MODE_FILTER)
		put("type a substring; Enter keeps it, Esc clears it");
	else
		put("q quit  h help  Tab view  s sort  / filter  Enter histogram  c cumulative");
	clrtoeol();
}

void top_screen_draw(struct model *model, struct top_state *st, const struct top_frame *f,
		     struct top_key_ctx *ctx)
{
	const struct top_view *v = &top_views[st->view];
	int page = LINES - HEADER_LINES - 1;

	top_view_rows(v, model, st, &rows);
	top_sort_rows(v, st->sort_col[st->view], st->reverse[st->view], rows.rows, rows.n);
	resolve_cursor(v, st);
	ctx->n_cols = v->n_columns;
	ctx->n_rows = rows.n;
	ctx->page_rows = page > 1 ? page : 1;
	ctx->has_histograms = v->histogram != NULL;

	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		mvput(0, 0, "latscope top: terminal too small (%dx%d)", COLS, LINES);
	} else if (st->mode == TOP_MODE_HELP) {
		draw_help();
	} else {
		move(0, 0);
		draw_targets(model, f);
		draw_vitals(model, st, f, 1);
		draw_cost(model, 2);
		draw_tabs(st, 3);
		draw_status(st, f, ctx->cols_hidden, 4);
		if (st->mode == TOP_MODE_HISTOGRAM)
			draw_histogram(st, f, HEADER_LINES - 1, page);
		else
			draw_table(model, st, f, HEADER_LINES - 1, page, ctx);
		draw_footer(st, f);
	}
	refresh();
}
