// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Network use of traced processes: bytes through IPv4/IPv6 sockets, TCP
 * connections opened and closed, connect latency, retransmits and resets.
 *
 * Bytes are counted in the sending or receiving task's context. TCP state
 * changes, retransmits and resets mostly happen in softirq context, where
 * the current task means nothing: they are attributed through the socket,
 * whose owner is kept in its storage (sock_owners) when a traced process
 * connects, listens, or moves data through it. Accepted connections
 * inherit the owner of the listening port, if the traced process called
 * listen() while traced.
 */
#include "common.bpf.h"
#include "lat_stats.bpf.h"
#include "resources.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET		2
#define AF_INET6	10

enum owner_flags {
	OWNER_ACTIVE = 1,	/* we connected */
	OWNER_PASSIVE = 2,	/* accepted on a traced listener */
	OWNER_OPEN = 4,		/* reached ESTABLISHED while traced */
	OWNER_LOCAL_CLOSE = 8,	/* we sent the first FIN */
	OWNER_REMOTE_CLOSE = 16,	/* the peer did */
};

struct sock_owner {
	__u32 tgid;
	__u32 flags;		/* enum owner_flags */
	__u64 connect_ns;	/* SYN_SENT at */
};

/*
 * Per-socket storage, not a hash keyed by the sock pointer: found through
 * the sock itself (no hashing, the cost of every send and receive) and
 * freed with it, so a socket never seen closing cannot leak or be
 * mistaken for a later one at the same address.
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_owner);
} sock_owners SEC(".maps");

/* Listening ports of traced processes: port -> tgid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} listen_ports SEC(".maps");

static const struct net_counts net_zero;
TGID_COUNTS_MAP(net_counts, struct net_counts);
TGID_LAT_MAP(connect_stats);

static __always_inline struct net_counts *net_counts_of(__u32 tgid)
{
	return counts_of(&net_counts, tgid, &net_zero);
}

static __always_inline bool is_inet(const struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	return family == AF_INET || family == AF_INET6;
}

static __always_inline struct sock_owner *owner_of(const struct sock *sk)
{
	return bpf_sk_storage_get(&sock_owners, (struct sock *)sk, NULL, 0);
}

static __always_inline void set_owner(const struct sock *sk, __u32 tgid,
				      __u32 flags, __u64 connect_ns)
{
	struct sock_owner *o = bpf_sk_storage_get(&sock_owners, (struct sock *)sk,
						  NULL,
						  BPF_SK_STORAGE_GET_F_CREATE);

	if (!o)
		return;
	o->tgid = tgid;
	o->flags = flags;
	o->connect_ns = connect_ns;
}

/*
 * Whether the current task (of @tgid) counts its I/O on @sk. A socket's
 * owner was traced when it was recorded and a traced process stays
 * traced: when the task is the owner, no traced_tgids lookup is needed
 * (the same shortcut requests.bpf.c takes through its socket storage).
 * *@known tells whether @sk already has an owner.
 */
static __always_inline bool io_is_traced(const struct sock *sk, __u32 tgid,
					 bool *known)
{
	struct sock_owner *o;

	if (!tgid_may_be_traced(tgid))
		return false;
	o = sk->sk_protocol == IPPROTO_TCP ? owner_of(sk) : NULL;
	*known = o != NULL;
	return (o && o->tgid == tgid) || tgid_is_traced(tgid);
}

