/* json.c -- branchy text processing: generates a JSON document (nested
 * objects and arrays, strings with escapes, integers and decimals), parses
 * it into a tree with a recursive-descent parser, walks the tree, prints
 * it back compactly, and parses that again to check the round trip.
 * Numbers are kept as decimal mantissa and exponent, so no floating-point
 * conversion is involved.  One checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growable text buffer ------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t more)
{
	if (b->len + more <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	b->p = realloc(b->p, cap);
	if (!b->p)
		exit(2);
	b->cap = cap;
}

static void buf_putc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->p[b->len++] = c;
}

static void buf_puts(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void buf_putint(struct buf *b, int64_t v)
{
	char tmp[24];
	int n = 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		buf_putc(b, '-');
	while (n)
		buf_putc(b, tmp[--n]);
}

/* ---- generator -------------------------------------------------------- */

static uint32_t seed = 2024;

static uint32_t rnd(uint32_t n)
{
	seed = seed * 1103515245 + 12345;
	return (seed >> 8) % n;
}

static const char *words[] = {
	"alpha", "beta", "gamma", "delta", "tab\there", "quote\"d", "back\\slash",
	"line\nbreak", "unicode \xc3\xa9t\xc3\xa9", "id", "name", "value", "items",
	"enabled", "count", "x", "y", "z", "\x01" "ctl",
};
#define NWORDS (sizeof words / sizeof words[0])

static void gen_string(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		switch (*s) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\t': buf_puts(b, "\\t"); break;
		default:
			if ((unsigned char)*s < 0x20) {
				buf_puts(b, "\\u00");
				buf_putc(b, "0123456789abcdef"[*s >> 4]);
				buf_putc(b, "0123456789abcdef"[*s & 15]);
			} else {
				buf_putc(b, *s);
			}
		}
	}
	buf_putc(b, '"');
}

static void gen_value(struct buf *b, int depth)
{
	uint32_t k = rnd(depth > 5 ? 6 : 9);
	switch (k) {
	case 0: buf_puts(b, "null"); break;
	case 1: buf_puts(b, rnd(2) ? "true" : "false"); break;
	case 2: buf_putint(b, (int64_t)rnd(2000000) - 1000000); break;
	case 3:
		buf_putint(b, (int64_t)rnd(20000) - 10000);
		buf_putc(b, '.');
		buf_putint(b, rnd(1000));
		if (rnd(3) == 0) {
			buf_puts(b, rnd(2) ? "e+" : "E-");
			buf_putint(b, rnd(20));
		}
		break;
	case 4:
	case 5: gen_string(b, words[rnd(NWORDS)]); break;
	case 6:
	case 7: {
		uint32_t n = rnd(8);
		buf_putc(b, '{');
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				buf_putc(b, ',');
			buf_puts(b, rnd(4) ? " " : "\n  ");
			gen_string(b, words[rnd(NWORDS)]);
			buf_puts(b, rnd(2) ? ": " : ":");
			gen_value(b, depth + 1);
		}
		buf_putc(b, '}');
		break;
	}
	default: {
		uint32_t n = rnd(10);
		buf_putc(b, '[');
		for (uint32_t i = 0; i < n; i++) {
			if (i)
				buf_puts(b, ", ");
			gen_value(b, depth + 1);
		}
		buf_putc(b, ']');
	}
	}
}

/* ---- tree and parser -------------------------------------------------- */

enum kind { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum kind kind;
	union {
		int b;
		struct { int64_t mant; int32_t exp; } num;
		struct { char *s; size_t len; } str;
		struct { struct jv **items; char **keys; size_t n, cap; } arr;
	} u;
};

struct parser {
	const char *p, *end;
	const char *error;
	size_t nodes;
};

static struct jv *jv_new(struct parser *ps, enum kind k)
{
	struct jv *v = calloc(1, sizeof *v);
	if (!v)
		exit(2);
	v->kind = k;
	ps->nodes++;
	return v;
}

