/* front.c -- the front door (see front.h): accept, peek at the first
 * request head, refuse or hand over.
 *
 * One thread, one epoll set: the listening socket (level-triggered), an
 * eventfd for quiesce and stop, and the connections held here
 * (edge-triggered: the head is peeked, never read, so a level-triggered
 * socket would stay readable; each arrival of more bytes is an edge).
 * Held connections wait in two FIFOs, each in deadline order since every
 * member has the same span: `heads` (header_timeout_ms from accept) and
 * `lingering` (an answered refusal whose client still sends: read and
 * dropped until it closes or header_timeout_ms pass, so that closing
 * with unread bytes does not reset the connection before the client
 * reads the answer).
 */
#include "front.h"
#include "reply.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* Per-address counts: chained buckets keyed by the address (IPv4 as
 * IPv4-mapped IPv6). */
#define IP_BUCKETS 1024u

struct ip_count {
	struct ip_count *next;
	uint8_t addr[16];
	unsigned n;
};

struct fconn {
	struct fconn *prev, *next;  /* in heads or lingering */
	int fd;
	bool lingering;
	bool seen;                  /* some bytes came */
	uint64_t start_ns, deadline_ns;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	http_head head;             /* what http_head_read has read of it */
};

struct fifo {
	struct fconn *first, *last;
};

struct api_front {
	api_front_config cfg;
	int epfd, evfd;
	pthread_t thread;
	bool quiesce, stop;         /* atomic; then evfd is written */
	pthread_mutex_t lock;       /* counts */
	size_t total;               /* under lock: held here + libmicrohttpd's */
	struct ip_count *ips[IP_BUCKETS];   /* under lock */
	struct fifo heads, lingering;       /* the thread's own */
	uint64_t accept_pause_ns;   /* out of descriptors: accept again then */
	char *buf;                  /* max_header_bytes: the peeked head */
};

/* epoll_event.data.ptr of the two descriptors that are not connections. */
static char tag_listen, tag_event;

/* Out of descriptors (or memory), accepting pauses this long. */
#define ACCEPT_PAUSE_NS (UINT64_C(100) * 1000000u)

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- counts ----------------------------------------------------------------- */

static bool addr_key(const struct sockaddr *a, uint8_t key[16])
{
	memset(key, 0, 16);
	if (a->sa_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)a)->sin_addr, 4);
		return true;
	}
	if (a->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)a)->sin6_addr, 16);
		return true;
	}
	return false;
}

static unsigned addr_hash(const uint8_t key[16])
{
	uint32_t h = 2166136261u;   /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % IP_BUCKETS;
}

/* Under f->lock: where the address's entry is, or would be linked. */
static struct ip_count **ip_find(api_front *f, const uint8_t key[16])
{
	struct ip_count **p = &f->ips[addr_hash(key)];
	while (*p && memcmp((*p)->addr, key, 16) != 0)
		p = &(*p)->next;
	return p;
}

/* A new connection within the caps is counted; false: over a cap. */
static bool count_admit(api_front *f, const struct sockaddr *a,
	const char **why)
{
	int drop = -1;
	uint8_t key[16];
	bool ok = false;

	if (!addr_key(a, key)) {
		*why = "not an IP address";
		return false;
	}
	pthread_mutex_lock(&f->lock);
	struct ip_count **p = ip_find(f, key);
	if (f->total >= f->cfg.max_connections) {
		*why = "max_connections";
		drop = WH_DROP_CAP;
	} else if (*p && (*p)->n >= f->cfg.max_connections_per_ip) {
		*why = "max_connections_per_ip";
		drop = WH_DROP_CAP_IP;
	} else if (!*p && !(*p = calloc(1, sizeof **p))) {
		*why = "out of memory";
	} else {
		memcpy((*p)->addr, key, 16);
		(*p)->n++;
		f->total++;
		ok = true;
	}
	pthread_mutex_unlock(&f->lock);
	if (drop >= 0)
		wh_metrics_dropped(f->cfg.metrics, (wh_drop)drop);
	return ok;
}

