// latscope top: keys to state changes, htop/top conventions.
#include <curses.h>
#include <string.h>
#include "views/top/keys.h"

#define KEY_ESC	   27
#define KEY_CTRL_U 21

void top_state_init(struct top_state *st, int n_views, const int *default_sort)
{
	memset(st, 0, sizeof(*st));
	st->n_views = n_views < TOP_MAX_VIEWS ? n_views : TOP_MAX_VIEWS;
	for (int i = 0; i < st->n_views; i++) {
		st->sort_col[i] = default_sort[i];
		st->first_col[i] = 1;
	}
}

/* Left/Right: the columns after the name scroll, the name stays. */
static enum top_action scroll_columns(struct top_state *st, int step, const struct top_key_ctx *ctx)
{
	int *first = &st->first_col[st->view];

	if (step > 0 && !ctx->cols_hidden)
		return TOP_NONE;
	if (step < 0 && *first <= 1)
		return TOP_NONE;
	*first += step;
	return TOP_REDRAW;
}

static enum top_action switch_view(struct top_state *st, int view)
{
	if (view < 0 || view >= st->n_views)
		return TOP_NONE;
	st->view = view;
	st->mode = TOP_MODE_TABLE;
	st->selected = 0;
	st->selected_name[0] = '\0';
	return TOP_REDRAW;
}

static enum top_action move_cursor(struct top_state *st, int to, const struct top_key_ctx *ctx)
{
	if (to >= ctx->n_rows)
		to = ctx->n_rows - 1;
	if (to < 0)
		to = 0;
	st->selected = to;
	st->selected_name[0] = '\0';
	return TOP_REDRAW;
}

static enum top_action sort_by(struct top_state *st, int step, const struct top_key_ctx *ctx)
{
	int *col = &st->sort_col[st->view];

	if (ctx->n_cols < 1)
		return TOP_NONE;
	*col = ((*col + step) % ctx->n_cols + ctx->n_cols) % ctx->n_cols;
	st->reverse[st->view] = false;
	return TOP_REDRAW;
}

static enum top_action set_filter_len(struct top_state *st, size_t len)
{
	st->filter[len] = '\0';
	st->selected = 0;
	st->selected_name[0] = '\0';
	return TOP_REDRAW;
}

static enum top_action filter_key(struct top_state *st, int key)
{
	size_t len = strlen(st->filter);

	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		st->mode = TOP_MODE_TABLE;
		return TOP_REDRAW;
	case KEY_ESC:
		st->mode = TOP_MODE_TABLE;
		return set_filter_len(st, 0);
	case KEY_CTRL_U:
		return set_filter_len(st, 0);
	case KEY_BACKSPACE:
	case 127:
	case '\b':
		return len ? set_filter_len(st, len - 1) : TOP_NONE;
	case KEY_RESIZE:
		return TOP_REDRAW;
	}
	if (key < ' ' || key > '~' || len + 1 >= sizeof(st->filter))
		return TOP_NONE;
	st->filter[len] = (char)key;
	return set_filter_len(st, len + 1);
}

/* Keys that mean the same in the table and under a histogram. */
static enum top_action common_key(struct top_state *st, int key)
{
	switch (key) {
	case 'q':
	case 'Q':
		return TOP_QUIT;
	case 'p':
	case 'P':
		st->paused = !st->paused;
		return TOP_REDRAW;
	case 'r':
		return TOP_RESET;
	case 'w':
	case 'W':
		return TOP_SNAPSHOT;
	case 'c':
	case 'C':
		st->cumulative = !st->cumulative;
		return TOP_REDRAW;
	case 'h':
	case 'H':
	case '?':
	case KEY_F(1):
		st->mode = TOP_MODE_HELP;
		return TOP_REDRAW;
	case KEY_RESIZE:
		return TOP_REDRAW;
	}
	return TOP_NONE;
}

static enum top_action open_histogram(struct top_state *st, const struct top_key_ctx *ctx)
{
	if (!ctx->has_histograms || !ctx->n_rows || !st->selected_name[0])
		return TOP_NONE;
	memcpy(st->hist_name, st->selected_name, sizeof(st->hist_name));
	st->mode = TOP_MODE_HISTOGRAM;
	return TOP_REDRAW;
}

static enum top_action table_key(struct top_state *st, int key, const struct top_key_ctx *ctx)
{
	int page = ctx->page_rows > 1 ? ctx->page_rows - 1 : 1;

	switch (key) {
	case '\t':
		return switch_view(st, (st->view + 1) % st->n_views);
	case KEY_BTAB:
		return switch_view(st, (st->view + st->n_views - 1) % st->n_views);
	case 's':
	case 'S':
	case '>':
	case '.':
		return sort_by(st, 1, ctx);
	case '<':
	case ',':
		return sort_by(st, -1, ctx);
	case 'R':
	case 'I':
		st->reverse[st->view] = !st->reverse[st->view];
		return TOP_REDRAW;
	case '/':
		st->mode = TOP_MODE_FILTER;
		return TOP_REDRAW;
	case KEY_ESC:
		return st->filter[0] ? set_filter_len(st, 0) : TOP_NONE;
	case '\n':
	case '\r':
	case KEY_ENTER:
		return open_histogram(st, ctx);
	case KEY_UP:
	case 'k':
		return move_cursor(st, st->selected - 1, ctx);
	case KEY_DOWN:
	case 'j':
		return move_cursor(st, st->selected + 1, ctx);
	case KEY_PPAGE:
		return move_cursor(st, st->selected - page, ctx);
	case KEY_NPAGE:
		return move_cursor(st, st->selected + page, ctx);
	case KEY_RIGHT:
		return scroll_columns(st, 1, ctx);
	case KEY_LEFT:
		return scroll_columns(st, -1, ctx);
	case KEY_HOME:
		return move_cursor(st, 0, ctx);
	case KEY_END:
		return move_cursor(st, ctx->n_rows - 1, ctx);
	}
	if (key >= '1' && key <= '9')
		return switch_view(st, key - '1');
	return common_key(st, key);
}

static enum top_action histogram_key(struct top_state *st, int key)
{
	switch (key) {
	case KEY_ESC:
	case '\n':
	case '\r':
	case KEY_ENTER:
	case KEY_BACKSPACE:
	case KEY_LEFT:
	case 127:
		st->mode = TOP_MODE_TABLE;
		return TOP_REDRAW;
	case '\t':
		return switch_view(st, (st->view + 1) % st->n_views);
	}
	if (key >= '1' && key <= '9')
		return switch_view(st, key - '1');
	return common_key(st, key);
}

enum top_action top_handle_key(struct top_state *st, int key, const struct top_key_ctx *ctx)
{
	switch (st->mode) {
	case TOP_MODE_FILTER:
		return filter_key(st, key);
	case TOP_MODE_HISTOGRAM:
		return histogram_key(st, key);
	case TOP_MODE_HELP:
		/* Any key closes the help, as in htop; q and Esc included. */
		st->mode = TOP_MODE_TABLE;
		return TOP_REDRAW;
	case TOP_MODE_TABLE:
		break;
	}
	return table_key(st, key, ctx);
}
