// OpenSSL uprobes: the libssl files traced processes map, probed once each.
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "model/model.h"
#include "loader/listeners.h"
#include "loader/probe.h"
#include "loader/symbols.h"
#include "loader/tls_attach.h"
#include "loader/uprobe_insn.h"
#include "tls.skel.h"

/* libssl files, each per traced process (or once for all, see scope_of). */
#define TLS_MAX_LIBS  64
#define TLS_MAX_LINKS 8
/* Processes whose executable was looked at (Go, static OpenSSL), newest kept. */
#define TLS_MAX_SEEN 1024
/* Bytes of an exported entry searched for the call to its internal function. */
#define TLS_CODE_LEN 96

/* Processes given return probes on their reads (clients), at most. */
#define TLS_MAX_CLIENTS 256

struct tls_lib {
	dev_t dev;
	ino_t ino;
	pid_t pid; /* the process whose calls trap, or -1: every process */
	char path[600];
	struct bpf_link *links[TLS_MAX_LINKS];
	int n_links;
	/* Where reads return from, probed per client process. */
	struct {
		__u64 offset;
		bool count; /* SSL_read's: returns the bytes */
	} rets[2];
	int n_rets;
};

/* A client process's return probes in one library. */
struct tls_client {
	__u32 tgid;
	int lib;
	struct bpf_link *links[2];
};

struct tls_probe {
	struct tls_bpf *skel; /* NULL with --no-tls: libraries are only noted */
	struct tls_lib libs[TLS_MAX_LIBS];
	int n_libs;
	__u32 seen[TLS_MAX_SEEN];
	int n_seen;
	struct tls_client clients[TLS_MAX_CLIENTS];
	int n_clients;
	/*
	 * With -c or -f, return probes for every process: a child's reads
	 * must be seen from its first, before any scan could find it.
	 */
	bool all_returns;
	bool system_done;
	/*
	 * Entry probes for every process (-1), or for each traced one: only
	 * when processes can join the trace (-c, -f, --comm, --cgroup) must a
	 * newcomer's first call trap before a scan has seen it. Otherwise a
	 * process that is not traced never traps in libssl.
	 */
	bool everywhere;
};

static const struct {
	const char *prefix, *name;
} other_libraries[] = {
	{ "libgnutls.so", "GnuTLS" },	 { "libnss3.so", "NSS" },
	{ "libssl3.so", "NSS" },	 { "libwolfssl.so", "wolfSSL" },
	{ "libmbedtls.so", "Mbed TLS" }, { "libboringssl", "BoringSSL" },
	{ "libs2n.so", "s2n-tls" },	 { "librustls", "rustls" },
};

const char *tls_library_of(const char *base)
{
	for (size_t i = 0; i < sizeof(other_libraries) / sizeof(other_libraries[0]); i++)
		if (!strncmp(base, other_libraries[i].prefix, strlen(other_libraries[i].prefix)))
			return other_libraries[i].name;
	return NULL;
}

static bool is_libssl(const char *base)
{
	return !strncmp(base, "libssl.so.", 10);
}

unsigned long long tls_common_callee(const unsigned char *a, size_t a_len,
				     unsigned long long a_vaddr, const unsigned char *b,
				     size_t b_len, unsigned long long b_vaddr)
{
	for (size_t i = 0; i + 5 <= a_len; i++) {
		__s32 rel;
		unsigned long long target;

		if (a[i] != 0xe8)
			continue;
		memcpy(&rel, a + i + 1, 4);
		target = a_vaddr + i + 5 + (long long)rel;
		for (size_t j = 0; j + 5 <= b_len; j++) {
			__s32 rel_b;

			if (b[j] != 0xe8)
				continue;
			memcpy(&rel_b, b + j + 1, 4);
			if (b_vaddr + j + 5 + (long long)rel_b == target)
				return target;
		}
	}
	return 0;
}

