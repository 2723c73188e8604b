/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The request-tracking part of sock.bpf.c: request latency of network
 * services, per TCP connection of traced processes, keyed by socket
 * identity (struct sock *), not fd numbers.
 *
 *   server: first byte of a request read -> last byte of its response
 *           written; the next read after a write starts the next request
 *           (keep-alive).
 *   client: first byte of a call written -> last byte of its reply read;
 *           the next write after a read starts the next call.
 *
 * A request is complete when the connection turns around again or closes;
 * a connection that closes before any response counts it as aborted. The
 * kernel knows no protocol beyond an HTTP status line: an exchange here
 * is a turn-around, and exact totals of them per group (server port /
 * client peer) are kept here. Every finished exchange also goes to user
 * space with the first bytes of each side (LATSCOPE_CAPTURE_LEN and
 * LATSCOPE_RESP_CAPTURE_LEN, gathered over every read and write of it),
 * where user/protocols/ splits it into messages: pipelined requests,
 * Redis commands, PostgreSQL statements, WebSocket messages; unless user
 * space has named its request bytes already (req_keys, latscope.h): then
 * the kernel counts it in that endpoint's stats and sends nothing.
 *
 * A connection still answering when the trace ends is finished by the
 * loader, which reads its storage (struct req_conn) through the socket.
 *
 * These helpers work on a socket's struct req_conn; sock.bpf.c finds, creates
 * and frees the storage that holds it.
 */
#ifndef LATSCOPE_SOCK_REQUESTS_BPF_H
#define LATSCOPE_SOCK_REQUESTS_BPF_H

#include "common.bpf.h"
#include "lat_stats.bpf.h"
#include "req_key.h"
#include "sock_io.bpf.h"

#define SOCK_BINDPORT_LOCK 8

/* Where the first bytes of a transfer are: the syscall's user buffer. */
struct sock_op {
	__u64 buf, buf_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LATSCOPE_MAX_REQ_GROUPS);
	__type(key, struct req_group_key);
	__type(value, __u32);
} req_groups SEC(".maps");

/*
 * Arrays, not hashes: a hash without preallocation inserts from an atomic
 * context, whose per-CPU allocation of ~9.5 KB fails often enough to lose
 * the first samples of a group. The loader sizes both to max_groups.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LATSCOPE_MAX_REQ_GROUPS);
	__type(key, __u32);
	__type(value, struct lat_stats);
} req_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LATSCOPE_MAX_REQ_GROUPS);
	__type(key, __u32);
	__type(value, struct req_group_counts);
} req_counts SEC(".maps");

/*
 * Request bytes user space has named (struct req_key -> endpoint id), and
 * each endpoint's requests counted here. The loader sizes endpoint_stats
 * and sets kernel_endpoints; keys_known turns the lookup on when user
 * space files its first key (until then no exchange pays for the hash).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LATSCOPE_MAX_REQ_KEYS);
	__type(key, struct req_key);
	__type(value, __u32);
} req_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LATSCOPE_MAX_KERNEL_ENDPOINTS);
	__type(key, __u32);
	__type(value, struct req_endpoint_stats);
} endpoint_stats SEC(".maps");

const volatile bool kernel_endpoints;
/* --slow: a request this slow always goes up (the slow-request log). */
const volatile __u64 req_slow_ns;
bool keys_known;

/* Group ids handed out so far, and the most the arrays hold. */
__u32 next_group_id;
/* Connection ids handed out so far: records name their connection. */
__u32 next_conn_id;
const volatile __u32 max_groups = LATSCOPE_MAX_REQ_GROUPS;

/*
 * Records go up without waking the loader (it polls every 100 ms anyway,
 * and a wake-up per record costs the server a context switch per
 * request), except every wakeup_every-th record of a CPU: the loader sets
 * it so that all CPUs together fill at most a quarter of the ring between
 * wake-ups. Counted, rather than asking the ring how full it is: that
 * reads the consumer's position, a cache line the loader's CPU writes.
 */
const volatile __u32 wakeup_every = 1;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} since_wakeup SEC(".maps");

/* "HTTP/1.x NNN": the class digit of a status line, else 0. */
static __always_inline __u32 status_class(const struct req_conn *c)
{
	const char *r = c->resp;

	if (c->rec.resp_len < 10 || r[0] != 'H' || r[1] != 'T' || r[2] != 'T' || r[3] != 'P' ||
	    r[4] != '/' || r[8] != ' ')
		return 0;
	if (r[9] < '1' || r[9] > '5')
		return 0;
	return r[9] - '0';
}