/* Counts @bytes moved by the current task; learns the socket's owner. */
static __always_inline void count_io(const struct sock *sk, int bytes, bool sent)
{
	__u32 tgid = current_tgid();
	struct net_counts *c;
	bool known = false;

	if (bytes <= 0 || !is_inet(sk) || !io_is_traced(sk, tgid, &known))
		return;
	c = net_counts_of(tgid);
	if (!c)
		return;
	if (sent) {
		c->bytes_sent += bytes;
		c->sends++;
	} else {
		c->bytes_received += bytes;
		c->receives++;
	}
	if (sk->sk_protocol == IPPROTO_TCP && !known)
		set_owner(sk, tgid, 0, 0);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(net_send, struct sock *sk, int ret, int flags)
{
	count_io(sk, ret, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(net_recv, struct sock *sk, int ret, int flags)
{
	count_io(sk, ret, false);
	return 0;
}

/* Process context: connect() and listen() run in the traced task. */
static __always_inline void opening(const struct sock *sk, int newstate)
{
	__u32 tgid = current_tgid(), port = sk->__sk_common.skc_num;

	if (!tgid_is_traced(tgid))
		return;
	if (newstate == TCP_SYN_SENT)
		set_owner(sk, tgid, OWNER_ACTIVE, bpf_ktime_get_ns());
	else
		bpf_map_update_elem(&listen_ports, &port, &tgid, BPF_ANY);
}

/* A child socket of a listener: LISTEN -> SYN_RECV as it is cloned. */
static __always_inline void accepting(const struct sock *sk)
{
	__u32 port = sk->__sk_common.skc_num;
	__u32 *tgid = bpf_map_lookup_elem(&listen_ports, &port);

	if (tgid)
		set_owner(sk, *tgid, OWNER_PASSIVE, 0);
}

static __always_inline void established(struct sock_owner *o,
					struct net_counts *c, int oldstate)
{
	o->flags |= OWNER_OPEN;
	if (oldstate == TCP_SYN_SENT) {
		c->active_opens++;
		if (o->connect_ns)
			lat_stats_add(&connect_stats, o->tgid,
				      bpf_ktime_get_ns() - o->connect_ns, false);
	} else if (oldstate == TCP_SYN_RECV) {
		c->passive_opens++;
	}
}

static __always_inline void closed(const struct sock *sk, struct sock_owner *o,
				   struct net_counts *c, int oldstate)
{
	if (oldstate == TCP_SYN_SENT) {
		c->connect_failures++;
		if (o->connect_ns)
			lat_stats_add(&connect_stats, o->tgid,
				      bpf_ktime_get_ns() - o->connect_ns, true);
	} else if (o->flags & OWNER_LOCAL_CLOSE) {
		c->local_closes++;
	} else if (o->flags & OWNER_REMOTE_CLOSE) {
		c->remote_closes++;
	} else if (o->flags & OWNER_OPEN || oldstate == TCP_ESTABLISHED) {
		c->aborts++;
	}
	bpf_sk_storage_delete(&sock_owners, (struct sock *)sk);
}

static __always_inline void state_change(const struct sock *sk, int oldstate,
					 int newstate)
{
	struct sock_owner *o = owner_of(sk);
	struct net_counts *c;

	if (!o)
		return;
	c = net_counts_of(o->tgid);
	if (!c)
		return;
	if (newstate == TCP_ESTABLISHED)
		established(o, c, oldstate);
	else if (newstate == TCP_FIN_WAIT1 && !(o->flags & OWNER_REMOTE_CLOSE))
		o->flags |= OWNER_LOCAL_CLOSE;
	else if (newstate == TCP_CLOSE_WAIT && !(o->flags & OWNER_LOCAL_CLOSE))
		o->flags |= OWNER_REMOTE_CLOSE;
	else if (newstate == TCP_CLOSE)
		closed(sk, o, c, oldstate);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(net_state, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	__u32 port;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (oldstate == TCP_CLOSE &&
	    (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN)) {
		opening(sk, newstate);
	} else if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV) {
		accepting(sk);
	} else if (oldstate == TCP_LISTEN) {
		port = sk->__sk_common.skc_num;
		bpf_map_delete_elem(&listen_ports, &port);
	} else {
		state_change(sk, oldstate, newstate);
	}
	return 0;
}

/* Counts one event on @sk's owner; @field is a net_counts member. */
#define COUNT_ON_OWNER(sk, field)					\
	do {								\
		struct sock_owner *o = (sk) ? owner_of(sk) : NULL;	\
		struct net_counts *c = o ? net_counts_of(o->tgid) : NULL; \
		if (c)							\
			c->field++;					\
	} while (0)

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
