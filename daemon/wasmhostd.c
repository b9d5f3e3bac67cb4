/* wasmhostd.c -- the daemon's main: flags, configuration, the store, the
 * sandbox supervisor, the HTTP server, signals and systemd.
 *
 * Start order matters: the supervisor forks its zygote before any thread
 * exists (sandbox.h), so the store is opened and the signals blocked first,
 * then the supervisor, then libmicrohttpd's threads.  Signals are taken
 * synchronously by the main thread (sigtimedwait); every other thread
 * inherits them blocked.
 *
 * SIGTERM/SIGINT: stop accepting, let requests in progress finish (at most
 * drain_timeout_ms), answer 503 to the rest, exit 0.  SIGHUP: reread the
 * configuration and take its tenants, limits, log level and metrics_public
 * (the listen address, state dir and worker settings need a restart).
 */
#include "api.h"
#include "config.h"
#include "log.h"
#include "notify.h"
#include "reply.h"
#include "sandbox.h"
#include "store.h"
#include "tenants.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: wasmhostd [OPTIONS]\n"
	"\n"
	"The wasmhost daemon: an HTTP/JSON API that stores WebAssembly modules\n"
	"and runs them in confined worker processes.\n"
	"\n"
	"options:\n"
	"  --config FILE        JSON configuration (keys below); flags override it\n"
	"  --listen HOST:PORT   address to serve (port 0 picks a free one, logged\n"
	"                       as \"listening\")\n"
	"  --state-dir DIR      the module store\n"
	"  --log-level LEVEL    error, warn, info or debug\n"
	"  --node-name NAME     this node's name (the key node_name)\n"
	"  --check-config       check the configuration and flags, then exit\n"
	"  --print-config       print the effective configuration (file, flags and\n"
	"                       defaults) as a configuration file, then exit\n"
	"  --print-defaults     print the defaults that do not depend on the\n"
	"                       machine as a configuration file (this is\n"
	"                       systemd/wasmhostd.json), then exit\n"
	"  --print-keys         print the keys below, one a line: KEY<TAB>DEFAULT\n"
	"                       <TAB>reload|restart<TAB>HELP\n"
	"  --help, --version\n"
	"\n"
	"configuration keys (\"workers\": {...}, \"limits\": {...}; limits also\n"
	"per tenant), with their defaults; SIGHUP applies those marked reload:\n";

static const char usage_tail[] =
	"  tenants.NAME.token_sha256, .metrics, .limits {...}: a tenant (its\n"
	"  token's digest: printf %s TOKEN | sha256sum).  Without tenants the\n"
	"  daemon serves loopback only and needs no token.\n"
	"\n"
	"signals: SIGTERM drains and exits 0; SIGHUP rereads the configuration\n"
	"and applies the tenants and the keys marked reload.\n";

enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2 };

/* Reachable at exit even when shutdown leaves them (see shutdown()). */
static wh_store *g_store;
static sb_supervisor *g_sup;
/* The sandbox's ceilings, from the largest limits at start (sandbox_start):
 * a reload may lower the limits under them, not raise the calls past
 * them. */
static uint32_t g_sb_max_pages;
static uint64_t g_sb_max_module_bytes, g_sb_max_output_bytes;

static void usage(FILE *to)
{
	fputs(usage_text, to);
	wh_config_keys_print(to, false);
	fputs(usage_tail, to);
}

static int flag_value(int argc, char **argv, int *i, const char *name,
	const char **out)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "wasmhostd: %s needs a value\n", name);
		return -1;
	}
	*out = argv[++*i];
	return 1;
}

