// Which first instructions x86 uprobes emulate and which they single-step.
#include "loader/uprobe_insn.h"

#if defined(__x86_64__)
static bool emulated(const unsigned char *c, size_t len)
{
	unsigned char op = c[0];

	if (op >= 0x50 && op <= 0x57) /* push %rax..%rdi */
		return true;
	if (op == 0x41 && len > 1 && c[1] >= 0x50 && c[1] <= 0x57)
		return true; /* push %r8..%r15 */
	if (op == 0xe8 || op == 0xe9 || op == 0xeb || (op >= 0x70 && op <= 0x7f))
		return true; /* call, jmp, short jcc */
	if (op == 0x0f && len > 1 && c[1] >= 0x80 && c[1] <= 0x8f)
		return true; /* near jcc */
	return op == 0x90;   /* nop */
}
#else
/* Other architectures: not classified, counted at the cheaper cost. */
static bool emulated(const unsigned char *c, size_t len)
{
	(void)c;
	(void)len;
	return true;
}
#endif

bool uprobe_insn_single_stepped(const unsigned char *code, size_t len)
{
	return len > 0 && !emulated(code, len);
}
