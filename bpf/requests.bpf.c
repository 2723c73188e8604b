// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Request latency of network services, per TCP connection of traced
 * processes, keyed by socket identity (struct sock *), not fd numbers.
 *
 *   server: first byte of a request read -> last byte of its response
 *           written; the next read after a write starts the next request
 *           (keep-alive).
 *   client: first byte of a call written -> last byte of its reply read;
 *           the next write after a read starts the next call.
 *
 * A request is complete when the connection turns around again or closes;
 * a connection that closes before any response counts it as aborted.
 * Exact totals per group (server port / client peer) are kept here; every
 * finished request also goes to user space with its first bytes, where
 * HTTP is classified into endpoints.
 */
#include "common.bpf.h"
#include "lat_stats.bpf.h"
#include "sock_io.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TCP_SYN_SENT_STATE 2
#define TCP_FIN_WAIT1_STATE 4
#define TCP_CLOSE_STATE 7
#define TCP_LAST_ACK_STATE 9
#define SOCK_BINDPORT_LOCK 8

enum conn_phase {
	PHASE_IDLE,	/* nothing in flight */
	PHASE_ASK,	/* server: reading a request; client: writing a call */
	PHASE_ANSWER,	/* server: writing a response; client: reading a reply */
};

struct conn {
	__u64 start_ns;		/* first byte of the request */
	__u64 last_ns;		/* last byte of the answer so far */
	__u64 bytes_in, bytes_out;
	__u32 group;
	__u16 role, phase;
	__u16 local_port, peer_port;
	__u8 peer_addr[16];
	__u16 req_len, resp_len;
	char req[LATSCOPE_CAPTURE_LEN];
	char resp[LATSCOPE_CAPTURE_LEN];
};

/* Where the first bytes of a transfer are: the syscall's user buffer. */
struct sock_op {
	__u64 buf, buf_len;
};

/* LRU: connections whose close we never see age out instead of leaking. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LATSCOPE_MAX_CONNS);
	__type(key, __u64);
	__type(value, struct conn);
} conns SEC(".maps");

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

/* Group ids handed out so far, and the most the arrays hold. */
__u32 next_group_id;
const volatile __u32 max_groups = LATSCOPE_MAX_REQ_GROUPS;

static const struct conn conn_zero;

/* "HTTP/1.x NNN": the class digit of a status line, else 0. */
static __always_inline __u32 status_class(const struct conn *c)
{
	const char *r = c->resp;

	if (c->resp_len < 10 || r[0] != 'H' || r[1] != 'T' || r[2] != 'T' ||
	    r[3] != 'P' || r[4] != '/' || r[8] != ' ')
		return 0;
	if (r[9] < '1' || r[9] > '5')
		return 0;
	return r[9] - '0';
}

static __always_inline void send_record(struct conn *c, __u32 outcome,
					__u64 duration)
{
	struct request_rec *rec;

	rec = record_reserve(sizeof(*rec), REC_REQUEST,
			     bpf_get_current_pid_tgid(), c->start_ns);
	if (!rec)
		return;
	rec->group = c->group;
	rec->role = c->role;
	rec->outcome = outcome;
	rec->local_port = c->local_port;
	rec->peer_port = c->peer_port;
	__builtin_memcpy(rec->peer_addr, c->peer_addr, sizeof(rec->peer_addr));
	rec->duration_ns = duration;
	rec->bytes_in = c->bytes_in;
	rec->bytes_out = c->bytes_out;
	rec->req_len = c->req_len;
	rec->resp_len = c->resp_len;
	rec->pad2 = 0;
	__builtin_memcpy(rec->req, c->req, sizeof(rec->req));
	__builtin_memcpy(rec->resp, c->resp, sizeof(rec->resp));
	record_submit_batched(rec);
}

