/*
 * What the tracing subcommands (record, check, top) do around a session,
 * written once: fail early on an unwritable -o, start and announce the
 * trace, and hand finished snapshots to -o FILE and --json.
 */
#ifndef LATSCOPE_TRACE_RUN_H
#define LATSCOPE_TRACE_RUN_H

#include <jansson.h>
#include "session/session.h"

struct trace_run;

/*
 * 0, or a negative errno after printing the one-line reason. Serves
 * --listen's metrics endpoint, refreshed every tick before @hooks' on_tick.
 */
int trace_run_start(struct trace_settings *cli, const struct session_hooks *hooks,
		    struct trace_run **out);
struct session *trace_run_session(struct trace_run *run);
/* -c: the one line saying why the command could not run, or NULL if it ran. */
const char *trace_run_start_error(struct trace_run *run);
/*
 * -c: the command's exit status as a shell shows it (128 + the signal that
 * killed it), or -1 while it runs (a trace ended by -d or Ctrl-C) or
 * without -c.
 */
int trace_run_command_status(struct trace_run *run);
/* -c: the signal that killed the command, or 0. */
int trace_run_command_signal(struct trace_run *run);
/* Stops the metrics endpoint and the session; NULL-safe. */
void trace_run_free(struct trace_run *run);
/*
 * Writes @snap to -o (atomically, or a JSON line with --jsonl) and --json.
 * 0, or -errno after printing the one line for -o (stdout: see main.c).
 */
int trace_run_emit(const struct trace_settings *cli, const json_t *snap);

#endif
