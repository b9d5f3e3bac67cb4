/* reply.h -- what every answer of the daemon carries, whoever builds it
 * (routes.c's answers and errors, console.c's files and errors): the
 * node's name and nosniff.  One place, so that a new kind of answer cannot
 * forget them. */
#ifndef API_REPLY_H
#define API_REPLY_H

#include <microhttpd.h>
#include <stddef.h>

/* The header that names the node in every reply (docs/SCALING.md). */
#define API_NODE_HEADER "X-Wasmhost-Node"

/* The node's name for every reply from now on (copied; at most
 * WH_NODE_NAME_MAX bytes are kept).  Call before the server starts. */
void api_reply_set_node(const char *name);
const char *api_reply_node(void);

/* Adds the headers every reply has. */
void api_reply_headers(struct MHD_Response *resp);

/* The same headers as raw lines ("Name: value\r\n" each) into buf, for
 * answers written without libmicrohttpd (the front door's refusals);
 * snprintf's result. */
int api_reply_header_lines(char *buf, size_t n);

#endif