static void sandbox_log(void *ctx, const char *line)
{
	char q[600];
	(void)ctx;
	/* A tenant can kill its workers at will: their deaths are rate
	 * limited, the rest (layers, the zygote's death) is not. */
	if (strncmp(line, "worker ", 7) == 0)
		wh_log_limited(WH_LOG_INFO, "worker died", "msg=%s source=sandbox",
			wh_log_quote(line, q, sizeof q));
	else
		wh_log(WH_LOG_INFO, "msg=%s source=sandbox",
			wh_log_quote(line, q, sizeof q));
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* Waits until no request is in progress or the time is up. */
static bool wait_idle(api_server *srv, uint64_t ms)
{
	uint64_t end_ns = sb_now_ns() + ms * 1000000u;
	while (api_server_active(srv)) {
		if (sb_now_ns() >= end_ns)
			return false;
		sleep_ms(10);
	}
	return true;
}

/* The largest of a limit over the global value and every tenant. */
#define LIMIT_MAX(c, field, out)                                           \
	do {                                                               \
		(out) = (c)->limits.field;                                 \
		for (uint32_t i_ = 0; i_ < (c)->ntenants; i_++)            \
			if ((c)->tenants[i_].limits.field > (out))         \
				(out) = (c)->tenants[i_].limits.field;     \
	} while (0)

static void addr_text(const struct sockaddr_storage *a, unsigned port,
	char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (a->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr,
			host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr,
			host, sizeof host);
		snprintf(buf, len, "%s:%u", host, port);
	}
}

/* Limits that a reload raised past the sandbox's ceilings (the largest at
 * start) are logged: calls stay under the ceiling until a restart. */
static void ceilings_warn(const wh_config *next)
{
	uint32_t pages;
	uint64_t module_bytes, output_bytes;
	char keys[128] = "";

	LIMIT_MAX(next, memory_pages, pages);
	LIMIT_MAX(next, upload_bytes, module_bytes);
	LIMIT_MAX(next, output_bytes, output_bytes);
	snprintf(keys, sizeof keys, "%s%s%s",
		pages > g_sb_max_pages ? ",limits.memory_pages" : "",
		module_bytes > g_sb_max_module_bytes ? ",limits.upload_bytes" : "",
		output_bytes > g_sb_max_output_bytes ? ",limits.output_bytes" :
		"");
	if (keys[0])
		wh_log(WH_LOG_WARN, "msg=\"raised past the ceiling the "
			"workers were started with (the largest value at start, "
			"global or a tenant's), which holds until a restart\" "
			"keys=%s", keys + 1);
}

/* bound: the address the daemon serves on (the --listen one, or systemd's
 * socket, which the configuration's listen string does not describe). */
static void reload(const wh_flags *flags, wh_config *cur, wh_tenants *ts,
	api_server *srv, const struct sockaddr_storage *bound)
{
	wh_config next;
	char err[512];

	wh_notify("RELOADING=1");
	if (!wh_config_load(flags, &next, err, sizeof err)) {
		wh_log(WH_LOG_ERROR, "msg=\"reload failed; the running "
			"configuration stays\" error=\"%s\"", err);
		wh_notify("READY=1\nSTATUS=reload failed");
		return;
	}
	/* Single-user mode is only for the loopback address we have. */
	free(next.listen);
	next.listen = strdup(cur->listen);
	bool ok = false;
	if (!next.listen)
		snprintf(err, sizeof err, "out of memory");
	else if (!next.ntenants && !wh_addr_is_loopback(bound))
		snprintf(err, sizeof err, "the daemon serves a non-loopback "
			"address, and the new configuration has no tenants");
	else
		ok = wh_config_check(&next, err, sizeof err);
	if (!ok) {
		wh_log(WH_LOG_ERROR, "msg=\"reload refused; the running "
			"configuration stays\" error=\"%s\"", err);
		wh_config_free(&next);
		wh_notify("READY=1\nSTATUS=reload refused");
		return;
	}
	char changed[512];
	wh_config_keep_restart_only(&next, cur, changed, sizeof changed);
	if (changed[0])
		wh_log(WH_LOG_WARN, "msg=\"these keys change only at a "
			"restart\" keys=%s", changed);
	ceilings_warn(&next);
	if (!wh_tenants_reload(ts, &next)) {
		wh_log(WH_LOG_ERROR, "msg=\"reload failed: out of memory\"");
		wh_config_free(&next);
		return;
	}
	api_server_set_metrics_public(srv, next.metrics_public);
	wh_log_set_level(next.log_level);
	wh_log_set_rate(next.log_rate_per_s);
	wh_log(WH_LOG_INFO, "msg=reloaded tenants=%u mode=%s", next.ntenants,
		next.ntenants ? "tenants" : "single-user");
	wh_config_free(cur);
	*cur = next;
	wh_notify("READY=1\nSTATUS=serving");
}

