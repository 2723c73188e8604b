/*
 * The figures between two cumulative snapshots of one trace: what live
 * alerts judge (the last second, not the whole trace so far). Every keyed
 * latency section (rows with a "histogram", like syscalls) is differenced
 * bucket by bucket and summarized again through latency.h.
 */
#ifndef LATSCOPE_SNAPSHOT_WINDOW_H
#define LATSCOPE_SNAPSHOT_WINDOW_H

#include <jansson.h>
#include <stdbool.h>

/*
 * A new snapshot: @newer with its latency rows replaced by newer - older
 * and time.duration_s by the window's length. @older may be NULL (the
 * window is then the whole of @newer). Rows without a histogram keep
 * their counts differenced and lose their percentiles.
 */
json_t *snapshot_window(const json_t *older, const json_t *newer);

#endif
