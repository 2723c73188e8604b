/* A bounded log that keeps the newest `cap` items and counts the rest. */
#ifndef LATSCOPE_RING_LOG_H
#define LATSCOPE_RING_LOG_H

#include <linux/types.h>
#include <stddef.h>

struct ring_log {
	void *items;
	size_t item_size, cap, head, len;
	__u64 total; /* ever added */
};

/* @cap may be 0: items are counted, none kept. */
int ring_log_init(struct ring_log *log, size_t item_size, size_t cap);
void ring_log_free(struct ring_log *log);
void ring_log_push(struct ring_log *log, const void *item);
/* Oldest first; NULL past the end. */
const void *ring_log_at(const struct ring_log *log, size_t i);
/* The item pushed last, or NULL when none is kept. */
const void *ring_log_newest(const struct ring_log *log);

#endif
