/*
 * An index from strings to the positions that hold them, built once over
 * an array of n strings: lookups in constant time on average, so matching
 * n rows against n rows is linear instead of quadratic. The strings are
 * not copied; they must outlive the index.
 */
#ifndef LATSCOPE_KEY_INDEX_H
#define LATSCOPE_KEY_INDEX_H

#include <stddef.h>

struct key_index {
	const char *const *keys; /* NULL entries are not indexed */
	int *head;		 /* per slot: first position, -1 when empty */
	int *next;		 /* per position: the next one in its slot */
	size_t mask;
};

/* 0, or -ENOMEM. @keys[i] may be NULL (left out). */
int key_index_build(struct key_index *ix, const char *const *keys, int n);
void key_index_free(struct key_index *ix);
/*
 * Positions holding @key: the first, then key_index_next() of it, -1 at
 * the end (in no particular order).
 */
int key_index_first(const struct key_index *ix, const char *key);
int key_index_next(const struct key_index *ix, int pos, const char *key);

#endif
