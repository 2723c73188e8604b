/*
 * The loader layer: the only code that knows skeleton types. It opens and
 * loads the BPF objects (sharing their common maps), attaches them, feeds
 * ring-buffer records to a callback, and copies map contents into a model.
 */
#ifndef LATSCOPE_TRACE_H
#define LATSCOPE_TRACE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "loader/trace_opts.h"

struct model;
struct overhead;

struct trace;

/* Opens and loads every BPF object; nothing is attached yet. */
int trace__open(const struct trace_opts *opts, struct trace **out);
int trace__add_tgid(struct trace *trace, pid_t tgid);
int trace__attach(struct trace *trace);
/* What is traced: the options, less the families the kernel could not load. */
const struct trace_opts *trace__opts(const struct trace *trace);
/* Why the last load or attach failed, when a family said; else "". */
const char *trace__error(const struct trace *trace);
/* Tells the overhead sampler which programs to measure. */
int trace__register_costs(struct trace *trace, struct overhead *oh);
/* Waits up to timeout_ms for records; returns records handled or -errno. */
int trace__poll(struct trace *trace, int timeout_ms);
/* The trace ends: families count what is complete but still pending. */
int trace__finish(struct trace *trace, struct model *model);
/*
 * The probe families loaded, in load order, and whether each can be
 * shed; returns how many (at most @max).
 */
int trace__families(const struct trace *trace, const char **names, bool *sheddable, int max);
/* Sheds family @name to duty level @level (0: attached) from @now on. */
int trace__set_level(struct trace *trace, const char *name, int level, __u64 now);
/* Copies the kernel's cumulative aggregates into the model. */
int trace__collect(struct trace *trace, struct model *model);
void trace__free(struct trace *trace);

#endif
