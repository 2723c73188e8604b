// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sockets of traced processes: request tracking (sock_requests.bpf.h) and
 * the net resource group (sock_net.bpf.h), with one program per tracepoint.
 *
 * A second program on a tracepoint costs about as much as the first (its
 * own dispatch, prefilter, task read and storage lookup: ~100-120 ns per
 * event here), so both parts share each of them: one tgid prefilter, one
 * task read and one socket-storage lookup per event, and one storage
 * struct per socket holding what each part keeps.
 *
 * Which parts run is fixed before load (track_requests, count_net): the
 * verifier removes a part switched off, so it costs nothing. The loader
 * does not load this object when both are off, and leaves the net-only
 * programs (retransmits, resets) unloaded when net is off.
 */
#include "common.bpf.h"
#include "sock_io.bpf.h"
#include "sock_net.bpf.h"
#include "sock_requests.bpf.h"
#include "sock_tls.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile bool track_requests;
const volatile bool count_net;

/*
 * Per-socket storage (struct sock_state, latscope.h: the loader reads it
 * when the trace ends), not a hash keyed by the sock pointer: found through
 * the sock itself (no hashing, the cost of every send and receive) and
 * freed with it, so a socket never seen closing cannot leak or be
 * mistaken for a later one at the same address.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_state);
} socks SEC(".maps");

static __always_inline struct sock_state *sock_state_of(const struct sock *sk)
{
	return bpf_sk_storage_get(&socks, (struct sock *)sk, NULL, 0);
}

/* Created zeroed: neither part knows the socket yet. */
static __always_inline struct sock_state *sock_state_create(const struct sock *sk)
{
	return bpf_sk_storage_get(&socks, (struct sock *)sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
}

static __always_inline bool is_inet(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	return family == SOCK_IO_AF_INET || family == SOCK_IO_AF_INET6;
}

/*
 * Whether @tgid, the current task's, is traced. An owner either part
 * recorded was traced then, and a traced process stays traced: when the
 * task is one, no traced_tgids lookup is needed.
 */
static __always_inline bool io_is_traced(const struct sock_state *s, __u32 tgid)
{
	if (s &&
	    ((count_net && s->owner.tgid == tgid) || (track_requests && s->conn.owner == tgid)))
		return true;
	return tgid_is_traced(tgid);
}

/*
 * The request part of a transfer. Storage that cannot be created (no
 * memory, or the socket's option memory used up) is counted like a full
 * map: the connection's requests are missed, never wrong.
 */
static __always_inline void track_io(struct sock *sk, struct sock_state *s,
				     struct task_struct *task, bool is_read, int bytes)
{
	if (!s || !conn_is_open(&s->conn)) {
		if (sk->sk_protocol != IPPROTO_TCP)
			return;
		s = s ?: sock_state_create(sk);
		if (!s) {
			health_inc(HEALTH_STATS_FULL);
			return;
		}
		if (!conn_open(&s->conn, sk, conn_role_of_unseen(sk, is_read), task->tgid))
			return;
	}
	if (tls_on_io(s, task, is_read, bytes))
		return;
	conn_on_io(&s->conn, task, is_read, bytes);
}

/*
 * Bytes moved on @sk by the current task. The socket layer's tracepoints
 * fire inside the syscall, for the task that made it, so neither the
 * syscall tracepoints nor an fdtable walk are needed. Only IPv4/IPv6
 * sockets count: a TCP connection is one, and net counts no others.
 */
static __always_inline void on_transfer(struct sock *sk, int ret, int flags, bool is_read)
{
	struct task_struct *task;
	struct sock_state *s = NULL;
	bool tcp;

	if (ret <= 0 || !is_inet(sk))
		return;
	tcp = sk->sk_protocol == IPPROTO_TCP;
	if (!tcp && !count_net)
		return; /* requests are tracked on TCP only */
	task = bpf_get_current_task_btf();
	if (!tgid_may_be_traced(task->tgid))
		return;
	if (tcp)
		s = sock_state_of(sk);
	if (!io_is_traced(s, task->tgid))
		return;
	if (count_net && net_count_io(s ? &s->owner : NULL, tcp, task->tgid, ret, !is_read)) {
		s = s ?: sock_state_create(sk);
		if (s)
			net_set_owner(&s->owner, task->tgid, 0, 0);
	}
	/* Requests skip a peek: it leaves the bytes for the read that follows. */
	if (track_requests && !(is_read && (flags & SOCK_IO_MSG_PEEK)))
		track_io(sk, s, task, is_read, ret);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send, struct sock *sk, int ret, int flags)
{
	on_transfer(sk, ret, flags, false);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv, struct sock *sk, int ret, int flags)
{
	on_transfer(sk, ret, flags, true);
	return 0;
}

/*
 * connect(), in the traced task's context (SYN_SENT comes only from
 * CLOSE): a client connection, owned from here, its connect timed.
 */
static __always_inline void connecting(struct sock *sk)
{
	__u32 tgid = bpf_get_current_task_btf()->tgid;
	struct sock_state *s;

	if (!tgid_is_traced(tgid))
		return;
	s = sock_state_create(sk);
	if (!s) {
		if (track_requests)
			health_inc(HEALTH_STATS_FULL);
		return;
	}
	if (count_net)
		net_set_owner(&s->owner, tgid, OWNER_ACTIVE, bpf_ktime_get_ns());
	if (track_requests)
		conn_open(&s->conn, sk, REQ_ROLE_CLIENT, tgid);
}

/* Process context: listen() runs in the traced task. */
static __always_inline void listening(const struct sock *sk)
{
	__u32 tgid = bpf_get_current_task_btf()->tgid;

	if (tgid_is_traced(tgid))
		net_listening(sk, tgid);
}

/* A child socket of a traced listener, LISTEN -> SYN_RECV as it is cloned. */
static __always_inline void accepting(const struct sock *sk)
{
	__u32 tgid = net_listener_of(sk);
	struct sock_state *s;

	if (!tgid)
		return;
	s = sock_state_create(sk);
	if (s)
		net_set_owner(&s->owner, tgid, OWNER_PASSIVE, 0);
}

/*
 * Any other change of a known socket. The owner closing (FIN_WAIT1, or
 * LAST_ACK after the peer's FIN) or a reset/abort (CLOSE) ends request
 * tracking; net counts the close at CLOSE. Only then, with both parts
 * done, is the storage freed.
 */
static __always_inline void state_change(const struct sock *sk, int oldstate, int newstate)
{
	struct sock_state *s = sock_state_of(sk);

	if (!s)
		return;
	if (track_requests &&
	    (newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK || newstate == TCP_CLOSE)) {
		tls_conn_end(s);
		conn_end(&s->conn);
	}
	if (count_net && net_owner_known(&s->owner))
		net_state_change(&s->owner, oldstate, newstate);
	if (newstate == TCP_CLOSE)
		bpf_sk_storage_delete(&socks, (struct sock *)sk);
}

/*
 * Connection boundaries from TCP states. A listener itself has no
 * storage (it never moved bytes, and a CLOSE before listen() freed any).
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sock_state, struct sock *sk, int oldstate, int newstate)
{
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		connecting(sk);
	} else if (oldstate == TCP_CLOSE && newstate == TCP_LISTEN) {
		if (count_net)
			listening(sk);
	} else if (oldstate == TCP_LISTEN) {
		if (count_net && newstate == TCP_SYN_RECV)
			accepting(sk);
		else if (count_net)
			net_stopped_listening(sk);
	} else {
		state_change(sk, oldstate, newstate);
	}
	return 0;
}

/* Counts one event on @sk's owner; @field is a net_counts member. */
#define COUNT_ON_OWNER(sk, field)                                                              \
	do {                                                                                   \
		struct sock_state *s = (sk) ? sock_state_of(sk) : NULL;                        \
		struct net_counts *c =                                                         \
			s && net_owner_known(&s->owner) ? net_counts_of(s->owner.tgid) : NULL; \
		if (c)                                                                         \
			c->field++;                                                            \
	} while (0)

/* Net only: the loader leaves these unloaded when net is off. */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(net_retransmit, const struct sock *sk, const struct sk_buff *skb)
{
	COUNT_ON_OWNER(sk, retransmits);
	return 0;
}

/* sk is NULL for a reset answering a packet that matched no socket. */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(net_send_reset, const struct sock *sk, const struct sk_buff *skb)
{
	COUNT_ON_OWNER(sk, resets_sent);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(net_receive_reset, struct sock *sk)
{
	COUNT_ON_OWNER(sk, resets_received);
	return 0;
}
