/* reply.c -- the headers every answer carries (reply.h). */
#include "reply.h"
#include "config.h"

#include <stdio.h>

/* Written once before libmicrohttpd's threads start, read-only after. */
static char node_name[WH_NODE_NAME_MAX + 1];

void api_reply_set_node(const char *name)
{
	snprintf(node_name, sizeof node_name, "%s", name);
}

const char *api_reply_node(void)
{
	return node_name;
}

void api_reply_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_X_CONTENT_TYPE_OPTIONS,
		"nosniff");
	if (node_name[0])
		MHD_add_response_header(resp, API_NODE_HEADER, node_name);
}

int api_reply_header_lines(char *buf, size_t n)
{
	return snprintf(buf, n, "%s: nosniff\r\n%s%s%s",
		MHD_HTTP_HEADER_X_CONTENT_TYPE_OPTIONS,
		node_name[0] ? API_NODE_HEADER ": " : "", node_name,
		node_name[0] ? "\r\n" : "");
}
