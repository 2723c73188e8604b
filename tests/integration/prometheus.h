/*
 * Tests against a real Prometheus server, started by the test on loopback
 * with a 1 s scrape interval and its own storage directory, and plain-socket
 * reads of latscope's /metrics.
 */
#ifndef LATSCOPE_INTEGRATION_PROMETHEUS_H
#define LATSCOPE_INTEGRATION_PROMETHEUS_H

#include <stdbool.h>
#include <stddef.h>
#include "run.h"

/* Scrapes come every second: the bound for a value to show up. */
#define SCRAPE_TIMEOUT_S 20.0

/* The port latscope chose for --listen 127.0.0.1:0, from its stderr. */
int announced_port(const struct proc *tracer);
/* Skip without @tool, or fail under CI=true. */
void require_tool(const char *tool);
/*
 * GET http://127.0.0.1:@port@target over HTTP/1.0, with an Accept header
 * unless @accept is NULL: the body (malloc'ed) or NULL, *status 0 when
 * nothing answered; the Content-Type into @type when given.
 */
char *http_get_as(int port, const char *target, const char *accept, int *status, char *type,
		  size_t type_len);
char *http_get(int port, const char *target, int *status);

/* Prometheus scraping latscope at @latscope_port; @native: native histograms on. */
struct proc *prom_start(int prom_port, int latscope_port, bool native);
void prom_wait_ready(struct proc *prom, int port);
/* An instant query's single value; NAN when it has no result (yet). */
double prom_query(int port, const char *promql);
/* Poll until @promql reads @want: once it does, a scrape saw the final state. */
void prom_wait_value(int port, const char *promql, double want);

#endif