/* Ends the request in flight, if any: counted here, then sent up. */
static __always_inline void finish_request(struct conn *c)
{
	__u32 key = c->group, class;
	struct req_group_counts *counts;
	__u64 duration;

	if (c->phase == PHASE_IDLE)
		return;
	counts = bpf_map_lookup_elem(&req_counts, &key);
	if (c->phase == PHASE_ASK) {
		if (counts)
			counts->aborted++;
		send_record(c, REQ_ABORTED, 0);
	} else {
		class = status_class(c);
		duration = c->last_ns - c->start_ns;
		lat_stats_record(bpf_map_lookup_elem(&req_stats, &key), duration,
				 class == 5);
		if (counts && class < LATSCOPE_STATUS_CLASSES)
			counts->status[class]++;
		send_record(c, REQ_DONE, duration);
	}
	if (counts) {
		counts->bytes_in += c->bytes_in;
		counts->bytes_out += c->bytes_out;
	}
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

static __always_inline int group_of(const struct conn *c, __u32 *id)
{
	struct req_group_key key = { .role = c->role };
	__u32 *found, fresh;

	if (c->role == REQ_ROLE_CLIENT) {
		key.port = c->peer_port;
		__builtin_memcpy(key.addr, c->peer_addr, sizeof(key.addr));
	} else {
		key.port = c->local_port;
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

static __always_inline struct conn *conn_new(struct sock *sk, __u16 role)
{
	__u64 key = (__u64)sk;
	struct conn *c;

	bpf_map_update_elem(&conns, &key, &conn_zero, BPF_ANY);
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		return NULL;
	c->role = role;
	c->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	c->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	addr_from_sock(sk, c->peer_addr);
	if (group_of(c, &c->group)) {
		bpf_map_delete_elem(&conns, &key);
		return NULL;
	}
	return c;
}

/* Bytes moved on a connection: turn-arounds start and end requests. */
static __always_inline void conn_transfer(struct conn *c, bool is_read,
					  const struct sock_op *op, long done,
					  __u64 now)
{
	/* A server asks by reading; a client by writing. */
	bool asking = is_read == (c->role == REQ_ROLE_SERVER);

	if (asking) {
		if (c->phase != PHASE_ASK) {
			finish_request(c);
			c->phase = PHASE_ASK;
			c->start_ns = now;
			c->bytes_in = c->bytes_out = 0;
			c->resp_len = 0;
			c->req_len = sock_io_capture(c->req, op->buf,
						     op->buf_len, done);
		}
	} else {
		if (c->phase == PHASE_IDLE)
			return; /* an answer to nothing we saw: a greeting */
		if (c->phase == PHASE_ASK) {
			c->phase = PHASE_ANSWER;
			c->resp_len = sock_io_capture(c->resp, op->buf,
						      op->buf_len, done);
		}
		c->last_ns = now;
	}
	if (is_read)
		c->bytes_in += done;
	else
		c->bytes_out += done;
}

static __always_inline void conn_close(__u64 sk)
{
	struct conn *c = bpf_map_lookup_elem(&conns, &sk);

	if (!c)
		return;
	finish_request(c);
	bpf_map_delete_elem(&conns, &sk);
}

/*
 * A connection first seen moving bytes, not connecting (its SYN_SENT was
 * not seen: accepted, or opened before tracing began). Accepted sockets
 * inherit SOCK_BINDPORT_LOCK from a listener bound to an explicit port: a
 * server. Otherwise the first operation decides: a read is a request
 * arriving, a write is a call going out. (A server that speaks first, on
 * a port-0 listener, would be taken for a client.)
 */
static __always_inline __u16 role_of_unseen(struct sock *sk, bool is_read)
{
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_userlocks) & SOCK_BINDPORT_LOCK)
		return REQ_ROLE_SERVER;
	return is_read ? REQ_ROLE_SERVER : REQ_ROLE_CLIENT;
}

/*
 * The user buffer of the syscall in progress, from the registers it was
 * entered with: the socket tracepoints name the sock but not the buffer.
 * Calls without one (sendfile, splice, sends the kernel makes on the
 * task's behalf) capture nothing and still count.
 */
static __always_inline void syscall_buffer(struct task_struct *task,
					   bool is_read, struct sock_op *op)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	enum sock_io_kind kind;

	if (!regs)
		return;
	kind = sock_io_kind_of(sock_io_syscall_nr(regs));
	if (kind == SOCK_IO_NONE || sock_io_is_read(kind) != is_read)
		return;
	op->buf = sock_io_first_buf(kind, PT_REGS_PARM2_CORE_SYSCALL(regs),
				    PT_REGS_PARM3_CORE_SYSCALL(regs),
				    &op->buf_len);
}

/*
 * Bytes moved on @sk by the current task. The socket layer's tracepoints
 * fire inside the syscall, for the task that made it, so neither the
 * syscall tracepoints nor an fdtable walk are needed.
 */
static __always_inline void on_transfer(struct sock *sk, int ret, bool is_read)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct sock_op op = {};
	__u64 key = (__u64)sk;
	struct conn *c;

	if (ret <= 0 || !tgid_is_traced(task->tgid))
		return;
	if (sk->sk_protocol != SOCK_IO_IPPROTO_TCP)
		return;
	c = bpf_map_lookup_elem(&conns, &key);
	if (!c)
		c = conn_new(sk, role_of_unseen(sk, is_read));
	if (!c)
		return;
	/* The buffer matters only when a request or an answer begins. */
	if (c->phase != (is_read == (c->role == REQ_ROLE_SERVER) ? PHASE_ASK
								  : PHASE_ANSWER))
		syscall_buffer(task, is_read, &op);
	conn_transfer(c, is_read, &op, ret, bpf_ktime_get_ns());
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(requests_recv, struct sock *sk, int ret, int flags)
{
	/* A peek leaves the bytes for the read that follows. */
	if (!(flags & SOCK_IO_MSG_PEEK))
		on_transfer(sk, ret, true);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(requests_send, struct sock *sk, int ret, int flags)
{
	on_transfer(sk, ret, false);
	return 0;
}

/*
 * Connection boundaries from TCP states. A traced task's connect() moves
 * its socket to SYN_SENT in that task's context: a client. The owner
 * closing (FIN_WAIT1, or LAST_ACK after the peer's FIN) or a reset/abort
 * (CLOSE) ends the connection, and a request still being read is aborted.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(requests_sock_state, struct sock *sk, int oldstate, int newstate)
{
	struct task_struct *task;

	switch (newstate) {
	case TCP_SYN_SENT_STATE:
		task = bpf_get_current_task_btf();
		if (sk->sk_protocol == SOCK_IO_IPPROTO_TCP &&
		    tgid_is_traced(task->tgid))
			conn_new(sk, REQ_ROLE_CLIENT);
		break;
	case TCP_FIN_WAIT1_STATE:
	case TCP_LAST_ACK_STATE:
	case TCP_CLOSE_STATE:
		conn_close((__u64)sk);
		break;
	}
	return 0;
}