void api_front_count(api_front *f, const struct sockaddr *a, int delta)
{
	uint8_t key[16];

	if (!f || !a || !addr_key(a, key))
		return;
	pthread_mutex_lock(&f->lock);
	struct ip_count **p = ip_find(f, key);
	if (delta > 0) {
		if (!*p && (*p = calloc(1, sizeof **p)))
			memcpy((*p)->addr, key, 16);
		if (*p)
			(*p)->n++;
		f->total++;
	} else if (*p) {
		if (--(*p)->n == 0) {
			struct ip_count *dead = *p;
			*p = dead->next;
			free(dead);
		}
		f->total--;
	}
	pthread_mutex_unlock(&f->lock);
}

size_t api_front_connections(api_front *f)
{
	pthread_mutex_lock(&f->lock);
	size_t n = f->total;
	pthread_mutex_unlock(&f->lock);
	return n;
}

/* ---- held connections ------------------------------------------------------- */

static void fifo_push(struct fifo *q, struct fconn *c)
{
	c->next = NULL;
	c->prev = q->last;
	if (q->last)
		q->last->next = c;
	else
		q->first = c;
	q->last = c;
}

static void fifo_remove(struct fifo *q, struct fconn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		q->first = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		q->last = c->prev;
	c->prev = c->next = NULL;
}

static struct fifo *fifo_of(api_front *f, struct fconn *c)
{
	return c->lingering ? &f->lingering : &f->heads;
}

/* Closes a held connection and forgets it. */
static void conn_close(api_front *f, struct fconn *c)
{
	fifo_remove(fifo_of(f, c), c);
	epoll_ctl(f->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	api_front_count(f, (struct sockaddr *)&c->addr, -1);
	free(c);
}

/* The answer to a refusal: the API's error document, then the connection
 * is closed (Connection: close). */
static void answer_send(int fd, api_error e, const char *message, bool head)
{
	char buf[1024], date[64], common[160];
	size_t blen = 0;
	char *body = api_error_body(e, message, NULL, SIZE_MAX, &blen);
	unsigned status = api_error_status(e);
	time_t t = time(NULL);
	struct tm tm;

	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT",
		gmtime_r(&t, &tm));
	api_reply_header_lines(common, sizeof common);
	int n = snprintf(buf, sizeof buf, "HTTP/1.1 %u %s\r\n"
		"Date: %s\r\n"
		"Content-Type: application/json\r\n"
		"Content-Length: %zu\r\n"
		"Cache-Control: no-store\r\n"
		"%s%s"
		"Connection: close\r\n\r\n%.*s", status,
		api_status_reason(status), date, body ? blen : 0, common,
		e == API_E_UNAUTHORIZED ? "WWW-Authenticate: Bearer "
		"realm=\"wasmhostd\"\r\n" : "",
		head || !body ? 0 : (int)blen, body ? body : "");
	free(body);
	if (n > 0 && (size_t)n < sizeof buf)
		(void)!send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Reads and drops what the socket holds now; false at its end or an
 * error. */
static bool drain(api_front *f, int fd)
{
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(fd, f->buf, f->cfg.max_header_bytes,
			MSG_DONTWAIT);
		if (n > 0)
			continue;
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
			errno == EINTR);
	}
	return true;
}

/* Answers a refused head, then, with linger, lingers: the rest the client
 * sends is read and dropped until it closes.  Without linger, or with the
 * client gone already, the connection is closed (c is freed). */
