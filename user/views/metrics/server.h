/*
 * The /metrics endpoint, served by libmicrohttpd on its own thread.
 *
 * Scrapes never block tracing and never touch the model: the tracing
 * thread renders both exposition formats once per tick and publishes them
 * (a pointer swap under a mutex); the HTTP thread only copies the latest
 * published text into its response. Until the first publish, /metrics
 * answers 503. Any other path is 404; methods other than GET/HEAD are 405.
 */
#ifndef LATSCOPE_METRICS_SERVER_H
#define LATSCOPE_METRICS_SERVER_H

#include <stddef.h>
#include "views/metrics/config.h"
#include "model/model.h"

struct metrics_server;

/*
 * Binds @cfg's address (port 0: the kernel picks) and starts serving; sets
 * *out to NULL and succeeds when @cfg has no --listen. Call it before
 * attaching, so a port in use costs nothing. On failure a one-line reason
 * is in @why. update and stop accept NULL.
 */
int metrics_server_start(const struct metrics_config *cfg, struct metrics_server **out, char *why,
			 size_t len);
/* "127.0.0.1:9464" with the port actually bound. */
const char *metrics_server_address(const struct metrics_server *srv);
/* Tracing thread: render @model and make it what scrapes see. */
int metrics_server_update(struct metrics_server *srv, struct model *model);
/* Scrapes answered so far (for tests and the final report). */
unsigned long metrics_server_scrapes(struct metrics_server *srv);
void metrics_server_stop(struct metrics_server *srv);

#endif