/*
 * "HTTP/1.x NNN" followed by ' ' or '\r' (or the end), NNN a final status
 * (200-599): exactly what user space's HTTP parser takes for one. Needed
 * before an exchange is counted here: user space named its request only,
 * and a 1xx (an upgrade, a 100 Continue) changes what follows.
 */
static __always_inline bool final_status_line(const struct req_conn *c)
{
	const char *r = c->resp;

	if (c->rec.resp_len < 12 || r[0] != 'H' || r[1] != 'T' || r[2] != 'T' || r[3] != 'P' ||
	    r[4] != '/' || r[5] != '1' || r[6] != '.' || r[7] < '0' || r[7] > '9' || r[8] != ' ')
		return false;
	if (r[9] < '2' || r[9] > '5' || r[10] < '0' || r[10] > '9' || r[11] < '0' || r[11] > '9')
		return false;
	return c->rec.resp_len == 12 || r[12] == ' ' || r[12] == '\r';
}

/*
 * The kernel endpoint (id + 1) of the request just read whole, when user
 * space named its bytes; 0 otherwise. Called once, as its answer begins.
 */
static __always_inline __u32 endpoint_of(struct req_conn *c)
{
	const struct request_rec *rec = &c->rec;
	__u64 asked = rec->role == REQ_ROLE_SERVER ? rec->bytes_in : rec->bytes_out;
	struct req_key key = { .group = rec->group };
	__u32 *id;

	if (!kernel_endpoints || !keys_known || !rec->req_len ||
	    rec->req_len > LATSCOPE_REQ_KEY_LEN || rec->req_len != asked)
		return 0;
	key.len = rec->req_len;
	key.hash = req_key_hash(rec->data, key.len);
	/* Keys are never removed nor given another id: what was found stays. */
	if (c->known_endpoint && c->known_len == key.len && c->known_hash == key.hash)
		return c->known_endpoint;
	id = bpf_map_lookup_elem(&req_keys, &key);
	if (!id)
		return 0;
	c->known_endpoint = *id + 1;
	c->known_len = key.len;
	c->known_hash = key.hash;
	return c->known_endpoint;
}

/*
 * Counts an answered request of a named endpoint here, instead of sending
 * it up; false when it must go up (see latscope.h: struct req_key).
 */
static __always_inline bool count_in_kernel(struct req_conn *c, __u16 flags, __u32 class,
					    __u64 duration)
{
	struct req_endpoint_stats *s;
	__u32 id = c->endpoint - 1;

	if (!c->endpoint || flags || (req_slow_ns && duration >= req_slow_ns) ||
	    !final_status_line(c))
		return false;
	s = bpf_map_lookup_elem(&endpoint_stats, &id);
	if (!s)
		return false;
	lat_stats_record(&s->lat, duration, class == 5);
	s->counts.bytes_in += c->rec.bytes_in;
	s->counts.bytes_out += c->rec.bytes_out;
	if (class < LATSCOPE_STATUS_CLASSES)
		s->counts.status[class]++;
	return true;
}

static __always_inline __u64 wakeup_flags(void)
{
	__u32 zero = 0, *n = bpf_map_lookup_elem(&since_wakeup, &zero);

	if (!n || ++*n < wakeup_every)
		return BPF_RB_NO_WAKEUP;
	*n = 0;
	return BPF_RB_FORCE_WAKEUP;
}

/*
 * The record as it stands goes up: header, outcome and duration first.
 * The thread is the current one when it belongs to the owner (not so for
 * the flush at the end of the trace, or a close in softirq context).
 */
static __always_inline void send_record(struct req_conn *c, __u32 outcome, __u64 duration)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 len, resp_len;

	c->rec.hdr.tgid = c->owner;
	c->rec.hdr.tid = pid_tgid >> 32 == c->owner ? (__u32)pid_tgid : 0;
	c->rec.outcome = outcome;
	c->rec.duration_ns = duration;
	/* The answer's bytes follow the request's, and the record ends there. */
	len = c->rec.req_len;
	if (len > LATSCOPE_CAPTURE_LEN)
		len = LATSCOPE_CAPTURE_LEN;
	resp_len = c->rec.resp_len;
	if (resp_len > LATSCOPE_RESP_CAPTURE_LEN)
		resp_len = LATSCOPE_RESP_CAPTURE_LEN;
	if (resp_len && bpf_probe_read_kernel(c->rec.data + len, resp_len, c->resp))
		resp_len = 0;
	c->rec.resp_len = resp_len;
	record_output(&c->rec, request_rec_size(len, resp_len), wakeup_flags());
}

