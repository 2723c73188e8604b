/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The OpenSSL call a thread is in, as the uprobes of tls.bpf.c saw it
 * enter (SSL_read/_ex, SSL_write/_ex, SSL_do_handshake, SSL_shutdown),
 * for the socket tracepoints of sock.bpf.c that fire inside it: they see
 * the ciphertext move on the socket, this says what it carried.
 *
  * Entry probes, and in processes that do not listen (with -c or -f: in
 * all, children included from their first call) a return probe on
 * reads: a read's plaintext exists only once the call returns, and a
 * client may free or reuse the buffer by then (curl frees it before its
 * next call), so the return probe copies what the call returned into the
 * thread's slot, for the connection's next event to take. A server's
 * buffer outlives the request (nginx, Python): the next event copies
 * from it, and the return trap, a µs per read, is spared. Writes need no
 * return probe: their bytes are there at entry. A thread's slot names its last call until the next
 * one; the socket side matches it to the connection by the SSL pointer,
 * so a stale slot is never taken for a connection's own. Both objects
 * declare the map; the loader makes them one.
 */
#ifndef LATSCOPE_TLS_CALLS_BPF_H
#define LATSCOPE_TLS_CALLS_BPF_H

#include "common.bpf.h"

enum tls_call_kind {
	TLS_CALL_NONE,
	TLS_CALL_HANDSHAKE,
	TLS_CALL_READ,
	TLS_CALL_WRITE,
	TLS_CALL_OTHER, /* SSL_shutdown: its close_notify is no request byte */
};

struct tls_call {
	__u64 ssl; /* SSL * */
	__u64 buf; /* read: the buffer to be filled; write: the bytes (what is left) */
	__u64 len;
	__u64 readbytes; /* SSL_read_ex's (and the internal read's) size_t *out */
	__u32 n;	 /* calls this thread entered: a call's identity with the tid */
	__u8 kind;	 /* enum tls_call_kind */
	__u8 io;	 /* the call moved bytes on a socket */
	__u16 data_len;	 /* bytes of data: the first a read returned */
	__u32 data_n;	 /* the read (n) they came from; 0: none */
	__u8 returns;	 /* this thread's reads have return probes */
	__u8 pad[3];
	char data[LATSCOPE_CAPTURE_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

#endif /* LATSCOPE_TLS_CALLS_BPF_H */
