// Chained hashing of strings to positions (see key_index.h).
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "base/key_index.h"

/* FNV-1a: short keys, no adversary worth a keyed hash. */
static size_t hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

int key_index_build(struct key_index *ix, const char *const *keys, int n)
{
	size_t slots = 16;

	memset(ix, 0, sizeof(*ix));
	while (slots < (size_t)n * 2)
		slots *= 2;
	ix->keys = keys;
	ix->mask = slots - 1;
	ix->head = malloc(slots * sizeof(*ix->head));
	ix->next = malloc((n + 1) * sizeof(*ix->next));
	if (!ix->head || !ix->next) {
		key_index_free(ix);
		return -ENOMEM;
	}
	memset(ix->head, -1, slots * sizeof(*ix->head));
	for (int i = 0; i < n; i++) {
		size_t slot;

		ix->next[i] = -1;
		if (!keys[i])
			continue;
		slot = hash(keys[i]) & ix->mask;
		ix->next[i] = ix->head[slot];
		ix->head[slot] = i;
	}
	return 0;
}

void key_index_free(struct key_index *ix)
{
	free(ix->head);
	free(ix->next);
	ix->head = ix->next = NULL;
}

static int skip_to(const struct key_index *ix, int pos, const char *key)
{
	while (pos >= 0 && strcmp(ix->keys[pos], key))
		pos = ix->next[pos];
	return pos;
}

int key_index_first(const struct key_index *ix, const char *key)
{
	return skip_to(ix, ix->head[hash(key) & ix->mask], key);
}

int key_index_next(const struct key_index *ix, int pos, const char *key)
{
	return skip_to(ix, ix->next[pos], key);
}