/*
 * Ends the request in flight, if any: counted here, then sent up with
 * @flags (REQ_F_*) saying why it ends now.
 */
static __always_inline void finish_request(struct req_conn *c, __u16 flags)
{
	__u32 key = c->rec.group, class = 0;
	struct req_group_counts *counts;
	__u64 duration;

	if (c->phase == PHASE_IDLE)
		return;
	counts = bpf_map_lookup_elem(&req_counts, &key);
	c->rec.flags = flags | (c->rec.flags & REQ_F_TLS);
	if (counts) {
		counts->bytes_in += c->rec.bytes_in;
		counts->bytes_out += c->rec.bytes_out;
	}
	if (c->phase == PHASE_ASK) {
		if (counts)
			counts->aborted++;
		c->rec.status_class = 0;
		send_record(c, REQ_ABORTED, 0);
	} else {
		class = status_class(c);
		duration = c->last_ns - c->rec.hdr.ts_ns;
		lat_stats_record(bpf_map_lookup_elem(&req_stats, &key), duration, class == 5);
		if (counts && class < LATSCOPE_STATUS_CLASSES)
			counts->status[class]++;
		c->rec.status_class = class;
		if (!count_in_kernel(c, flags, class, duration))
			send_record(c, REQ_DONE, duration);
	}
	c->rec.seq++;
	c->phase = PHASE_IDLE;
}

static __always_inline void addr_from_sock(struct sock *sk, __u8 addr[16])
{
	__u32 v4;

	if (BPF_CORE_READ(sk, __sk_common.skc_family) == SOCK_IO_AF_INET6) {
		BPF_CORE_READ_INTO(addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
		return;
	}
	v4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);
	__builtin_memset(addr, 0, 16);
	addr[10] = addr[11] = 0xff;
	__builtin_memcpy(addr + 12, &v4, 4);
}

static __always_inline int group_of(const struct request_rec *rec, __u32 *id)
{
	struct req_group_key key = { .role = rec->role };
	__u32 *found, fresh;

	if (rec->role == REQ_ROLE_CLIENT) {
		key.port = rec->peer_port;
		__builtin_memcpy(key.addr, rec->peer_addr, sizeof(key.addr));
	} else {
		key.port = rec->local_port;
	}
	found = bpf_map_lookup_elem(&req_groups, &key);
	if (found) {
		*id = *found;
		return 0;
	}
	fresh = __sync_fetch_and_add(&next_group_id, 1);
	if (fresh >= max_groups)
		goto full;
	/* Two CPUs racing on a new group: the loser takes the winner's id. */
	if (bpf_map_update_elem(&req_groups, &key, &fresh, BPF_NOEXIST)) {
		found = bpf_map_lookup_elem(&req_groups, &key);
		if (!found)
			goto full;
		fresh = *found;
	}
	*id = fresh;
	return 0;
full:
	health_inc(HEALTH_STATS_FULL);
	return -1;
}

static __always_inline bool conn_is_open(const struct req_conn *c)
{
	return c->owner != 0;
}

/*
 * Starts tracking @c, the connection of @sk, for traced process @tgid; a
 * group that cannot be had (all taken) leaves it untracked. The storage is
 * created zeroed; existing storage (a reconnect, or a connection closed on
 * our side that moves bytes again) starts over.
 */
static __always_inline bool conn_open(struct req_conn *c, struct sock *sk, __u16 role, __u32 tgid)
{
	struct request_rec *rec = &c->rec;

	c->phase = PHASE_IDLE;
	c->endpoint = c->known_endpoint = 0; /* the group may differ now */
	rec->hdr.type = REC_REQUEST;
	rec->role = role;
	rec->conn_id = __sync_fetch_and_add(&next_conn_id, 1) + 1;
	rec->seq = 0;
	rec->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	rec->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	addr_from_sock(sk, rec->peer_addr);
	if (group_of(rec, &rec->group)) {
		c->owner = 0;
		return false;
	}
	c->owner = tgid;
	return true;
}

/* The owner closed, or the connection reset: a request being read aborts. */
static __always_inline void conn_end(struct req_conn *c)
{
	if (!conn_is_open(c))
		return;
	finish_request(c, REQ_F_CLOSED);
	c->owner = 0;
}