/* Drains and stops everything.  Returns after the HTTP server is gone. */
static void shutdown_all(const wh_config *c, api_server *srv)
{
	wh_notify("STOPPING=1");
	wh_log(WH_LOG_INFO, "msg=\"draining\" in_progress=%u timeout_ms=%llu",
		api_server_active(srv), (unsigned long long)c->drain_timeout_ms);
	api_server_quiesce(srv);
	bool idle = wait_idle(srv, c->drain_timeout_ms);
	api_server_fail_queued(srv);
	if (!idle)
		idle = wait_idle(srv, 1000);
	if (!idle) {
		/* Invocations still running: the supervisor fails them (503),
		 * and the requests finish without touching it again. */
		wh_log(WH_LOG_WARN, "msg=\"drain timed out; failing the "
			"invocations still running\" in_progress=%u",
			api_server_active(srv));
		api_server_supervisor_gone(srv);
		sb_supervisor_free(g_sup);
		g_sup = NULL;
		wait_idle(srv, 2000);
	}
	api_server_stop(srv);
}

/* What to do once the configuration is read. */
enum run_mode { MODE_SERVE, MODE_CHECK, MODE_PRINT };

/* Flags into *flags and *mode.  Returns -1 to go on, or the exit code
 * (--help, --version, --print-defaults, --print-keys, a usage error:
 * message printed). */
static int flags_parse(int argc, char **argv, wh_flags *flags,
	enum run_mode *mode)
{
	for (int i = 1; i < argc; i++) {
		const char *v;
		int r;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("wasmhostd %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--check-config") == 0) {
			*mode = MODE_CHECK;
			continue;
		}
		if (strcmp(argv[i], "--print-config") == 0) {
			*mode = MODE_PRINT;
			continue;
		}
		if (strcmp(argv[i], "--print-defaults") == 0) {
			wh_config d;
			wh_config_default(&d);
			wh_config_print(stdout, &d, true);
			wh_config_free(&d);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--print-keys") == 0) {
			wh_config_keys_print(stdout, true);
			return EXIT_OK;
		}
		if ((r = flag_value(argc, argv, &i, "--config", &v)) != 0)
			flags->config_path = v;
		else if ((r = flag_value(argc, argv, &i, "--listen", &v)) != 0)
			flags->listen = v;
		else if ((r = flag_value(argc, argv, &i, "--state-dir", &v)) != 0)
			flags->state_dir = v;
		else if ((r = flag_value(argc, argv, &i, "--log-level", &v)) != 0)
			flags->log_level = v;
		else if ((r = flag_value(argc, argv, &i, "--node-name", &v)) != 0)
			flags->node_name = v;
		else {
			fprintf(stderr, "wasmhostd: unknown option '%s'\n"
				"Try 'wasmhostd --help'.\n", argv[i]);
			return EXIT_USAGE;
		}
		if (r < 0)
			return EXIT_USAGE;
	}
	return -1;
}

/* --check-config: what the configuration amounts to, on stdout. */
static void config_summary_print(const wh_config *cfg)
{
	printf("wasmhostd: configuration ok: listen %s, state dir %s, "
		"%u tenant%s%s\n", cfg->listen, cfg->state_dir,
		cfg->ntenants, cfg->ntenants == 1 ? "" : "s",
		cfg->ntenants ? "" : " (single-user mode, loopback only)");
}

/* A listening socket on addr, bound here rather than by libmicrohttpd so
 * that a failure names the address and the reason ("Address already in
 * use"); -1 after logging that. */
