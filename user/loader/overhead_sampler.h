/*
 * The overhead sampler: reads each program's BPF run-time statistics and
 * the loader's rusage into the model's `struct overhead`.
 *
 * Enabling BPF stats costs ~80 ns per program run, about what a latscope
 * program itself costs, so leaving them on would double the cost being
 * measured. The sampler turns them on for short windows (a tenth of each
 * tick by default) and scales the window's rates up to the whole trace.
 * If kernel.bpf_stats_enabled is already 1, stats are continuous and exact.
 */
#ifndef LATSCOPE_OVERHEAD_SAMPLER_H
#define LATSCOPE_OVERHEAD_SAMPLER_H

#include "model/overhead.h"

void overhead_init(struct overhead *oh, bool enabled, double sample_fraction);
/*
 * Open or close a sampling window (no-op unless sampled or continuous).
 * @traced_syscalls, the exact count so far, tells how many per-syscall
 * program runs inside the window were for traced processes.
 */
void overhead_window_open(struct overhead *oh, __u64 now_ns, __u64 traced_syscalls);
void overhead_window_close(struct overhead *oh, __u64 now_ns, __u64 traced_syscalls);
void overhead_update_loader(struct overhead *oh);
/* Loader CPU from here on counts as tracing cost, not start-up. */
void overhead_mark_tracing_start(struct overhead *oh);
void overhead_close(struct overhead *oh, __u64 now_ns, __u64 traced_syscalls);

#endif