static void refuse(api_front *f, struct fconn *c, const http_head *h,
	api_error e, const char *message, bool linger)
{
	uint64_t now = now_ns();
	bool head = h->head;

	/* h points into f->buf: logged before drain() reads over it. */
	f->cfg.refused(f->cfg.ctx, h, api_error_status(e), api_error_code(e),
		(now - c->start_ns) / 1000);
	bool open = drain(f, c->fd);
	answer_send(c->fd, e, message, head);
	if (!linger || !open) {
		conn_close(f, c);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	fifo_remove(&f->heads, c);
	c->lingering = true;
	c->deadline_ns = now + f->cfg.header_timeout_ms * 1000000u;
	fifo_push(&f->lingering, c);
}

static void hand_over(api_front *f, struct fconn *c)
{
	fifo_remove(&f->heads, c);
	epoll_ctl(f->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	/* From here libmicrohttpd counts it (its start notification). */
	api_front_count(f, (struct sockaddr *)&c->addr, -1);
	f->cfg.hand(f->cfg.ctx, c->fd, (struct sockaddr *)&c->addr,
		c->addrlen);
	free(c);
}

static void on_readable(api_front *f, struct fconn *c, uint32_t events)
{
	http_head *h = &c->head;

	if (c->lingering) {
		if (!drain(f, c->fd))
			conn_close(f, c);
		return;
	}
	ssize_t n = recv(c->fd, f->buf, f->cfg.max_header_bytes,
		MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {   /* gone before a whole head */
		conn_close(f, c);
		return;
	}
	c->seen = true;
	switch (http_head_read(f->buf, (size_t)n, f->cfg.max_header_bytes,
		h)) {
	case HTTP_HEAD_OK:
		hand_over(f, c);
		return;
	case HTTP_HEAD_REFUSED:
		refuse(f, c, h, h->why.error, h->why.message, true);
		return;
	case HTTP_HEAD_NOT_HTTP:
		wh_log_limited(WH_LOG_WARN, "front: not HTTP", "msg=\"not "
			"HTTP: connection dropped\" first_byte=0x%02x",
			(unsigned char)f->buf[0]);
		wh_metrics_dropped(f->cfg.metrics, WH_DROP_NOT_HTTP);
		drain(f, c->fd);
		conn_close(f, c);
		return;
	case HTTP_HEAD_MORE:
		/* The client closed its side: the head will never end. */
		if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			conn_close(f, c);
		return;
	}
}

static void on_accept(api_front *f)
{
	/* A bounded batch: the held connections are served between. */
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		const char *why = NULL;
		int fd = accept4(f->cfg.listen_fd, (struct sockaddr *)&ss, &sl,
			SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* The listening socket stays readable:
				 * out of the set for a while, not a
				 * spin. */
				wh_log_limited(WH_LOG_WARN, "front: accept",
					"msg=\"cannot accept: %s\"",
					strerror(errno));
				epoll_ctl(f->epfd, EPOLL_CTL_DEL,
					f->cfg.listen_fd, NULL);
				f->accept_pause_ns = now_ns() +
					ACCEPT_PAUSE_NS;
			}
			return;
		}
		if (!count_admit(f, (struct sockaddr *)&ss, &why)) {
			wh_log_limited(WH_LOG_WARN, "front: over a cap",
				"msg=\"connection refused: over %s\"", why);
			close(fd);
			continue;
		}
		struct fconn *c = calloc(1, sizeof *c);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP |
			EPOLLET };
		if (c) {
			ev.data.ptr = c;
			c->fd = fd;
			memcpy(&c->addr, &ss, sl);
			c->addrlen = sl;
			c->start_ns = now_ns();
			c->deadline_ns = c->start_ns +
				f->cfg.header_timeout_ms * 1000000u;
		}
		if (!c || epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			free(c);
			close(fd);
			api_front_count(f, (struct sockaddr *)&ss, -1);
			continue;
		}
		fifo_push(&f->heads, c);
	}
}

/* Connections past their deadline; returns the next deadline. */
static uint64_t expire(api_front *f, uint64_t now)
{
	unsigned late = 0;

	while (f->heads.first && f->heads.first->deadline_ns <= now) {
		struct fconn *c = f->heads.first;
		if (c->seen) {
			/* Part of a head: 408, as nginx answers it (its
			 * request line, if whole, for the access line). */
			ssize_t n = recv(c->fd, f->buf, f->cfg.max_header_bytes,
				MSG_PEEK | MSG_DONTWAIT);
			if (n > 0)
				(void)http_head_read(f->buf, (size_t)n,
					f->cfg.max_header_bytes, &c->head);
			late++;
			refuse(f, c, &c->head, API_E_TIMEOUT, NULL, false);
		} else {
			conn_close(f, c);   /* not a byte: nothing to answer */
		}
	}
	while (f->lingering.first && f->lingering.first->deadline_ns <= now)
		conn_close(f, f->lingering.first);
	if (late)
		wh_log_limited(WH_LOG_WARN, "front: header deadline",
			"msg=\"connections cut: their request passed its "
			"deadline\" headers=%u", late);
	if (f->accept_pause_ns && f->accept_pause_ns <= now &&
	    f->cfg.listen_fd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN,
			.data.ptr = &tag_listen };
		f->accept_pause_ns = 0;
		epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->cfg.listen_fd, &ev);
	}
	uint64_t next = UINT64_MAX;
	if (f->heads.first)
		next = f->heads.first->deadline_ns;
	if (f->accept_pause_ns && f->accept_pause_ns < next)
		next = f->accept_pause_ns;
	if (f->lingering.first && f->lingering.first->deadline_ns < next)
		next = f->lingering.first->deadline_ns;
	return next;
}

