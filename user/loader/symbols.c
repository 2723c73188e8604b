// ELF function symbols with libelf, debug-info lookup and file offsets.
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "loader/symbols.h"
#include "loader/uprobe_spec.h"

#define DEBUG_DIR "/usr/lib/debug"

struct elf_file {
	int fd;
	Elf *elf;
};

static int elf_file_open(const char *path, struct elf_file *f)
{
	f->elf = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF) {
		elf_end(f->elf);
		close(f->fd);
		f->elf = NULL;
		return -ENOEXEC;
	}
	return 0;
}

static void elf_file_close(struct elf_file *f)
{
	if (!f->elf)
		return;
	elf_end(f->elf);
	close(f->fd);
	f->elf = NULL;
}

static int add_symbol(struct elf_symbols *s, const char *name, __u64 vaddr)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct elf_symbol *syms = realloc(s->syms, cap * sizeof(*syms));

		if (!syms)
			return -ENOMEM;
		s->syms = syms;
		s->cap = cap;
	}
	s->syms[s->n].name = strdup(name);
	if (!s->syms[s->n].name)
		return -ENOMEM;
	s->syms[s->n++].vaddr = vaddr;
	return 0;
}

/* Defined functions of one symbol table; ifunc resolvers are not the function. */
static int read_symtab(Elf *elf, Elf_Scn *scn, GElf_Shdr *shdr, struct elf_symbols *out)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;

	for (size_t i = 0; data && i < count; i++) {
		GElf_Sym sym;
		const char *name;
		int err;

		if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, shdr->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		err = add_symbol(out, name, sym.st_value);
		if (err)
			return err;
	}
	return 0;
}

/* Reads tables of @type; returns how many such tables there were. */
static int read_tables(Elf *elf, Elf64_Word type, struct elf_symbols *out)
{
	Elf_Scn *scn = NULL;
	int tables = 0;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		int err;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != type)
			continue;
		err = read_symtab(elf, scn, &shdr, out);
		if (err)
			return err;
		tables++;
	}
	return tables;
}

static int read_loads(Elf *elf, struct elf_symbols *out)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -ENOEXEC;
	for (size_t i = 0; i < n && out->n_loads < SYMBOLS_MAX_LOADS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		out->loads[out->n_loads++] = (struct elf_load){
			.vaddr = ph.p_vaddr,
			.memsz = ph.p_memsz,
			.offset = ph.p_offset,
		};
	}
	return out->n_loads ? 0 : -ENOEXEC;
}

static Elf_Scn *find_section(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		const char *s;

		if (!gelf_getshdr(scn, &shdr))
			continue;
		s = elf_strptr(elf, shstrndx, shdr.sh_name);
		if (s && !strcmp(s, name))
			return scn;
	}
	return NULL;
}

/* The GNU build-id as hex, from the .note.gnu.build-id section. */
static bool build_id_hex(Elf *elf, char *hex, size_t len)
{
	Elf_Scn *scn = find_section(elf, ".note.gnu.build-id");
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nhdr;

	if (!data)
		return false;
	while ((off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off))) {
		const unsigned char *id = (const unsigned char *)data->d_buf + desc_off;

		if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_descsz < 2 ||
		    nhdr.n_descsz * 2 + 1 > len)
			continue;
		for (size_t i = 0; i < nhdr.n_descsz; i++)
			sprintf(hex + 2 * i, "%02x", id[i]);
		return true;
	}
	return false;
}

static bool file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* Candidate debug files, most specific first; the first that exists wins. */
static bool find_debug_file(Elf *elf, const char *path, const char *root, struct elf_symbols *out,
			    char *found, size_t len)
{
	Elf_Scn *link = find_section(elf, ".gnu_debuglink");
	Elf_Data *data = link ? elf_getdata(link, NULL) : NULL;
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path) : 0;
	char hex[128];

	if (build_id_hex(elf, hex, sizeof(hex))) {
		snprintf(out->debug_tried, sizeof(out->debug_tried), "%s/.build-id/%.2s/%s.debug",
			 DEBUG_DIR, hex, hex + 2);
		snprintf(found, len, "%s%s", root, out->debug_tried);
		if (file_exists(found))
			return true;
	}
	if (!data || !data->d_size || !memchr(data->d_buf, '\0', data->d_size))
		return false;
	snprintf(found, len, "%.*s/%s", dir_len, path, (char *)data->d_buf);
	if (strcmp(found, path) && file_exists(found))
		return true;
	snprintf(found, len, "%.*s/.debug/%s", dir_len, path, (char *)data->d_buf);
	if (file_exists(found))
		return true;
	snprintf(found, len, "%s%s%.*s/%s", root, DEBUG_DIR, dir_len, path, (char *)data->d_buf);
	return file_exists(found);
}

