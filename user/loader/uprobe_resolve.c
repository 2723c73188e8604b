// Resolving -u specs to uprobe sites in a target process.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wordexp.h>
#include "loader/uprobe_insn.h"
#include "loader/uprobe_resolve.h"

#define MAX_SUGGESTIONS 3
#define MAX_LISTED_LIBS 6

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The executable of @pid as its own mount namespace names it. */
/* A path under /proc/PID/root as the target names it. */
static const char *shown_path(const char *path)
{
	int skip = 0;

	if (sscanf(path, "/proc/%*d/root%n", &skip) == 0 && skip && path[skip] == '/')
		return path + skip;
	return path;
}

static int pid_exe(pid_t pid, char *path, size_t len)
{
	char link[64];
	ssize_t n;
	char *deleted;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, path, len - 1);
	if (n < 0)
		return -errno;
	path[n] = '\0';
	deleted = strstr(path, " (deleted)");
	if (deleted)
		*deleted = '\0';
	return 0;
}

/* Lists a few mapped libraries, for the "not mapped" error. */
static void append_lib(char *list, size_t len, int *listed, const char *path)
{
	size_t used = strlen(list);

	if (strstr(list, base_name(path)))
		return;
	if (*listed == MAX_LISTED_LIBS) {
		snprintf(list + used, len - used, ", ...");
		(*listed)++;
		return;
	}
	if (*listed > MAX_LISTED_LIBS)
		return;
	snprintf(list + used, len - used, "%s%s", used ? ", " : "", base_name(path));
	(*listed)++;
}

/* The first file mapped in @pid whose name matches @module. */
static int find_mapped(pid_t pid, const char *module, char *path, size_t len, char *why,
		       size_t why_len)
{
	char maps[64], line[PATH_MAX + 128], libs[256] = "";
	int listed = 0, err = -ENOENT;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "r");
	if (!f) {
		snprintf(why, why_len, "cannot read %s: %s", maps, strerror(errno));
		return -errno;
	}
	while (err && fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/');

		if (!file)
			continue;
		file[strcspn(file, "\n")] = '\0';
		if (uprobe_module_matches(module, file)) {
			snprintf(path, len, "%s", file);
			err = 0;
		} else if (strstr(file, ".so")) {
			append_lib(libs, sizeof(libs), &listed, file);
		}
	}
	fclose(f);
	if (err)
		snprintf(why, why_len, "library '%s' is not mapped in pid %d (mapped: %s)", module,
			 pid, libs[0] ? libs : "none");
	return err;
}

/* The file a spec names, as the target sees it (@path) and as we do (@open). */
static int find_module(const struct uprobe_spec *spec, pid_t pid, const char *exec_path, char *path,
		       size_t len, char *open_path, size_t open_len, char *why, size_t why_len)
{
	const char *module = spec->module;
	char exe[SYMBOLS_PATH_LEN];
	int err = exec_path ? (snprintf(exe, sizeof(exe), "%s", exec_path), 0)
			    : pid_exe(pid, exe, sizeof(exe));

	if (err) {
		snprintf(why, why_len, "cannot read /proc/%d/exe: %s", pid, strerror(-err));
		return err;
	}
	if (!module || uprobe_module_matches(module, exe))
		snprintf(path, len, "%s", exe);
	else if (strchr(module, '/'))
		snprintf(path, len, "%s", module);
	else if (!exec_path)
		err = find_mapped(pid, module, path, len, why, why_len);
	else if ((err = elf_find_needed(exe, module, path, len)))
		snprintf(
			why, why_len,
			"library '%s' is not a direct dependency of %s: with -c, give the library's path",
			module, exe);
	if (err)
		return err;
	if (exec_path)
		snprintf(open_path, open_len, "%s", path);
	else
		snprintf(open_path, open_len, "/proc/%d/root%s", pid, path);
	if (access(open_path, R_OK)) {
		err = -errno;
		snprintf(why, why_len, "cannot read %s: %s", path, strerror(errno));
	}
	return err;
}