int tls_probe_load(const struct probe_ctx *ctx, struct bpf_map *tls_calls, struct tls_probe **out)
{
	struct tls_probe *p = calloc(1, sizeof(*p));
	int err;

	*out = p;
	if (!p)
		return -ENOMEM;
	if (!tls_calls)
		return 0; /* --no-tls: notes only */
	p->skel = tls_bpf__open();
	if (!p->skel)
		return -errno;
	err = bpf_map__reuse_fd(p->skel->maps.tls_calls, bpf_map__fd(tls_calls));
	if (!err)
		err = probe_share_common_maps(ctx, PROBE_COMMON_MAPS(p->skel));
	return err ? err : tls_bpf__load(p->skel);
}

/* A function of a libssl file: its address, file offset and first bytes. */
struct tls_func {
	__u64 vaddr, offset;
	unsigned char code[TLS_CODE_LEN];
	size_t len;
};

static bool find_func(const struct elf_symbols *syms, int fd, const char *name, struct tls_func *f)
{
	ssize_t n;

	for (size_t i = 0; i < syms->n; i++) {
		if (strcmp(syms->syms[i].name, name))
			continue;
		f->vaddr = syms->syms[i].vaddr;
		if (elf_symbols_file_offset(syms, f->vaddr, &f->offset))
			return false;
		n = pread(fd, f->code, sizeof(f->code), f->offset);
		f->len = n > 0 ? n : 0;
		return f->len > 0;
	}
	return false;
}

static int attach_at(struct tls_lib *lib, struct bpf_program *prog, const char *path, __u64 offset,
		     bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = retprobe);
	struct bpf_link *link;

	if (lib->n_links >= TLS_MAX_LINKS)
		return -E2BIG;
	/* A pid's probes trap in every thread of it (uprobes filter by mm). */
	link = bpf_program__attach_uprobe_opts(prog, lib->pid, path, offset, &opts);
	if (!link)
		return -errno;
	lib->links[lib->n_links++] = link;
	return 0;
}

/*
 * SSL_read and SSL_read_ex (or the writes) both call one internal
 * function with (ssl, buf, num, size_t *done), returning 1 or 0: probed
 * there when the kernel emulates its first instruction, else at both
  * exported entries. With @returns (reads), where they return from is
 * kept for the return probes of clients (tls_probe_scan).
 */
static int attach_pair(struct tls_lib *lib, struct bpf_program *prog, bool returns,
		       const char *path, const struct elf_symbols *syms, int fd, const char *name,
		       const char *name_ex)
{
	struct tls_func a, b;
	__u64 callee, offset;
	unsigned char first[16];
	bool has_a = find_func(syms, fd, name, &a), has_b = find_func(syms, fd, name_ex, &b);
	int err = 0;

	if (has_a && has_b &&
	    (callee = tls_common_callee(a.code, a.len, a.vaddr, b.code, b.len, b.vaddr)) &&
	    !elf_symbols_file_offset(syms, callee, &offset) &&
	    pread(fd, first, sizeof(first), offset) == sizeof(first) &&
	    !uprobe_insn_single_stepped(first, sizeof(first))) {
		if (returns)
			lib->rets[lib->n_rets++].offset = offset;
		return attach_at(lib, prog, path, offset, false);
	}
	if (has_a)
		err = attach_at(lib, prog, path, a.offset, false);
	if (!err && has_a && returns) {
		lib->rets[lib->n_rets].offset = a.offset;
		lib->rets[lib->n_rets++].count = true;
	}
	if (!err && has_b)
		err = attach_at(lib, prog, path, b.offset, false);
	if (!err && has_b && returns)
		lib->rets[lib->n_rets++].offset = b.offset;
	return has_a || has_b ? err : -ENOENT;
}

static int attach_entry(struct tls_lib *lib, struct bpf_program *prog, const char *path,
			const struct elf_symbols *syms, int fd, const char *name)
{
	struct tls_func f;

	return find_func(syms, fd, name, &f) ? attach_at(lib, prog, path, f.offset, false)
					     : -ENOENT;
}

static void lib_detach(struct tls_lib *lib)
{
	for (int i = 0; i < lib->n_links; i++)
		bpf_link__destroy(lib->links[i]);
	lib->n_links = 0;
}

/*
 * Probes @path (a libssl) for @tgid's calls (every process's when the
 * probe is everywhere) unless that file already is; its index in
 * p->libs, or -errno.
 */
