/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The TLS part of sock.bpf.c's request tracking: connections whose bytes
 * go through OpenSSL calls (tls_calls.bpf.h). Latency stays wire to wire
 * (the socket tracepoints' times, as for clear text); the plaintext only
 * names the request: the first bytes SSL_write is given, and the first
 * bytes a read returned, which its return probe keeps in the thread's
 * slot (tls_calls.bpf.h) and the connection's next event copies. A read
 * that returned nothing (a session ticket, WANT_READ) gives nothing.
 *
 * The handshake is not a request: its bytes (those moved inside
 * SSL_do_handshake) are timed, first to last, as a figure of the group
 * apart (tls_handshakes), counted when the first application byte moves
 * or the connection ends. Bytes moved by other calls (SSL_shutdown's
 * close_notify, or calls on another SSL) belong to no request.
 *
 * A connection is TLS when its first bytes are a TLS record moved inside
 * an OpenSSL call that moved nothing before; the call's SSL pointer then
 * ties later calls to it. Every other connection is clear text, decided
 * at its first byte, and costs nothing more here.
 */
#ifndef LATSCOPE_SOCK_TLS_BPF_H
#define LATSCOPE_SOCK_TLS_BPF_H

#include "common.bpf.h"
#include "lat_stats.bpf.h"
#include "sock_requests.bpf.h"
#include "tls_calls.bpf.h"

/*
 * The most ciphertext one alert record takes with the AEAD ciphers (TLS
 * 1.3: 5 + 2 + 1 + 16; TLS 1.2 GCM: 5 + 8 + 2 + 16), less than any
 * HTTP request: a server reading no more than that before the close read
 * the client's close_notify, not a request cut off.
 */
#define TLS_ALERT_MAX 40

/* Set when the loader attached the TLS uprobes (--no-tls: not). */
const volatile bool track_tls;

/* Handshake times per request group; sized like req_stats by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LATSCOPE_MAX_REQ_GROUPS);
	__type(key, __u32);
	__type(value, struct lat_stats);
} tls_handshakes SEC(".maps");

/* A TLS record header's first bytes: content type 20..23, version 3.x. */
static __always_inline bool tls_record_starts(struct task_struct *task, bool is_read)
{
	struct sock_op op = {};
	__u8 b[2];

	syscall_buffer(task, is_read, &op);
	if (!op.buf || op.buf_len < 2 || bpf_probe_read_user(b, 2, (void *)op.buf))
		return false;
	return b[0] >= 20 && b[0] <= 23 && b[1] == 3;
}

static __always_inline void tls_handshake_done(struct sock_state *s)
{
	__u32 key = s->conn.rec.group;

	if (!s->tls.hs)
		return;
	s->tls.hs = 0;
	lat_stats_record(bpf_map_lookup_elem(&tls_handshakes, &key),
			 s->tls.hs_last - s->tls.hs_start, false);
}

/* Appends @n bytes of @src (kernel memory) to a capture, like sock_io_capture(). */
static __always_inline __u16 tls_capture(char *dst, __u32 cap, __u16 len, const char *src, __u32 n)
{
	__u32 off = len;

	if (off >= cap)
		return len;
	if (n > cap - off)
		n = cap - off;
	off &= cap - 1;
	if (!n || n > cap || bpf_probe_read_kernel(dst + off, n, src))
		return len;
	return off + n;
}

/*
 * The plaintext a finished read returned, into the reading side's
 * capture: from @call, the slot of the thread that read, when the
 * current one is it and has return probes; otherwise from the read's
 * buffer, at most as many bytes as the ciphertext it moved.
 */
static __always_inline void tls_copy_read(struct req_conn *c, struct tls_conn *t,
					  const struct tls_call *call, __u32 tid)
{
	struct request_rec *rec = &c->rec;
	bool server = rec->role == REQ_ROLE_SERVER;
	bool same = call && call->returns && t->rcall >> 32 == tid;
	__u32 n = same && call->data_n == (__u32)t->rcall ? call->data_len : 0;

	if (!t->rbuf || (same && !n))
		goto done;
	if (server && c->phase == PHASE_ASK)
		rec->req_len = same ? tls_capture(rec->data, LATSCOPE_CAPTURE_LEN, rec->req_len,
						  call->data, n)
				    : sock_io_capture(rec->data, LATSCOPE_CAPTURE_LEN, rec->req_len,
						      t->rbuf, t->rlen, t->rlen);
	else if (!server && c->phase == PHASE_ANSWER)
		rec->resp_len = same ? tls_capture(c->resp, LATSCOPE_RESP_CAPTURE_LEN,
						   rec->resp_len, call->data, n)
				     : sock_io_capture(c->resp, LATSCOPE_RESP_CAPTURE_LEN,
						       rec->resp_len, t->rbuf, t->rlen, t->rlen);
done:
	t->rbuf = 0;
}

/* Whether the first bytes of @s make it an OpenSSL connection. */
static __always_inline bool tls_decide(struct sock_state *s, struct task_struct *task, bool is_read,
				       const struct tls_call *call)
{
	s->tls.state = TLS_PLAIN;
	if (!call || call->io || call->kind == TLS_CALL_NONE || !tls_record_starts(task, is_read))
		return false;
	s->tls.state = TLS_OPENSSL;
	s->tls.ssl = call->ssl;
	s->conn.rec.flags = REQ_F_TLS;
	return true;
}

/*
 * @done bytes moved on open connection @s by @task: false when they are
 * clear text (the caller goes on as for any connection), true when this
 * took them (a TLS connection's).
 */
static __always_inline bool tls_on_io(struct sock_state *s, struct task_struct *task, bool is_read,
				      long done)
{
	struct req_conn *c = &s->conn;
	struct tls_conn *t = &s->tls;
	struct sock_op op = {};
	struct tls_call *call;
	__u64 now, id;

	if (!track_tls || t->state == TLS_PLAIN)
		return false;
	call = bpf_task_storage_get(&tls_calls, task, NULL, 0);
	if (t->state == TLS_UNDECIDED && !tls_decide(s, task, is_read, call))
		return false;
	if (!call || call->ssl != t->ssl)
		return true;
	call->io = 1;
	id = (__u64)task->pid << 32 | call->n;
	if (t->rbuf && t->rcall != id)
		tls_copy_read(c, t, call, task->pid);
	now = bpf_ktime_get_ns();
	if (call->kind == TLS_CALL_HANDSHAKE) {
		if (!t->hs_start) {
			t->hs_start = now;
			t->hs = 1;
		}
		t->hs_last = now;
		return true;
	}
	if (call->kind != TLS_CALL_READ && call->kind != TLS_CALL_WRITE)
		return true;
	tls_handshake_done(s);
	if (call->kind == TLS_CALL_WRITE) {
		if (is_read)
			return true; /* a write reading: renegotiation, no request byte */
		op.buf = call->buf;
		op.buf_len = call->len;
		conn_transfer(c, false, &op, done, now);
		/* The next send of the same call carries what follows. */
		if (call->len > (__u64)done) {
			call->buf += done;
			call->len -= done;
		} else {
			call->len = 0;
		}
		return true;
	}
	if (!is_read)
		return true; /* a read writing: a key update or an alert */
	conn_transfer(c, true, &op, done, now);
	if (!t->rbuf) {
		t->rbuf = call->buf;
		t->rcall = id;
		t->rlen = 0;
	}
	if (t->rcall == id) {
		__u64 n = t->rlen + done;

		t->rlen = n < call->len ? n : call->len;
	}
	return true;
}

/*
 * The connection ends (the owner closing, or a reset): a close_notify
 * read is no request; a read still to copy is copied when the closing task is the owner (its memory is the
 * one the buffer is in), and a handshake still timed is counted.
 */
static __always_inline void tls_conn_end(struct sock_state *s)
{
	if (!track_tls || s->tls.state != TLS_OPENSSL)
		return;
	if (s->conn.rec.role == REQ_ROLE_SERVER && s->conn.phase == PHASE_ASK &&
	    s->conn.rec.bytes_in <= TLS_ALERT_MAX)
		s->conn.phase = PHASE_IDLE;
	if (s->tls.rbuf && bpf_get_current_pid_tgid() >> 32 == s->conn.owner) {
		struct task_struct *task = bpf_get_current_task_btf();

		tls_copy_read(&s->conn, &s->tls, bpf_task_storage_get(&tls_calls, task, NULL, 0),
			      task->pid);
	}
	s->tls.rbuf = 0;
	tls_handshake_done(s);
}

#endif /* LATSCOPE_SOCK_TLS_BPF_H */
