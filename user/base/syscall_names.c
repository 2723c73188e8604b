// Display names for syscall numbers and errno values.
#include <stdio.h>
#include <string.h>
#include "base/syscall_names.h"

const char *syscall_name(unsigned int nr, char *buf, size_t len)
{
	if (nr < syscall_name_count && syscall_name_table[nr])
		return syscall_name_table[nr];
	snprintf(buf, len, "syscall_%u", nr);
	return buf;
}

void syscall_name_copy(unsigned int nr, char *buf, size_t len)
{
	char unnamed[32];

	snprintf(buf, len, "%s", syscall_name(nr, unnamed, sizeof(unnamed)));
}

const char *errno_name(int err, char *buf, size_t len)
{
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, len, "E%d", err);
	return buf;
}
