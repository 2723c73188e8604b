/*
 * The /metrics endpoint: libmicrohttpd, driven by a thread of latscope's
 * own so that it can hold every connection to a deadline.
 *
 * Scrapes never block tracing and never touch the model: the tracing
 * thread renders every exposition format once per tick and publishes them
 * (a pointer swap under a mutex); the HTTP thread only copies the latest
 * published body into its response, gzip'ed when asked (once per format
 * and tick, cached). Until the first publish, /metrics answers 503. `/` is
 * a landing page; any other path is 404; methods other than GET/HEAD 405.
 *
 * A scraper always gets through: at most cfg->max_connections are kept
 * (32); a connection that has not delivered a complete request within
 * cfg->wait_deadline_s (10 s) of its start or of its last response is
 * closed however slowly its bytes trickle in (slowloris), and when a new
 * connection comes in over the limit, the one that has waited longest
 * without a request in progress is closed first. Connections keep alive.
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
/* Connections closed for waiting too long or to make room. */
unsigned long metrics_server_dropped(struct metrics_server *srv);
void metrics_server_stop(struct metrics_server *srv);

#endif
