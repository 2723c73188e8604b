// ELF symbols: the file offset a uprobe needs must hold the function's code.
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "loader/symbols.h"

/* A function of this binary, as the linker placed it. */
__attribute__((noinline, used)) int symbols_test_marker(int x)
{
	return x * 7 + 3;
}

static const struct elf_symbol *find(const struct elf_symbols *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->syms[i].name, name))
			return &s->syms[i];
	return NULL;
}

Test(symbols, file_offset_holds_the_code)
{
	struct elf_symbols syms;
	const struct elf_symbol *sym;
	unsigned char code[16];
	__u64 offset;
	int fd;

	cr_assert_eq(elf_symbols_load("/proc/self/exe", "", &syms), 0);
	cr_assert(!elf_symbols_stripped(&syms), "the test binary has .symtab");
	sym = find(&syms, "symbols_test_marker");
	cr_assert_not_null(sym);
	cr_assert_eq(elf_symbols_file_offset(&syms, sym->vaddr, &offset), 0);
	fd = open("/proc/self/exe", O_RDONLY);
	cr_assert_eq(pread(fd, code, sizeof(code), (off_t)offset), (ssize_t)sizeof(code));
	close(fd);
	cr_assert_eq(memcmp(code, (const void *)symbols_test_marker, sizeof(code)), 0,
		     "bytes at the file offset are the function's");
	elf_symbols_free(&syms);
}

Test(symbols, offset_outside_segments)
{
	struct elf_symbols syms;
	__u64 offset;

	cr_assert_eq(elf_symbols_load("/proc/self/exe", "", &syms), 0);
	cr_assert_neq(elf_symbols_file_offset(&syms, ~0ULL - 16, &offset), 0);
	elf_symbols_free(&syms);
}

Test(symbols, not_elf)
{
	struct elf_symbols syms;

	cr_assert_neq(elf_symbols_load("/proc/self/status", "", &syms), 0);
	cr_assert_neq(elf_symbols_load("/nonexistent/file", "", &syms), 0);
}