/* Symbols of a separate debug file share the probed file's addresses. */
static int read_debug_symbols(Elf *elf, const char *path, const char *root, struct elf_symbols *out)
{
	char debug[SYMBOLS_PATH_LEN];
	struct elf_file f;
	int tables;

	if (!find_debug_file(elf, path, root, out, debug, sizeof(debug)))
		return 0;
	if (elf_file_open(debug, &f))
		return 0;
	tables = read_tables(f.elf, SHT_SYMTAB, out);
	elf_file_close(&f);
	if (tables > 0)
		snprintf(out->source, sizeof(out->source), "%s", debug);
	return tables < 0 ? tables : 0;
}

int elf_symbols_load(const char *path, const char *root, struct elf_symbols *out)
{
	struct elf_file f;
	int err, tables;

	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", path);
	err = elf_file_open(path, &f);
	if (err)
		return err;
	err = read_loads(f.elf, out);
	if (err)
		goto out;
	tables = read_tables(f.elf, SHT_SYMTAB, out);
	if (tables > 0)
		snprintf(out->source, sizeof(out->source), "%s", path);
	else if (!tables)
		tables = read_debug_symbols(f.elf, path, root, out);
	err = tables < 0 ? tables : read_tables(f.elf, SHT_DYNSYM, out);
	err = err < 0 ? err : 0;
out:
	elf_file_close(&f);
	if (err)
		elf_symbols_free(out);
	return err;
}

void elf_symbols_free(struct elf_symbols *syms)
{
	for (size_t i = 0; i < syms->n; i++)
		free(syms->syms[i].name);
	free(syms->syms);
	syms->syms = NULL;
	syms->n = syms->cap = 0;
}

bool elf_symbols_stripped(const struct elf_symbols *syms)
{
	return !syms->source[0];
}

int elf_symbols_file_offset(const struct elf_symbols *syms, __u64 vaddr, __u64 *offset)
{
	for (int i = 0; i < syms->n_loads; i++) {
		const struct elf_load *l = &syms->loads[i];

		if (vaddr >= l->vaddr && vaddr < l->vaddr + l->memsz) {
			*offset = vaddr - l->vaddr + l->offset;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *const standard_lib_dirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib/aarch64-linux-gnu",
	"/usr/lib/aarch64-linux-gnu",
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
	"/usr/local/lib",
};

/* Looks for @name in one directory, expanding $ORIGIN to @exe's. */
static bool try_dir(const char *dir, size_t dir_len, const char *exe, const char *name, char *path,
		    size_t len)
{
	const char *slash = strrchr(exe, '/');
	int origin_len = slash ? (int)(slash - exe) : 1;

	if (dir_len >= 7 && !strncmp(dir, "$ORIGIN", 7))
		snprintf(path, len, "%.*s%.*s/%s", origin_len, slash ? exe : ".",
			 (int)(dir_len - 7), dir + 7, name);
	else
		snprintf(path, len, "%.*s/%s", (int)dir_len, dir, name);
	return file_exists(path);
}

static bool search_lib(const char *runpath, const char *exe, const char *name, char *path,
		       size_t len)
{
	for (const char *p = runpath; p && *p;) {
		size_t n = strcspn(p, ":");

		if (n && try_dir(p, n, exe, name, path, len))
			return true;
		p += n + (p[n] == ':');
	}
	for (size_t i = 0; i < sizeof(standard_lib_dirs) / sizeof(standard_lib_dirs[0]); i++)
		if (try_dir(standard_lib_dirs[i], strlen(standard_lib_dirs[i]), exe, name, path,
			    len))
			return true;
	return false;
}

static int find_needed_in(Elf *elf, Elf_Scn *scn, GElf_Shdr *shdr, const char *exe,
			  const char *module, char *path, size_t len)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;
	const char *runpath = NULL;
	GElf_Dyn dyn;

	for (size_t i = 0; data && i < count && gelf_getdyn(data, (int)i, &dyn); i++)
		if (dyn.d_tag == DT_RUNPATH || (dyn.d_tag == DT_RPATH && !runpath))
			runpath = elf_strptr(elf, shdr->sh_link, dyn.d_un.d_val);
	for (size_t i = 0; data && i < count && gelf_getdyn(data, (int)i, &dyn); i++) {
		const char *name;

		if (dyn.d_tag != DT_NEEDED)
			continue;
		name = elf_strptr(elf, shdr->sh_link, dyn.d_un.d_val);
		if (name && uprobe_module_matches(module, name))
			return search_lib(runpath, exe, name, path, len) ? 0 : -ENOENT;
	}
	return -ENOENT;
}

int elf_find_needed(const char *exe, const char *module, char *path, size_t len)
{
	Elf_Scn *scn = NULL;
	struct elf_file f;
	int err = elf_file_open(exe, &f);

	if (err)
		return err;
	err = -ENOENT;
	while (err == -ENOENT && (scn = elf_nextscn(f.elf, scn))) {
		GElf_Shdr shdr;

		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_DYNAMIC)
			err = find_needed_in(f.elf, scn, &shdr, exe, module, path, len);
	}
	elf_file_close(&f);
	return err;
}