static int attach_file(struct tls_probe *p, const char *path, __u32 tgid)
{
	pid_t pid = p->everywhere ? -1 : (pid_t)tgid;
	struct tls_bpf *skel = p->skel;
	struct elf_symbols syms = {};
	struct tls_lib *lib;
	struct stat st;
	int fd, err;

	if (stat(path, &st))
		return -errno;
	for (int i = 0; i < p->n_libs; i++)
		if (p->libs[i].dev == st.st_dev && p->libs[i].ino == st.st_ino &&
		    p->libs[i].pid == pid)
			return i;
	if (p->n_libs >= TLS_MAX_LIBS)
		return -E2BIG;
	lib = &p->libs[p->n_libs];
	memset(lib, 0, sizeof(*lib));
	lib->dev = st.st_dev;
	lib->ino = st.st_ino;
	lib->pid = pid;
	snprintf(lib->path, sizeof(lib->path), "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = elf_symbols_load(path, "", &syms);
	if (!err)
		err = attach_pair(lib, skel->progs.tls_read, true, path, &syms, fd, "SSL_read",
				  "SSL_read_ex");
	if (!err)
		err = attach_pair(lib, skel->progs.tls_write, false, path, &syms, fd, "SSL_write",
				  "SSL_write_ex");
	if (!err)
		err = attach_entry(lib, skel->progs.tls_handshake, path, &syms, fd,
				   "SSL_do_handshake");
	/* Without it, close_notify's bytes would end the last response later. */
	if (!err)
		err = attach_entry(lib, skel->progs.tls_shutdown, path, &syms, fd, "SSL_shutdown");
	elf_symbols_free(&syms);
	close(fd);
	if (err) {
		lib_detach(lib);
		lib->n_rets = 0;
	}
	/* A process gone while probed: its exit is reported, not this. */
	if (err && err != -ESRCH) {
		fprintf(stderr,
			"latscope: cannot probe OpenSSL in %s (%s): its TLS is not decoded\n", path,
			strerror(-err));
		/* Remembered all the same: not retried at every collect. */
	}
	return p->n_libs++;
}

/* Return probes on @lib's reads in client process @tgid, once. */
static void attach_returns(struct tls_probe *p, __u32 tgid, int lib_index)
{
	const struct tls_lib *lib = &p->libs[lib_index];
	struct tls_client *c;

	for (int i = 0; i < p->n_clients; i++)
		if (p->clients[i].tgid == tgid && p->clients[i].lib == lib_index)
			return;
	if (p->n_clients >= TLS_MAX_CLIENTS || !lib->n_rets)
		return;
	c = &p->clients[p->n_clients++];
	memset(c, 0, sizeof(*c));
	c->tgid = tgid;
	c->lib = lib_index;
	for (int i = 0; i < lib->n_rets; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = true);
		struct bpf_program *prog = lib->rets[i].count ? p->skel->progs.tls_read_return
							      : p->skel->progs.tls_read_ex_return;

		c->links[i] = bpf_program__attach_uprobe_opts(prog, (pid_t)tgid, lib->path,
							      lib->rets[i].offset, &opts);
	}
}

/* A process that listens on no TCP port: its reads are a client's. */
static bool is_client(__u32 tgid)
{
	__u16 port;

	return listeners_of(tgid, &port, 1) == 0;
}

/* A process may map the system's libssl later (dlopen, -f, -c): probed now. */
static void attach_system(struct tls_probe *p, __u32 tgid)
{
	static const char *const dirs[] = { "/usr/lib/x86_64-linux-gnu",
					    "/usr/lib/aarch64-linux-gnu",
					    "/usr/lib64",
					    "/usr/lib",
					    "/lib64",
					    "/lib" };
	static const char *const names[] = { "libssl.so.3", "libssl.so.1.1" };
	char path[256];

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++)
		for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
			snprintf(path, sizeof(path), "%s/%s", dirs[d], names[n]);
			if (!access(path, R_OK))
				attach_file(p, path, tgid);
		}
}

/* Return probes in every process (pid -1) on every library probed. */
static void all_returns(struct tls_probe *p)
{
	for (int i = 0; i < p->n_libs; i++)
		attach_returns(p, (__u32)-1, i);
}

static bool has_section(Elf *elf, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (gelf_getshdr(scn, &sh) && (n = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(n, name))
			return true;
	}
	return false;
}

