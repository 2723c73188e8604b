/*
 * Latency histograms drawn in the terminal, funclatency-style but
 * log-linear: one line per bar (fine buckets merged to fit, see
 * lat_stats_bars()), with p50/p90/p99/p99.9 marked on their bars.
 */
#ifndef LATSCOPE_HISTOGRAM_TEXT_H
#define LATSCOPE_HISTOGRAM_TEXT_H

#include <stdio.h>
#include "model/model.h"

#define HIST_TEXT_BARS 24 /* lines per histogram, at most */

/* "@title: N calls" and its bars; nothing when @stats is empty. */
void hist_text_print(FILE *out, const char *title, const struct lat_stats *stats, int max_bars);
/*
 * record --hist: a histogram of every function and request row, and of
 * the HIST_TEXT_SYSCALLS syscalls with the most time, for @window.
 */
#define HIST_TEXT_SYSCALLS 5
void hist_text_report(FILE *out, struct model *model, enum model_window window);

#endif