static int listen_open(const struct sockaddr_storage *addr, socklen_t len)
{
	char where[80];
	int one = 1;
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof one) != 0 || (addr->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
	    bind(fd, (const struct sockaddr *)addr, len) != 0 ||
	    listen(fd, 1024) != 0)) {
		int saved = errno;
		close(fd);
		fd = -1;
		errno = saved;
	}
	if (fd < 0) {
		addr_text(addr, wh_addr_port(addr), where, sizeof where);
		wh_log(WH_LOG_ERROR, "msg=\"cannot listen on %s: %s\" "
			"addr=%s", where, strerror(errno), where);
	}
	return fd;
}

/* The listening address into ac: systemd's socket (checked: TCP, and on
 * loopback in single-user mode) or cfg->listen.  false: logged. */
static bool listen_choose(const wh_config *cfg, api_config *ac)
{
	char err[1024];

	ac->listen_fd = wh_listen_fd_from_systemd();
	if (ac->listen_fd < 0) {
		if (!wh_listen_parse(cfg->listen, &ac->addr, &ac->addrlen, err,
			sizeof err)) {
			wh_log(WH_LOG_ERROR, "msg=\"%s\"", err);
			return false;
		}
		ac->listen_fd = listen_open(&ac->addr, ac->addrlen);
		return ac->listen_fd >= 0;
	}
	socklen_t alen = sizeof ac->addr;
	if (getsockname(ac->listen_fd, (struct sockaddr *)&ac->addr,
		&alen) != 0 || (ac->addr.ss_family != AF_INET &&
		ac->addr.ss_family != AF_INET6)) {
		wh_log(WH_LOG_ERROR, "msg=\"the socket from systemd is "
			"not a TCP socket\"");
		return false;
	}
	if (!cfg->ntenants && !wh_addr_is_loopback(&ac->addr)) {
		wh_log(WH_LOG_ERROR, "msg=\"the socket from systemd is "
			"not on a loopback address, and no tenants are "
			"configured (single-user mode serves loopback "
			"only)\"");
		return false;
	}
	return true;
}

/* The node's name (node_name, else host name ':' port) into the replies
 * and the log.  Before any thread: both keep it in a plain global. */
static void node_name_set(const wh_config *cfg, const api_config *ac)
{
	char name[WH_NODE_NAME_MAX + 1], host[256] = "";
	struct sockaddr_storage a = ac->addr;
	socklen_t alen = sizeof a;

	if (cfg->node_name) {
		snprintf(name, sizeof name, "%s", cfg->node_name);
	} else {
		unsigned port = 0;
		if (getsockname(ac->listen_fd, (struct sockaddr *)&a, &alen) == 0)
			port = wh_addr_port(&a);
		if (gethostname(host, sizeof host) != 0 || !host[0])
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		/* The port stays whole; a long host name is cut. */
		char ps[8];
		int pl = snprintf(ps, sizeof ps, ":%u", port);
		snprintf(name, sizeof name, "%.*s%s",
			(int)(WH_NODE_NAME_MAX - pl), host, ps);
		for (char *p = name; *p; p++)
			if (!wh_node_char_ok(*p))
				*p = '-';
	}
	api_reply_set_node(name);
	wh_log_set_node(name);
}

/* Blocks the signals main takes with sigtimedwait (into *sigs) and ignores
 * SIGPIPE.  Before any thread: every thread inherits the mask. */
