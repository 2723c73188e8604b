/*
 * latscope top's views and their columns, as data (htop-style): each view
 * names its rows' source in the model, its columns (title, width, getter,
 * format, sort order) and what to say while no probe feeds it. Adding a
 * view is one entry in top_views[]; the screen code draws any of them.
 */
#ifndef LATSCOPE_TOP_COLUMNS_H
#define LATSCOPE_TOP_COLUMNS_H

#include <stddef.h>
#include "model/model.h"
#include "views/top/keys.h"

#define TOP_MAX_ROWS	1024
#define TOP_MAX_COLUMNS 16

enum top_format {
	TOP_TEXT,     /* text() */
	TOP_COUNT,    /* 1234, 12.3k */
	TOP_DURATION, /* nanoseconds: 850ns, 1.10ms */
	TOP_SHARE,    /* a fraction as a percentage, 3 digits: 0.004 -> 0.40, 0 -> 0 */
	TOP_DECIMAL,  /* 220.5 */
	TOP_BYTES,    /* 512KB, 12.3MB */
	TOP_ID,	      /* a pid: every digit */
};

enum top_highlight {
	TOP_HL_NONE,
	TOP_HL_NONZERO, /* errors: any is worth a colour */
	TOP_HL_LATENCY, /* above --warn */
};

struct top_column {
	const char *title;
	int width; /* the first (name) column also takes spare width */
	enum top_format format;
	double (*number)(const void *row);    /* every column but TOP_TEXT */
	const char *(*text)(const void *row); /* TOP_TEXT */
	enum top_highlight highlight;
	/* Instead of number(): a resource family's field (resources view). */
	const struct res_family *family;
	const struct res_field *field;
};

/* One frame's rows of a view, pointing into model views (or `overhead`). */
struct top_rows {
	const void *rows[TOP_MAX_ROWS];
	int n;
	double window_s;	       /* what the figures cover */
	const char *window_name;       /* "last interval", "since reset", ... */
	struct overhead_view overhead; /* storage for the overhead view */
	__u32 res_groups;	       /* resource families traced (resources view) */
};

struct top_view {
	const char *name;
	const struct top_column *columns;
	int n_columns;
	int default_sort;
	/* NULL while no probe feeds this view. */
	void (*rows)(struct model *model, const struct top_state *st, struct top_rows *out);
	const char *hint; /* shown when the view has no rows */
	/* Rows sort by this first (served before called); NULL: one group. */
	int (*group)(const void *row);
	/* NULL when rows have no histogram (Enter does nothing). */
	const struct lat_stats *(*histogram)(const void *row);
	const struct lat_summary *(*summary)(const void *row);
};

extern const struct top_view *const top_views;
extern const int top_n_views;

/* The window the state asks for: the last interval, or since reset. */
enum model_window top_window(const struct top_state *st);
/* Fills @out for @view (n = 0 for a view nothing feeds yet). */
void top_view_rows(const struct top_view *view, struct model *model, const struct top_state *st,
		   struct top_rows *out);
/*
 * Orders rows by column @col: names A-Z, figures largest first; @reverse
 * flips that. Ties keep name order, so the table does not flicker.
 */
void top_sort_rows(const struct top_view *view, int col, bool reverse, const void **rows, int n);
/* A cell's figure (every column but TOP_TEXT). */
double top_cell_number(const struct top_column *col, const void *row);
const char *top_row_name(const struct top_view *view, const void *row);
const char *top_cell_text(const struct top_column *col, const void *row, char *buf, size_t len);
/*
 * A column's width on screen: its own, widened so that its title and a
 * sort marker ("COUNTv") always leave the separating space.
 */
int top_column_width(const struct top_column *col);
/* The name column's width: what the longest of @rows' names needs, within limits. */
int top_name_width(const struct top_view *view, const struct top_rows *rows);
/*
 * Which columns fit in @cols: the name column, then those from @first on
 * (horizontal scrolling); fills @idx and @widths, returns how many.
 */
int top_fit_columns(const struct top_view *view, const struct top_rows *rows, int cols, int first,
		    int *idx, int *widths);
/* A cell of a resource family that is not traced: shown as "n/a", not 0. */
bool top_cell_unmeasured(const struct top_column *col, const struct top_rows *rows);
/* Whether a cell earns its highlight (errors, or latency above @warn_ns). */
bool top_cell_alert(const struct top_column *col, const void *row, __u64 warn_ns);

#endif
