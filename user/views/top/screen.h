/*
 * latscope top's drawing: ncurses setup and teardown, and one frame from
 * the model's views (header of vital signs, the current view's table, a
 * row's histogram, help). It reads views only; keys live in top_keys.c,
 * columns in top_columns.c.
 */
#ifndef LATSCOPE_TOP_SCREEN_H
#define LATSCOPE_TOP_SCREEN_H

#include <stdbool.h>
#include "model/model.h"
#include "views/top/keys.h"

/* What a frame shows besides the model. */
struct top_frame {
	__u64 warn_ns;		  /* highlight latencies above this; 0: off */
	bool ended;		  /* the trace is over: figures are final */
	int n_alerts, n_breached; /* --alert rules, and those breached now */
	const char *footer;	  /* newest event or the last action's result */
};

/* Takes over the terminal; top_screen_close() (also run at exit) gives it back. */
int top_screen_open(void);
void top_screen_close(void);
/* The next key, or -1 (ERR) when none is waiting. */
int top_screen_key(void);
/*
 * Draws a frame. Resolves the cursor (it follows st->selected_name) and
 * tells @ctx what the keys need to know about the frame.
 */
void top_screen_draw(struct model *model, struct top_state *st, const struct top_frame *frame,
		     struct top_key_ctx *ctx);

#endif