static void listen_close(api_front *f)
{
	if (f->cfg.listen_fd < 0)
		return;
	epoll_ctl(f->epfd, EPOLL_CTL_DEL, f->cfg.listen_fd, NULL);
	close(f->cfg.listen_fd);
	f->cfg.listen_fd = -1;
}

static void *front_main(void *arg)
{
	api_front *f = arg;
	struct epoll_event evs[64];

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = now_ns(), next = expire(f, now);
		int timeout_ms = -1;
		if (next != UINT64_MAX)
			timeout_ms = (int)((next - now) / 1000000u + 1);
		int n = epoll_wait(f->epfd, evs, 64, timeout_ms);
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &tag_event) {
				uint64_t v;
				(void)!read(f->evfd, &v, sizeof v);
				if (__atomic_load_n(&f->quiesce,
				    __ATOMIC_ACQUIRE))
					listen_close(f);
			} else if (p == &tag_listen) {
				if (f->cfg.listen_fd >= 0)
					on_accept(f);
			} else {
				on_readable(f, p, evs[i].events);
			}
		}
	}
	return NULL;
}

static void wake(api_front *f)
{
	uint64_t one = 1;
	(void)!write(f->evfd, &one, sizeof one);
}

api_front *api_front_start(const api_front_config *cfg, char *err,
	size_t errlen)
{
	api_front *f = calloc(1, sizeof *f);
	struct epoll_event ev = { .events = EPOLLIN };

	if (!f || !(f->buf = malloc(cfg->max_header_bytes))) {
		free(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	f->cfg = *cfg;
	pthread_mutex_init(&f->lock, NULL);
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	f->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* Accepted in batches until EAGAIN. */
	int fl = fcntl(cfg->listen_fd, F_GETFL);
	bool ok = f->epfd >= 0 && f->evfd >= 0 && fl >= 0 &&
		fcntl(cfg->listen_fd, F_SETFL, fl | O_NONBLOCK) == 0;
	ev.data.ptr = &tag_event;
	ok = ok && epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->evfd, &ev) == 0;
	ev.data.ptr = &tag_listen;
	ok = ok && epoll_ctl(f->epfd, EPOLL_CTL_ADD, cfg->listen_fd, &ev) == 0;
	ok = ok && pthread_create(&f->thread, NULL, front_main, f) == 0;
	if (!ok) {
		snprintf(err, errlen, "cannot start the front door: %s",
			strerror(errno));
		if (f->epfd >= 0)
			close(f->epfd);
		if (f->evfd >= 0)
			close(f->evfd);
		pthread_mutex_destroy(&f->lock);
		free(f->buf);
		free(f);
		return NULL;
	}
	return f;
}

void api_front_quiesce(api_front *f)
{
	__atomic_store_n(&f->quiesce, true, __ATOMIC_RELEASE);
	wake(f);
}

void api_front_stop(api_front *f)
{
	if (!f)
		return;
	__atomic_store_n(&f->stop, true, __ATOMIC_RELEASE);
	wake(f);
	pthread_join(f->thread, NULL);
	listen_close(f);
	while (f->heads.first)
		conn_close(f, f->heads.first);
	while (f->lingering.first)
		conn_close(f, f->lingering.first);
}

void api_front_free(api_front *f)
{
	if (!f)
		return;
	for (unsigned i = 0; i < IP_BUCKETS; i++)
		while (f->ips[i]) {
			struct ip_count *dead = f->ips[i];
			f->ips[i] = dead->next;
			free(dead);
		}
	close(f->epfd);
	close(f->evfd);
	pthread_mutex_destroy(&f->lock);
	free(f->buf);
	free(f);
}
