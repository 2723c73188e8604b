/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The key of a request's captured bytes (struct req_key, latscope.h):
 * computed by the kernel on the request in flight and by user space on
 * a record's, with this one function, so that both find the same key.
 *
 * Eight bytes at a time (a BPF program pays per instruction), a 64-bit
 * multiply-xorshift per word; the last word keeps only the bytes inside
 * @len, so whatever an earlier request left after them does not count.
 * The group and the length are part of the key too: a collision needs
 * two different byte strings of one length, in one group, with one hash.
 * @data must have @len rounded up to a multiple of 8 bytes readable.
 */
#ifndef LATSCOPE_REQ_KEY_H
#define LATSCOPE_REQ_KEY_H

#include "latscope.h"

static inline __u64 req_key_hash(const char *data, __u32 len)
{
	__u64 h = 0x9e3779b97f4a7c15ULL ^ len;

	for (__u32 i = 0; i < LATSCOPE_REQ_KEY_LEN / 8; i++) {
		__u32 off = i * 8;
		__u64 w;

		if (off >= len)
			break;
		__builtin_memcpy(&w, data + off, sizeof(w));
		if (len - off < 8)
			w &= (1ULL << ((len - off) * 8)) - 1;
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h;
}

#endif /* LATSCOPE_REQ_KEY_H */