static void jv_free(struct jv *v)
{
	if (!v)
		return;
	if (v->kind == J_STR)
		free(v->u.str.s);
	if (v->kind == J_ARR || v->kind == J_OBJ) {
		for (size_t i = 0; i < v->u.arr.n; i++) {
			jv_free(v->u.arr.items[i]);
			if (v->u.arr.keys)
				free(v->u.arr.keys[i]);
		}
		free(v->u.arr.items);
		free(v->u.arr.keys);
	}
	free(v);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses a string literal at ps->p into a new heap string. */
static char *parse_string(struct parser *ps, size_t *len_out)
{
	struct buf b = { 0 };
	ps->p++; /* opening quote */
	while (ps->p < ps->end && *ps->p != '"') {
		char c = *ps->p++;
		if ((unsigned char)c < 0x20) {
			ps->error = "control character in string";
			free(b.p);
			return NULL;
		}
		if (c != '\\') {
			buf_putc(&b, c);
			continue;
		}
		if (ps->p >= ps->end)
			break;
		c = *ps->p++;
		switch (c) {
		case '"': case '\\': case '/': buf_putc(&b, c); break;
		case 'n': buf_putc(&b, '\n'); break;
		case 't': buf_putc(&b, '\t'); break;
		case 'r': buf_putc(&b, '\r'); break;
		case 'b': buf_putc(&b, '\b'); break;
		case 'f': buf_putc(&b, '\f'); break;
		case 'u': {
			unsigned cp = 0;
			for (int i = 0; i < 4; i++) {
				int h = ps->p < ps->end ? hexval(*ps->p++) : -1;
				if (h < 0) {
					ps->error = "bad \\u escape";
					free(b.p);
					return NULL;
				}
				cp = cp * 16 + (unsigned)h;
			}
			if (cp < 0x80) {
				buf_putc(&b, (char)cp);
			} else if (cp < 0x800) {
				buf_putc(&b, (char)(0xc0 | cp >> 6));
				buf_putc(&b, (char)(0x80 | (cp & 63)));
			} else {
				buf_putc(&b, (char)(0xe0 | cp >> 12));
				buf_putc(&b, (char)(0x80 | (cp >> 6 & 63)));
				buf_putc(&b, (char)(0x80 | (cp & 63)));
			}
			break;
		}
		default:
			ps->error = "bad escape";
			free(b.p);
			return NULL;
		}
	}
	if (ps->p >= ps->end) {
		ps->error = "unterminated string";
		free(b.p);
		return NULL;
	}
	ps->p++;
	buf_putc(&b, 0);
	*len_out = b.len - 1;
	return b.p;
}

static struct jv *parse_value(struct parser *ps, int depth);

static struct jv *parse_number(struct parser *ps)
{
	int neg = 0, eneg = 0;
	int64_t mant = 0;
	int32_t exp = 0, e = 0;
	if (*ps->p == '-') {
		neg = 1;
		ps->p++;
	}
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
		ps->error = "bad number";
		return NULL;
	}
	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		mant = mant * 10 + (*ps->p++ - '0');
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
			mant = mant * 10 + (*ps->p++ - '0');
			exp--;
		}
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			eneg = *ps->p++ == '-';
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			e = e * 10 + (*ps->p++ - '0');
	}
	/* Normalize: no trailing zeros in the mantissa. */
	while (mant && mant % 10 == 0) {
		mant /= 10;
		exp++;
	}
	struct jv *v = jv_new(ps, J_NUM);
	v->u.num.mant = neg ? -mant : mant;
	v->u.num.exp = mant ? exp + (eneg ? -e : e) : 0;
	return v;
}

static int expect_word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0) {
		ps->error = "bad literal";
		return 0;
	}
	ps->p += n;
	return 1;
}

static void push_item(struct jv *c, struct jv *item, char *key)
{
	if (c->u.arr.n == c->u.arr.cap) {
		c->u.arr.cap = c->u.arr.cap ? c->u.arr.cap * 2 : 4;
		c->u.arr.items = realloc(c->u.arr.items, c->u.arr.cap * sizeof(void *));
		if (c->kind == J_OBJ)
			c->u.arr.keys = realloc(c->u.arr.keys, c->u.arr.cap * sizeof(char *));
	}
	c->u.arr.items[c->u.arr.n] = item;
	if (c->kind == J_OBJ)
		c->u.arr.keys[c->u.arr.n] = key;
	c->u.arr.n++;
}

static struct jv *parse_container(struct parser *ps, int depth, int obj)
{
	struct jv *c = jv_new(ps, obj ? J_OBJ : J_ARR);
	char close = obj ? '}' : ']';
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return c;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(ps);
		if (obj) {
			size_t klen;
			if (ps->p >= ps->end || *ps->p != '"') {
				ps->error = "expected key";
				break;
			}
			if (!(key = parse_string(ps, &klen)))
				break;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				ps->error = "expected ':'";
				free(key);
				break;
			}
			ps->p++;
		}
		struct jv *item = parse_value(ps, depth + 1);
		if (!item) {
			free(key);
			break;
		}
		push_item(c, item, key);
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return c;
		}
		ps->error = obj ? "expected ',' or '}'" : "expected ',' or ']'";
		break;
	}
	jv_free(c);
	return NULL;
}

static struct jv *parse_value(struct parser *ps, int depth)
{
	if (depth > 200) {
		ps->error = "too deep";
		return NULL;
	}
	skip_ws(ps);
	if (ps->p >= ps->end) {
		ps->error = "unexpected end";
		return NULL;
	}
	struct jv *v;
	switch (*ps->p) {
	case '{': return parse_container(ps, depth, 1);
	case '[': return parse_container(ps, depth, 0);
	case '"': {
		size_t len;
		char *s = parse_string(ps, &len);
		if (!s)
			return NULL;
		v = jv_new(ps, J_STR);
		v->u.str.s = s;
		v->u.str.len = len;
		return v;
	}
	case 'n':
		if (!expect_word(ps, "null"))
			return NULL;
		return jv_new(ps, J_NULL);
	case 't':
	case 'f':
		if (!expect_word(ps, *ps->p == 't' ? "true" : "false"))
			return NULL;
		v = jv_new(ps, J_BOOL);
		v->u.b = ps->p[-1] == 'e' && ps->p[-2] == 'u';
		return v;
	default:
		return parse_number(ps);
	}
}