static int by_vaddr(const void *a, const void *b)
{
	const struct elf_symbol *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int add_attach(struct func_set *set, __u32 site, pid_t pid)
{
	for (int i = 0; i < set->n_attach; i++)
		if (set->attach[i].site == site && set->attach[i].pid == pid)
			return 0;
	if (set->n_attach == set->cap_attach) {
		int cap = set->cap_attach ? set->cap_attach * 2 : 64;
		struct func_attach *a = realloc(set->attach, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		set->attach = a;
		set->cap_attach = cap;
	}
	set->attach[set->n_attach++] = (struct func_attach){ site, pid };
	return 0;
}

/* Same file and offset (through another spec or pid) is the same site. */
static int add_site(struct func_set *set, const struct func_site *site, pid_t pid)
{
	int i;

	for (i = 0; i < set->n_sites; i++)
		if (set->sites[i].dev == site->dev && set->sites[i].ino == site->ino &&
		    set->sites[i].offset == site->offset)
			break;
	if (i == set->n_sites) {
		if (set->n_sites == LATSCOPE_MAX_FUNCS)
			return -E2BIG;
		set->sites[set->n_sites++] = *site;
	}
	return add_attach(set, i, pid);
}

/* "closest: a, b, c" from every symbol name, or "" when none is close. */
static void suggest(const struct elf_symbols *syms, const char *want, char *out, size_t len)
{
	const char *best[MAX_SUGGESTIONS] = {};
	size_t dist[MAX_SUGGESTIONS], limit = strlen(want) / 3 + 1;

	for (int i = 0; i < MAX_SUGGESTIONS; i++)
		dist[i] = limit + 1;
	for (size_t i = 0; i < syms->n; i++) {
		const char *name = syms->syms[i].name;
		size_t d = name_distance(want, name, limit);
		int slot = MAX_SUGGESTIONS;

		while (slot > 0 && d < dist[slot - 1])
			slot--;
		if (slot == MAX_SUGGESTIONS)
			continue;
		for (int k = 0; k < MAX_SUGGESTIONS; k++)
			if (best[k] && !strcmp(best[k], name))
				goto next;
		memmove(&best[slot + 1], &best[slot],
			(MAX_SUGGESTIONS - 1 - slot) * sizeof(best[0]));
		memmove(&dist[slot + 1], &dist[slot],
			(MAX_SUGGESTIONS - 1 - slot) * sizeof(dist[0]));
		best[slot] = name;
		dist[slot] = d;
	next:;
	}
	out[0] = '\0';
	for (int i = 0; i < MAX_SUGGESTIONS && best[i]; i++) {
		size_t used = strlen(out);

		snprintf(out + used, len - used, "%s%s", i ? ", " : "; closest: ", best[i]);
	}
}

static void explain_no_match(const struct uprobe_spec *spec, const struct elf_symbols *syms,
			     const char *path, char *why, size_t len)
{
	char hint[256] = "";

	if (elf_symbols_stripped(syms)) {
		snprintf(
			why, len,
			"no function '%s' in %s: stripped, no debug info%s%s; install its -dbgsym package or use an unstripped build",
			spec->pattern, path, syms->debug_tried[0] ? " at " : "", syms->debug_tried);
		return;
	}
	if (!spec->glob)
		suggest(syms, spec->pattern, hint, sizeof(hint));
	snprintf(why, len, "no function %s '%s' in %s (symbols from %s)%s",
		 spec->glob ? "matches" : "named", spec->pattern, path, shown_path(syms->source),
		 hint);
}

/* "malloc" over "__libc_malloc", "clock_nanosleep" over "clock_nanosleep@GLIBC_2.2.5". */
static bool better_alias(const char *name, const char *than)
{
	bool versioned = strchr(name, '@'), than_versioned = strchr(than, '@');

	if (versioned != than_versioned)
		return !versioned;
	return strlen(name) < strlen(than);
}

/* Matching functions, one per address (aliases like malloc/__libc_malloc). */
static int collect_matches(const struct uprobe_spec *spec, struct elf_symbols *syms,
			   struct elf_symbol **out)
{
	struct elf_symbol *m = calloc(syms->n ? syms->n : 1, sizeof(*m));
	int n = 0, unique = 0;

	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < syms->n; i++)
		if (uprobe_pattern_matches(spec, syms->syms[i].name))
			m[n++] = syms->syms[i];
	qsort(m, n, sizeof(*m), by_vaddr);
	for (int i = 0; i < n; i++) {
		if (!unique || m[i].vaddr != m[unique - 1].vaddr)
			m[unique++] = m[i];
		else if (better_alias(m[i].name, m[unique - 1].name))
			m[unique - 1] = m[i];
	}
	*out = m;
	return unique;
}

/* Reads the function's first bytes to tell what its probe will cost. */
static bool first_insn_stepped(const char *path, __u64 offset)
{
	unsigned char code[16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : pread(fd, code, sizeof(code), (off_t)offset);

	if (fd >= 0)
		close(fd);
	return n > 0 && uprobe_insn_single_stepped(code, (size_t)n);
}

static void fill_site(struct func_site *site, const struct elf_symbols *syms, const char *path,
		      const char *open_path, const char *name)
{
	struct stat st = {};

	char *demangled = uprobe_demangle(name);

	memset(site, 0, sizeof(*site));
	snprintf(site->name, sizeof(site->name), "%s", demangled ? demangled : name);
	free(demangled);
	snprintf(site->module, sizeof(site->module), "%.63s", base_name(path));
	snprintf(site->binary, sizeof(site->binary), "%s", open_path);
	snprintf(site->symbols_from, sizeof(site->symbols_from), "%s",
		 syms->source[0] ? shown_path(syms->source) : "(.dynsym)");
	stat(open_path, &st);
	site->dev = st.st_dev;
	site->ino = st.st_ino;
}

static int add_matches(const struct uprobe_spec *spec, pid_t pid, struct elf_symbols *syms,
		       const char *path, const char *open_path, struct func_set *set,
		       struct resolve_note *note, char *why, size_t len)
{
	struct elf_symbol *m;
	int n = collect_matches(spec, syms, &m), err = 0;

	if (n < 0)
		return n;
	if (!n)
		explain_no_match(spec, syms, path, why, len);
	else if (n > UPROBE_GLOB_CAP)
		snprintf(
			why, len,
			"'%s' matches %d functions in %s; at most %d can be traced: narrow the pattern",
			spec->pattern, n, path, UPROBE_GLOB_CAP);
	err = !n ? -ENOENT : n > UPROBE_GLOB_CAP ? -E2BIG : 0;
	for (int i = 0; !err && i < n; i++) {
		struct func_site site;

		fill_site(&site, syms, path, open_path, m[i].name);
		err = elf_symbols_file_offset(syms, m[i].vaddr, &site.offset);
		if (err)
			snprintf(why, len, "%s: %s at 0x%llx is outside every PT_LOAD segment",
				 path, m[i].name, (unsigned long long)m[i].vaddr);
		if (!err)
			site.stepped = first_insn_stepped(open_path, site.offset);
		if (!err && (err = add_site(set, &site, pid)) == -E2BIG)
			snprintf(why, len,
				 "more than %d functions to trace in all: narrow the -u patterns",
				 LATSCOPE_MAX_FUNCS);
	}
	free(m);
	note->matched = n;
	return err;
}

int uprobe_resolve(const struct uprobe_spec *spec, pid_t pid, const char *exec_path,
		   struct func_set *set, struct resolve_note *note, char *why, size_t len)
{
	char path[SYMBOLS_PATH_LEN], open_path[SYMBOLS_PATH_LEN + 32], root[64] = "";
	struct elf_symbols syms;
	int err;

	memset(note, 0, sizeof(*note));
	err = find_module(spec, pid, exec_path, path, sizeof(path), open_path, sizeof(open_path),
			  why, len);
	if (err)
		return err;
	if (!exec_path)
		snprintf(root, sizeof(root), "/proc/%d/root", pid);
	err = elf_symbols_load(open_path, root, &syms);
	if (err) {
		snprintf(why, len, "cannot read symbols of %s: %s", path,
			 err == -ENOEXEC ? "not an ELF file" : strerror(-err));
		return err;
	}
	snprintf(note->binary, sizeof(note->binary), "%s", path);
	snprintf(note->symbols_from, sizeof(note->symbols_from), "%s",
		 syms.source[0] ? shown_path(syms.source) : "its .dynsym (exported names only)");
	err = add_matches(spec, pid, &syms, path, open_path, set, note, why, len);
	elf_symbols_free(&syms);
	return err;
}

void func_set_free(struct func_set *set)
{
	free(set->attach);
	set->attach = NULL;
	set->n_attach = set->cap_attach = 0;
}

int command_executable(const char *command, char *path, size_t len)
{
	const char *env = getenv("PATH");
	char real[PATH_MAX];
	wordexp_t words;
	int err = -ENOENT;

	if (wordexp(command, &words, WRDE_NOCMD) || !words.we_wordc)
		return -EINVAL;
	if (strchr(words.we_wordv[0], '/')) {
		if (realpath(words.we_wordv[0], real) && strlen(real) < len)
			err = 0;
		goto out;
	}
	for (const char *p = env ? env : "/usr/bin:/bin"; *p && err;) {
		size_t n = strcspn(p, ":");
		char candidate[PATH_MAX];

		snprintf(candidate, sizeof(candidate), "%.*s/%s", (int)n, n ? p : ".",
			 words.we_wordv[0]);
		if (!access(candidate, X_OK) && realpath(candidate, real) && strlen(real) < len)
			err = 0;
		p += n + (p[n] == ':');
	}
out:
	if (!err)
		snprintf(path, len, "%s", real);
	wordfree(&words);
	return err;
}
