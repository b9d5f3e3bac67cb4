/* console.h -- the web console that wasmhostd serves (GET / and
 * /console/<file>), and the API's guard against cross-origin requests.
 *
 * The console's files (console/ in the source tree) are compiled into the
 * daemon by console/embed.sh (console/assets.c in the build tree), so the
 * daemon needs no file path at run time.  The page holds no data: it is
 * served without a token, and it talks to the API with the token its user
 * types.
 */
#ifndef API_CONSOLE_H
#define API_CONSOLE_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *name;             /* base name: "index.html"; NULL ends */
	const unsigned char *data;
	size_t len;                   /* in bytes */
} api_console_file;

/* console/assets.c (generated). */
extern const api_console_file api_console_files[];

/* Answers the console's routes: "/" (index.html) and "/console/<name>".
 * true when url is one of them: the answer is queued and *ret is
 * libmicrohttpd's result.  GET and HEAD only (else 405); unknown files 404.
 * Every answer has a strict Content-Security-Policy (scripts, styles and
 * connections to this origin only, no inline script, no framing) and
 * X-Content-Type-Options: nosniff.  *status gets the HTTP status sent,
 * for the access line. */
bool api_console_serve(struct MHD_Connection *c, const char *url,
	const char *method, enum MHD_Result *ret, unsigned *status);

/* false for a request that a browser sends for a page of another origin:
 * an Origin header other than this daemon's own ("http://" or "https://"
 * and the Host header, default ports aside; "null" included), or
 * Sec-Fetch-Site other than same-origin or none.  Requests without these
 * headers (curl, the CLI) pass.  routes.c refuses state-changing requests
 * (POST, DELETE) that fail it with 403: CORS is not enabled, and in
 * single-user mode no token stands between a hostile page and the API. */
bool api_same_origin(struct MHD_Connection *c);

#endif
