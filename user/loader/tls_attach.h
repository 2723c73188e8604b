/*
 * OpenSSL uprobes for request tracking over TLS (bpf/tls.bpf.c): which
 * libssl files the traced processes map, and the uprobes on them. Part
 * of the sock family (probe_sock.c), whose socket programs read what the
 * uprobes note (the shared tls_calls map).
 *
 * Each libssl file is probed once, for every process (the programs filter
 * by tgid): a later mapping of the same file, by dlopen or in a child
 * followed with -f, is covered from the start. New files (a process
 * mapping another libssl, a container's) are looked for at every
 * collect. Other TLS libraries found in the maps, a Go executable or a
 * statically linked one are noted in the model: their connections are
 * "TLS, not decoded".
 */
#ifndef LATSCOPE_TLS_ATTACH_H
#define LATSCOPE_TLS_ATTACH_H

#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stddef.h>

struct model;
struct overhead;
struct probe_ctx;
struct tls_probe;

/* Opens and loads the uprobe object, sharing @tls_calls with the socket object. */
int tls_probe_load(const struct probe_ctx *ctx, struct bpf_map *tls_calls, struct tls_probe **out);
/*
  * Probes the system's libssl files and every one the traced processes
 * map; with @model, notes the TLS libraries it cannot decode.
 */
int tls_probe_scan(struct tls_probe *p, const struct probe_ctx *ctx, struct model *model);
int tls_probe_register_costs(struct tls_probe *p, struct overhead *oh);
void tls_probe_free(struct tls_probe *p);

/*
 * The target of the first direct call (e8 rel32) in @a's code that @b's
 * code also calls: both exported entries' shared internal function.
 * @a_vaddr/@b_vaddr are where the code starts. 0: none.
 */
unsigned long long tls_common_callee(const unsigned char *a, size_t a_len,
				     unsigned long long a_vaddr, const unsigned char *b,
				     size_t b_len, unsigned long long b_vaddr);
/* "GnuTLS" for a mapped file's base name of a TLS library not decoded; NULL if none. */
const char *tls_library_of(const char *base);

#endif