/* ---- walking and printing --------------------------------------------- */

struct stats {
	uint64_t hash;
	uint64_t counts[6];
	int64_t intsum;
	uint32_t maxdepth;
};

static void walk(const struct jv *v, uint32_t depth, struct stats *st)
{
	st->counts[v->kind]++;
	if (depth > st->maxdepth)
		st->maxdepth = depth;
	st->hash = st->hash * 1099511628211ull + v->kind;
	switch (v->kind) {
	case J_BOOL: st->hash += (uint64_t)v->u.b; break;
	case J_NUM:
		st->hash ^= (uint64_t)v->u.num.mant * 31 + (uint64_t)(int64_t)v->u.num.exp;
		if (v->u.num.exp >= 0 && v->u.num.exp < 6) {
			int64_t x = v->u.num.mant;
			for (int i = 0; i < v->u.num.exp; i++)
				x *= 10;
			st->intsum += x;
		}
		break;
	case J_STR:
		for (size_t i = 0; i < v->u.str.len; i++)
			st->hash = (st->hash ^ (uint8_t)v->u.str.s[i]) * 16777619u;
		break;
	case J_ARR:
	case J_OBJ:
		for (size_t i = 0; i < v->u.arr.n; i++) {
			if (v->kind == J_OBJ)
				for (const char *k = v->u.arr.keys[i]; *k; k++)
					st->hash = (st->hash ^ (uint8_t)*k) * 16777619u;
			walk(v->u.arr.items[i], depth + 1, st);
		}
		break;
	default:
		break;
	}
}

static void print_string(struct buf *b, const char *s, size_t len)
{
	char tmp[2] = { 0, 0 };
	buf_putc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c < 0x20) {
			buf_puts(b, "\\u00");
			buf_putc(b, "0123456789abcdef"[c >> 4]);
			buf_putc(b, "0123456789abcdef"[c & 15]);
		} else {
			tmp[0] = (char)c;
			buf_puts(b, tmp);
		}
	}
	buf_putc(b, '"');
}

static void print_value(struct buf *b, const struct jv *v)
{
	switch (v->kind) {
	case J_NULL: buf_puts(b, "null"); break;
	case J_BOOL: buf_puts(b, v->u.b ? "true" : "false"); break;
	case J_NUM:
		buf_putint(b, v->u.num.mant);
		if (v->u.num.exp) {
			buf_putc(b, 'e');
			buf_putint(b, v->u.num.exp);
		}
		break;
	case J_STR: print_string(b, v->u.str.s, v->u.str.len); break;
	case J_ARR:
	case J_OBJ:
		buf_putc(b, v->kind == J_OBJ ? '{' : '[');
		for (size_t i = 0; i < v->u.arr.n; i++) {
			if (i)
				buf_putc(b, ',');
			if (v->kind == J_OBJ) {
				print_string(b, v->u.arr.keys[i], strlen(v->u.arr.keys[i]));
				buf_putc(b, ':');
			}
			print_value(b, v->u.arr.items[i]);
		}
		buf_putc(b, v->kind == J_OBJ ? '}' : ']');
		break;
	}
}

static struct jv *parse_all(const char *text, size_t len, size_t *nodes)
{
	struct parser ps = { text, text + len, NULL, 0 };
	struct jv *v = parse_value(&ps, 0);
	if (v) {
		skip_ws(&ps);
		if (ps.p != ps.end) {
			ps.error = "trailing text";
			jv_free(v);
			v = NULL;
		}
	}
	if (!v) {
		printf("json: parse error at %ld: %s\n", (long)(ps.p - text), ps.error);
		exit(1);
	}
	*nodes = ps.nodes;
	return v;
}

int main(void)
{
	uint64_t sum = 0;
	for (int doc = 0; doc < 6; doc++) {
		struct buf text = { 0 };
		buf_putc(&text, '[');
		for (int i = 0; i < 4000; i++) {
			if (i)
				buf_puts(&text, ",\n");
			gen_value(&text, 0);
		}
		buf_putc(&text, ']');

		size_t nodes1, nodes2;
		struct jv *v1 = parse_all(text.p, text.len, &nodes1);
		struct stats st1 = { 0 }, st2 = { 0 };
		walk(v1, 0, &st1);
		struct buf out = { 0 };
		print_value(&out, v1);
		struct jv *v2 = parse_all(out.p, out.len, &nodes2);
		walk(v2, 0, &st2);
		if (nodes1 != nodes2 || st1.hash != st2.hash) {
			printf("json: round trip changed the document\n");
			return 1;
		}
		sum = sum * 31 + st1.hash;
		sum = sum * 31 + (uint64_t)st1.intsum + st1.maxdepth + text.len + out.len;
		for (int k = 0; k < 6; k++)
			sum = sum * 31 + st1.counts[k];
		jv_free(v1);
		jv_free(v2);
		free(text.p);
		free(out.p);
	}
	printf("json %llu\n", (unsigned long long)sum);
	return 0;
}