/* Bytes moved on a connection: turn-arounds start and end requests. */
static __always_inline void conn_transfer(struct req_conn *c, bool is_read,
					  const struct sock_op *op, long done, __u64 now)
{
	struct request_rec *rec = &c->rec;
	/* A server asks by reading; a client by writing. */
	bool asking = is_read == (rec->role == REQ_ROLE_SERVER);

	if (asking) {
		if (c->phase != PHASE_ASK) {
			finish_request(c, 0);
			c->phase = PHASE_ASK;
			rec->hdr.ts_ns = now;
			rec->bytes_in = rec->bytes_out = 0;
			rec->resp_len = rec->req_len = 0;
			c->endpoint = 0;
		}
		rec->req_len = sock_io_capture(rec->data, LATSCOPE_CAPTURE_LEN, rec->req_len,
					       op->buf, op->buf_len, done);
	} else {
		if (c->phase == PHASE_IDLE)
			return; /* an answer to nothing we saw: a greeting */
		if (c->phase == PHASE_ASK) {
			c->phase = PHASE_ANSWER;
			c->endpoint = endpoint_of(c);
		}
		/* A named endpoint needs only the status line. */
		if (c->endpoint)
			rec->resp_len = sock_io_capture(c->resp, LATSCOPE_STATUS_CAPTURE_LEN,
							rec->resp_len, op->buf, op->buf_len, done);
		else
			rec->resp_len = sock_io_capture(c->resp, LATSCOPE_RESP_CAPTURE_LEN,
							rec->resp_len, op->buf, op->buf_len, done);
		c->last_ns = now;
	}
	if (is_read)
		rec->bytes_in += done;
	else
		rec->bytes_out += done;
}

/*
 * A connection first seen moving bytes, not connecting (its SYN_SENT was
 * not seen: accepted, or opened before tracing began). Accepted sockets
 * inherit SOCK_BINDPORT_LOCK from a listener bound to an explicit port: a
 * server. Otherwise the first operation decides: a read is a request
 * arriving, a write is a call going out. (A server that speaks first, on
 * a port-0 listener, would be taken for a client.)
 */
static __always_inline __u16 conn_role_of_unseen(struct sock *sk, bool is_read)
{
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_userlocks) & SOCK_BINDPORT_LOCK)
		return REQ_ROLE_SERVER;
	return is_read ? REQ_ROLE_SERVER : REQ_ROLE_CLIENT;
}

/*
 * The user buffer of the syscall in progress, from the registers it was
 * entered with: the socket tracepoints name the sock but not the buffer.
 * Calls without one (sendfile, splice, sends the kernel makes on the
 * task's behalf) capture nothing and still count. The registers are read
 * directly (a BTF pointer), not with bpf_probe_read_kernel() calls.
 */
static __always_inline void syscall_buffer(struct task_struct *task, bool is_read,
					   struct sock_op *op)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	enum sock_io_kind kind;

	if (!regs)
		return;
	kind = sock_io_kind_of(sock_io_syscall_nr(regs));
	if (kind == SOCK_IO_NONE || sock_io_is_read(kind) != is_read)
		return;
	op->buf = sock_io_first_buf(kind, PT_REGS_PARM2_SYSCALL(regs), PT_REGS_PARM3_SYSCALL(regs),
				    &op->buf_len);
}

/* @done bytes moved on open connection @c by @task, the current task. */
static __always_inline void conn_on_io(struct req_conn *c, struct task_struct *task, bool is_read,
				       long done)
{
	struct sock_op op = {};
	bool asking = is_read == (c->rec.role == REQ_ROLE_SERVER);

	/*
	 * The buffer matters only while its side's capture has room: when a
	 * request or an answer begins, and for the next calls of a long one.
	 */
	if (asking ? c->phase != PHASE_ASK || c->rec.req_len < LATSCOPE_CAPTURE_LEN
		   : c->phase == PHASE_ASK ||
			     (c->phase == PHASE_ANSWER &&
			      c->rec.resp_len < (c->endpoint ? LATSCOPE_STATUS_CAPTURE_LEN
							     : LATSCOPE_RESP_CAPTURE_LEN)))
		syscall_buffer(task, is_read, &op);
	conn_transfer(c, is_read, &op, done, bpf_ktime_get_ns());
}

#endif /* LATSCOPE_SOCK_REQUESTS_BPF_H */
