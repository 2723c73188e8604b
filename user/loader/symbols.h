/*
 * Function symbols of one ELF file (executable or shared library), read
 * with libelf from .symtab and .dynsym, and the file offsets uprobes need.
 *
 * A stripped file (no .symtab) is completed from separate debug info when
 * it can be found: by build-id under /usr/lib/debug/.build-id/xx/rest.debug
 * (where Debian's -dbgsym packages put it), or by .gnu_debuglink next to
 * the file, in its .debug/ directory or under /usr/lib/debug. `source`
 * says which file the symbols came from.
 */
#ifndef LATSCOPE_SYMBOLS_H
#define LATSCOPE_SYMBOLS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define SYMBOLS_MAX_LOADS 16
#define SYMBOLS_PATH_LEN  512

struct elf_symbol {
	char *name;
	__u64 vaddr; /* st_value: link-time virtual address */
};

struct elf_load {
	__u64 vaddr, memsz, offset;
};

struct elf_symbols {
	char path[SYMBOLS_PATH_LEN];	    /* the file probed */
	char source[SYMBOLS_PATH_LEN];	    /* where .symtab came from; "" if none */
	char debug_tried[SYMBOLS_PATH_LEN]; /* build-id path looked for, if any */
	struct elf_symbol *syms;
	size_t n, cap;
	struct elf_load loads[SYMBOLS_MAX_LOADS];
	int n_loads;
};

/*
 * Loads @path's function symbols. @root prefixes the debug directories
 * (the target's /proc/PID/root, or "" for our own file system).
 */
int elf_symbols_load(const char *path, const char *root, struct elf_symbols *out);
void elf_symbols_free(struct elf_symbols *syms);
/* The file offset of @vaddr through the PT_LOAD segment holding it. */
int elf_symbols_file_offset(const struct elf_symbols *syms, __u64 vaddr, __u64 *offset);
/* True when only .dynsym was found: exported names only. */
bool elf_symbols_stripped(const struct elf_symbols *syms);

/*
 * The directly needed library of executable @exe whose name matches
 * @module (see uprobe_module_matches), found the way ld.so would look
 * for it: DT_RUNPATH/DT_RPATH ($ORIGIN expanded), then the standard
 * directories. For a command not started yet, whose maps do not exist.
 */
int elf_find_needed(const char *exe, const char *module, char *path, size_t len);

#endif
