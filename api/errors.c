/* errors.c -- the error table and the error document. */
#include "errors.h"
#include "json.h"

#include <stdint.h>
#include <string.h>

const unsigned api_statuses[] = {
#define X(status, reason) status,
	API_STATUSES(X)
#undef X
};
const size_t api_nstatuses = sizeof api_statuses / sizeof api_statuses[0];

const char *api_status_reason(unsigned status)
{
	switch (status) {
#define X(status, reason) case status: return reason;
	API_STATUSES(X)
#undef X
	default: return "Unknown";
	}
}

/* API_HTTP_##status: a status the list above lacks does not compile. */
static const struct {
	unsigned status;
	const char *code, *message;
} errors[] = {
#define X(name, status, code, msg) { API_HTTP_##status, code, msg },
	API_ERRORS(X)
#undef X
};

unsigned api_error_status(api_error e)
{
	return (unsigned)e < API_E_COUNT_ ? errors[e].status : 500;
}

const char *api_error_code(api_error e)
{
	return (unsigned)e < API_E_COUNT_ ? errors[e].code : "internal_error";
}

char *api_error_body(api_error e, const char *message, const char *field,
	size_t offset, size_t *len)
{
	jw w;

	if ((unsigned)e >= API_E_COUNT_)
		e = API_E_INTERNAL;
	jw_init(&w);
	jw_obj_open(&w);
	jw_key(&w, "error");
	jw_obj_open(&w);
	jw_key(&w, "code");
	jw_str(&w, errors[e].code);
	jw_key(&w, "message");
	jw_text(&w, (const uint8_t *)(message ? message : errors[e].message),
		strlen(message ? message : errors[e].message));
	if (field) {
		jw_key(&w, "field");
		jw_str(&w, field);
	}
	if (offset != SIZE_MAX) {
		jw_key(&w, "offset");
		jw_uint(&w, offset);
	}
	jw_obj_close(&w);
	jw_obj_close(&w);
	jw_raw(&w, "\n", 1);
	return jw_take(&w, len);
}
