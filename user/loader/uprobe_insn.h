/*
 * What a uprobe costs depends on the instruction it replaces: the kernel
 * emulates a few (x86: push, jmp/call/jcc, nop) right in the trap, and
 * single-steps every other one out of line, which takes a second trap and
 * costs several times more (see tools/bench/uprobe.sh). Pure, unit-tested.
 */
#ifndef LATSCOPE_UPROBE_INSN_H
#define LATSCOPE_UPROBE_INSN_H

#include <stdbool.h>
#include <stddef.h>

/* True when the function's first instruction @code will be single-stepped. */
bool uprobe_insn_single_stepped(const unsigned char *code, size_t len);

#endif
