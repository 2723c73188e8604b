// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OpenSSL's read, write, handshake and shutdown calls of traced processes,
 * at entry: what each thread is doing, for the socket tracepoints that
 * fire inside the call (tls_calls.bpf.h). The loader attaches them to
 * every libssl file traced processes map, for all processes (new
 * mappings of the same file, by dlopen or in children, are covered), and
 * the tgid filter comes first.
 *
 * SSL_read and SSL_read_ex both call one internal function with
 * (ssl, buf, num); the loader attaches there when it finds it, whose
 * first instruction the kernel emulates, rather than at the exported
 * entries, which begin with one it single-steps (a second trap, several
 * µs a call). The same holds for the writes.
 */
#include "common.bpf.h"
#include "tls_calls.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline void call_enter(void *ssl, __u64 buf, __u64 len, enum tls_call_kind kind)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct tls_call *c;

	if (!tgid_is_traced(task->tgid))
		return;
	c = bpf_task_storage_get(&tls_calls, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c)
		return;
	c->ssl = (__u64)ssl;
	c->buf = buf;
	c->len = len;
	c->kind = kind;
	c->io = 0;
	c->n++;
}

/* SSL_read(ssl, buf, int num), SSL_read_ex(ssl, buf, size_t num, ...) */
SEC("uprobe")
int BPF_KPROBE(tls_read, void *ssl, void *buf, long num)
{
	call_enter(ssl, (__u64)buf, (int)num < 0 ? 0 : num, TLS_CALL_READ);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(tls_write, void *ssl, void *buf, long num)
{
	call_enter(ssl, (__u64)buf, (int)num < 0 ? 0 : num, TLS_CALL_WRITE);
	return 0;
}

/* SSL_do_handshake (SSL_accept and SSL_connect call it) */
SEC("uprobe")
int BPF_KPROBE(tls_handshake, void *ssl)
{
	call_enter(ssl, 0, 0, TLS_CALL_HANDSHAKE);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(tls_shutdown, void *ssl)
{
	call_enter(ssl, 0, 0, TLS_CALL_OTHER);
	return 0;
}
