/*
 * A tracing session: from parsed options to a running trace and back.
 * It checks privileges and targets, loads and attaches the BPF objects,
 * starts a -c command held until tracing is in place, then drives the
 * clock: collects the kernel's aggregates every tick, samples overhead,
 * calls the subcommand's hooks, and ends on duration, signal or target exit.
 */
#ifndef LATSCOPE_SESSION_H
#define LATSCOPE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include "model/model.h"
#include "session/settings.h"

struct session_hooks {
	/* A slow call or process event just arrived (already in the model). */
	void (*on_event)(void *ctx, struct model *model, int rec_type, const void *item);
	/* An -i interval elapsed; the interval window is marked afterwards. */
	int (*on_interval)(void *ctx, struct model *model);
	/* The model was just refreshed from the kernel (every tick, <= 1 s). */
	int (*on_tick)(void *ctx, struct model *model);
	/*
	 * Called at least every 100 ms, between polls (for keyboard input and
	 * the like). A nonzero return ends the trace.
	 */
	int (*on_wakeup)(void *ctx, struct model *model);
	void *ctx;
};

struct session;

/*
 * On failure, a one-line reason is in @why. Thread ids in cli->pids are
 * replaced by their processes' ids (the kernel side filters on those).
 */
int session_start(struct trace_settings *cli, const struct session_hooks *hooks,
		  struct session **out, char *why, size_t len);
/* Runs until the end of the trace; the model then holds the final state. */
int session_run(struct session *session);
struct model *session_model(struct session *session);
/* Ends session_run() at its next wake-up, as SIGINT would. */
void session_request_stop(struct session *session);
/*
 * A stop was asked for (SIGINT, SIGTERM, session_request_stop()): lets a
 * view that outlives session_run() (top's final screen) honour signals.
 */
bool session_stop_requested(void);
void session_free(struct session *session);

#endif
