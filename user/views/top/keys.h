/*
 * latscope top's state machine: what each key does to the view state.
 * Pure (no ncurses calls, no model): it only uses ncurses' key codes, so
 * the unit tests drive it key by key.
 */
#ifndef LATSCOPE_TOP_KEYS_H
#define LATSCOPE_TOP_KEYS_H

#include <stdbool.h>

#define TOP_MAX_VIEWS  8
#define TOP_FILTER_LEN 32
#define TOP_NAME_LEN   64

enum top_mode {
	TOP_MODE_TABLE,
	TOP_MODE_FILTER,    /* typing a filter after '/' */
	TOP_MODE_HISTOGRAM, /* Enter on a row */
	TOP_MODE_HELP,
};

struct top_state {
	int n_views;
	int view;
	int sort_col[TOP_MAX_VIEWS];
	int first_col[TOP_MAX_VIEWS]; /* horizontal scroll: first column after the name */
	bool reverse[TOP_MAX_VIEWS];  /* against the column's natural order */
	enum top_mode mode;
	bool paused;
	bool cumulative; /* since start/reset, else last interval */
	char filter[TOP_FILTER_LEN];
	int selected; /* row index in the current view */
	/*
	 * The selected row's name: the cursor follows it when rows re-sort.
	 * Emptied when a key moves the cursor; the next draw refills it.
	 */
	char selected_name[TOP_NAME_LEN];
	char hist_name[TOP_NAME_LEN]; /* row whose histogram is shown */
};

/* What the current frame looks like, for keys that depend on it. */
struct top_key_ctx {
	int n_cols;	     /* columns of the current view */
	bool cols_hidden;    /* some columns are off the right edge */
	int n_rows;	     /* rows in the current view */
	int page_rows;	     /* rows that fit on the screen */
	bool has_histograms; /* Enter opens one */
};

enum top_action {
	TOP_NONE, /* nothing to do */
	TOP_REDRAW,
	TOP_QUIT,
	TOP_RESET,    /* reset counters, then redraw */
	TOP_SNAPSHOT, /* write a JSON snapshot now */
};

void top_state_init(struct top_state *st, int n_views, const int *default_sort);
enum top_action top_handle_key(struct top_state *st, int key, const struct top_key_ctx *ctx);

#endif
