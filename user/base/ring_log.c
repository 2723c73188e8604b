// A bounded log of the newest items (slow calls, process events).
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "base/ring_log.h"

int ring_log_init(struct ring_log *log, size_t item_size, size_t cap)
{
	memset(log, 0, sizeof(*log));
	log->item_size = item_size;
	log->cap = cap;
	if (!cap)
		return 0;
	log->items = calloc(cap, item_size);
	return log->items ? 0 : -ENOMEM;
}

void ring_log_free(struct ring_log *log)
{
	free(log->items);
	log->items = NULL;
	log->len = log->head = 0;
}

void ring_log_push(struct ring_log *log, const void *item)
{
	size_t slot;

	log->total++;
	if (!log->cap)
		return;
	slot = (log->head + log->len) % log->cap;
	if (log->len == log->cap) {
		slot = log->head;
		log->head = (log->head + 1) % log->cap;
	} else {
		log->len++;
	}
	memcpy((char *)log->items + slot * log->item_size, item, log->item_size);
}

const void *ring_log_at(const struct ring_log *log, size_t i)
{
	if (i >= log->len)
		return NULL;
	return (const char *)log->items + ((log->head + i) % log->cap) * log->item_size;
}

const void *ring_log_newest(const struct ring_log *log)
{
	return log->len ? ring_log_at(log, log->len - 1) : NULL;
}
