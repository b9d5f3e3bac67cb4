/* error.c -- err_set (see error.h). */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>

wasm_status err_set(wasm_error *err, wasm_status status, size_t offset,
	const char *fmt, ...)
{
	if (!err)
		return status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	err->status = status;
	err->offset = offset;
	return status;
}