/* A TLS implementation inside the executable itself, or NULL. */
static const char *exe_tls(__u32 tgid)
{
	char path[64];
	struct elf_symbols syms = {};
	const char *found = NULL;
	Elf *elf;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/exe", tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && has_section(elf, ".go.buildinfo"))
		found = "Go crypto/tls";
	elf_end(elf);
	close(fd);
	if (found || elf_symbols_load(path, "", &syms))
		return found;
	for (size_t i = 0; i < syms.n && !found; i++)
		if (!strcmp(syms.syms[i].name, "SSL_read"))
			found = "OpenSSL or BoringSSL, statically linked";
	elf_symbols_free(&syms);
	return found;
}

static bool seen_before(struct tls_probe *p, __u32 tgid)
{
	for (int i = 0; i < p->n_seen; i++)
		if (p->seen[i] == tgid)
			return true;
	p->seen[p->n_seen++ % TLS_MAX_SEEN] = tgid;
	if (p->n_seen > TLS_MAX_SEEN)
		p->n_seen = TLS_MAX_SEEN;
	return false;
}

/* One traced process's maps: libssl files probed, other TLS noted. */
static void scan_process(struct tls_probe *p, __u32 tgid, struct model *model)
{
	char path[64], line[1024], file[600];
	const char *note = NULL;
	int lib, client = -1;
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%u/maps", tgid);
	maps = fopen(path, "re");
	if (!maps)
		return;
	while (fgets(line, sizeof(line), maps)) {
		char *name = strchr(line, '/'), *base, *nl;
		const char *other;

		if (!name)
			continue;
		if ((nl = strchr(name, '\n')))
			*nl = '\0';
		base = strrchr(name, '/') + 1;
		if (is_libssl(base)) {
			if (!p->skel) {
				note = "OpenSSL, --no-tls";
				continue;
			}
			/* As the process sees it: containers have their own files. */
			snprintf(file, sizeof(file), "/proc/%u/root%s", tgid, name);
			lib = attach_file(p, access(file, R_OK) ? name : file, tgid);
			if (lib >= 0 && p->all_returns)
				attach_returns(p, (__u32)-1, lib);
			else if (lib >= 0 && (client < 0 ? (client = is_client(tgid)) : client))
				attach_returns(p, tgid, lib);
		} else if ((other = tls_library_of(base)) && !note) {
			note = other;
		}
	}
	fclose(maps);
	if (!model)
		return;
	if (!seen_before(p, tgid)) {
		const char *exe = exe_tls(tgid);

		if (exe)
			note = exe;
	}
	if (note)
		requests_note_tls_library(model->requests, tgid, note);
}

int tls_probe_scan(struct tls_probe *p, const struct probe_ctx *ctx, struct model *model)
{
	__u32 key, next, *prev = NULL;

	if (!p)
		return 0;
	if (p->skel && !p->system_done) {
		p->everywhere = ctx->opts->command || ctx->opts->follow_children ||
				ctx->opts->target_comm || ctx->opts->target_cgroup_id;
		if (p->everywhere)
			attach_system(p, 0);
		for (int i = 0; !p->everywhere && i < ctx->n_tgids; i++)
			attach_system(p, ctx->tgids[i]);
	}
	if (p->skel && !p->system_done && (ctx->opts->command || ctx->opts->follow_children)) {
		p->all_returns = true;
		all_returns(p);
	}
	p->system_done = true;
	for (int i = 0; i < ctx->n_tgids; i++)
		scan_process(p, ctx->tgids[i], model);
	while (ctx->traced_tgids &&
	       !bpf_map__get_next_key(ctx->traced_tgids, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		scan_process(p, key, model);
	}
	return 0;
}

int tls_probe_register_costs(struct tls_probe *p, struct overhead *oh)
{
	return p && p->skel ? probe_register_object(oh, p->skel->obj, false) : 0;
}

void tls_probe_free(struct tls_probe *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n_clients; i++)
		for (int l = 0; l < 2; l++)
			bpf_link__destroy(p->clients[i].links[l]);
	for (int i = 0; i < p->n_libs; i++)
		lib_detach(&p->libs[i]);
	tls_bpf__destroy(p->skel);
	free(p);
}
