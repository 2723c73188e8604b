// First-instruction classes: emulated by x86 uprobes or single-stepped.
#include <criterion/criterion.h>
#include "loader/uprobe_insn.h"

#if defined(__x86_64__)
Test(uprobe_insn, x86_classes)
{
	const unsigned char push_rbp[] = { 0x55, 0x48, 0x89, 0xe5 };
	const unsigned char push_r15[] = { 0x41, 0x57 };
	const unsigned char jmp[] = { 0xe9, 0, 0, 0, 0 };
	const unsigned char lea[] = { 0x48, 0x8d, 0x44, 0x7f, 0x01 };
	const unsigned char mov_rip[] = { 0x48, 0x8b, 0x05, 0xd1, 0x2b, 0, 0 };

	cr_assert(!uprobe_insn_single_stepped(push_rbp, sizeof(push_rbp)));
	cr_assert(!uprobe_insn_single_stepped(push_r15, sizeof(push_r15)));
	cr_assert(!uprobe_insn_single_stepped(jmp, sizeof(jmp)));
	cr_assert(uprobe_insn_single_stepped(lea, sizeof(lea)));
	cr_assert(uprobe_insn_single_stepped(mov_rip, sizeof(mov_rip)));
	cr_assert(!uprobe_insn_single_stepped(lea, 0), "unknown: not flagged");
}
#endif