static void signals_block(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Runs in the zygote, a copy of this process's memory that every worker
 * copies in turn: the tenants' token digests (and names) go.  The module
 * store is opened only after the zygote, so it has nothing of it. */
static void zygote_scrub(void *ctx)
{
	wh_config *cfg = ctx;

	if (cfg->tenants)
		explicit_bzero(cfg->tenants,
			cfg->ntenants * sizeof cfg->tenants[0]);
}

/* The supervisor (and its zygote) into g_sup.  false: logged. */
static bool sandbox_start(wh_config *cfg)
{
	sb_config sc = {
		.max_workers = cfg->max_workers,
		.warm_per_module = cfg->warm_per_module,
		.spare_workers = cfg->spare_workers,
		.worker_nice = (int)cfg->worker_nice,
		.max_per_module = cfg->max_per_module,
		/* Tenants' queues do the admission; the sandbox's per-module
		 * queue only holds what they admitted. */
		.queue_max = 1u << 20,
		.max_memory_bytes = cfg->max_worker_memory_bytes,
		.fuel = cfg->fuel_metering,
		.tier = cfg->tier,
		.tier_threshold = cfg->tier_threshold,
		.opt_threshold = cfg->opt_threshold,
		.no_avx = !cfg->avx,
		.no_namespaces = !cfg->namespaces,
		.no_snapshots = !cfg->snapshots,
		.max_instances = cfg->max_instances,
		.log = sandbox_log,
		.zygote_scrub = zygote_scrub,
		.zygote_scrub_ctx = cfg,
	};
	LIMIT_MAX(cfg, memory_pages, sc.max_memory_pages);
	LIMIT_MAX(cfg, upload_bytes, sc.max_module_bytes);
	LIMIT_MAX(cfg, output_bytes, sc.max_output_bytes);
	g_sb_max_pages = sc.max_memory_pages;
	g_sb_max_module_bytes = sc.max_module_bytes;
	g_sb_max_output_bytes = sc.max_output_bytes;
	wasm_error werr;
	if (sb_supervisor_new(&sc, &g_sup, &werr) != WASM_OK) {
		wh_log(WH_LOG_ERROR, "msg=\"cannot start the sandbox\" "
			"error=\"%s\"", werr.message);
		return false;
	}
	return true;
}

/* The "listening" log line and systemd's READY=1. */
static void ready_announce(const wh_config *cfg, const api_config *ac,
	api_server *srv)
{
	char where[80], status[160];

	addr_text(&ac->addr, api_server_port(srv), where, sizeof where);
	wh_log(WH_LOG_INFO, "msg=listening addr=%s mode=%s tenants=%u "
		"modules=%zu state_dir=%s tier=%s sandbox=\"%s\"", where,
		cfg->ntenants ? "tenants" : "single-user", cfg->ntenants,
		wh_store_total(g_store), cfg->state_dir,
		wasm_tier_name(cfg->tier), sb_supervisor_layers(g_sup));
	snprintf(status, sizeof status, "READY=1\nSTATUS=serving on %s\n"
		"MAINPID=%ld", where, (long)getpid());
	wh_notify(status);
}

/* Takes signals until SIGTERM or SIGINT (true) or the zygote's death
 * (false); SIGHUP reloads.  Meanwhile flushes the log and ticks the
 * server every 100 ms. */
static bool serve(const sigset_t *sigs, const wh_flags *flags,
	wh_config *cfg, wh_tenants *tenants, api_server *srv,
	const struct sockaddr_storage *addr)
{
	for (;;) {
		siginfo_t si;
		/* Access lines are written out at least every 100 ms. */
		static const struct timespec tick = { 0, 100 * 1000000L };
		int sig = sigtimedwait(sigs, &si, &tick);
		if (sig < 0) {
			if (errno == EAGAIN) {
				wh_log_flush();
				api_server_tick(srv);
				sb_stats st;
				sb_supervisor_stats(g_sup, &st);
				if (st.zygote_alive)
					continue;
				/* A zygote is forked before any thread exists:
				 * only a new process gets a new one.  Drain and
				 * fail, so that systemd (Restart=on-failure)
				 * starts one. */
				wh_log(WH_LOG_ERROR, "msg=\"the sandbox's zygote "
					"died; no worker can start: stopping\"");
				return false;
			}
			if (errno == EINTR)
				continue;
			return true;
		}
		if (sig == SIGHUP) {
			reload(flags, cfg, tenants, srv, addr);
			continue;
		}
		wh_log(WH_LOG_INFO, "msg=\"stopping\" signal=%s",
			sig == SIGTERM ? "SIGTERM" : "SIGINT");
		return true;
	}
}

/* free(3) that zeroes the block first (jansson's, while the
 * configuration is read). */
static void free_zeroed(void *p)
{
	if (p)
		explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

int main(int argc, char **argv)
{
	wh_flags flags = { 0 };
	enum run_mode mode = MODE_SERVE;
	wh_config cfg;
	char err[1024];
	int rc = EXIT_ERROR;
	wh_tenants *tenants = NULL;
	api_server *srv = NULL;
	bool store_attached = false;
	sigset_t sigs;

	if ((rc = flags_parse(argc, argv, &flags, &mode)) >= 0)
		return rc;
	rc = EXIT_ERROR;
	/* The zygote forked below copies this process's memory: what jansson
	 * frees while the configuration (token digests) is read is zeroed
	 * first.  Single-threaded here, so the allocator may be switched. */
	json_set_alloc_funcs(malloc, free_zeroed);
	bool loaded = wh_config_load(&flags, &cfg, err, sizeof err);
	json_set_alloc_funcs(malloc, free);
	if (!loaded) {
		fprintf(stderr, "wasmhostd: %s\n", err);
		return EXIT_USAGE;
	}
	if (mode != MODE_SERVE) {
		if (mode == MODE_CHECK)
			config_summary_print(&cfg);
		else
			wh_config_print(stdout, &cfg, false);
		wh_config_free(&cfg);
		return EXIT_OK;
	}
	wh_log_set_level(cfg.log_level);
	wh_log_set_rate(cfg.log_rate_per_s);

	api_config ac = {
		.fuel_metering = cfg.fuel_metering,
		.tier_name = wasm_tier_name(cfg.tier),
		.metrics_public = cfg.metrics_public,
		.threads = cfg.threads,
		.epoll = cfg.http_epoll,
		.sync_wait_us = cfg.sync_wait_us,
		.max_connections = cfg.max_connections,
		.max_connections_per_ip = cfg.max_connections_per_ip,
		.connection_timeout_s = cfg.connection_timeout_s,
		.header_timeout_ms = cfg.header_timeout_ms,
		.max_header_bytes = cfg.max_header_bytes,
		.body_timeout_ms = cfg.body_timeout_ms,
		.body_min_rate_bytes_s = cfg.body_min_rate_bytes_s,
		.max_body_memory_bytes = cfg.max_body_memory_bytes,
	};
	if (!listen_choose(&cfg, &ac))
		goto out;
	node_name_set(&cfg, &ac);
	signals_block(&sigs);
	if (!sandbox_start(&cfg))
		goto out;
	if (wh_store_open(cfg.state_dir, cfg.store_abandoned_s, &g_store, err,
		sizeof err) !=
	    WH_STORE_OK) {
		wh_log(WH_LOG_ERROR, "msg=\"cannot open the store\" error=\"%s\"",
			err);
		goto out;
	}
	wh_store_attach(g_store, g_sup);
	store_attached = true;
	tenants = wh_tenants_new(&cfg);
	if (!tenants) {
		wh_log(WH_LOG_ERROR, "msg=\"out of memory\"");
		goto out;
	}
	ac.store = g_store;
	ac.sup = g_sup;
	ac.tenants = tenants;
	if (!api_server_start(&ac, &srv, err, sizeof err)) {
		wh_log(WH_LOG_ERROR, "msg=\"%s\" listen=%s", err, cfg.listen);
		goto out;
	}
	ready_announce(&cfg, &ac, srv);
	bool stopped = serve(&sigs, &flags, &cfg, tenants, srv, &ac.addr);
	shutdown_all(&cfg, srv);
	srv = NULL;
	wh_log(WH_LOG_INFO, "msg=stopped");
	rc = stopped ? EXIT_OK : EXIT_ERROR;
out:
	api_server_stop(srv);
	if (g_sup || !store_attached) {
		wh_store_close(g_store);   /* releases the pools first */
		g_store = NULL;
		sb_supervisor_free(g_sup);
		g_sup = NULL;
	}
	/* else the supervisor was freed under in-flight invocations: their
	 * pools are gone with it, and g_store (reachable) is left to exit. */
	wh_tenants_free(tenants);
	wh_config_free(&cfg);
	return rc;
}
