/* toyc.c -- the larger benchmark: a compiler and virtual machine for a
 * small dynamically typed language ("toy"), run on programs written in it
 * and on programs generated at random.
 *
 * Pipeline: lexer -> recursive-descent parser -> AST -> constant folding
 * and dead-branch removal -> a pretty printer (whose output is parsed again
 * and must print identically) -> name resolution and code generation to a
 * stack bytecode -> peephole optimizer (superinstructions, jump threading,
 * compaction) -> interpreter with a mark-and-sweep garbage collector for
 * arrays and strings.
 *
 * The language:
 *   program  := { 'var' NAME ['=' expr] ';' | 'fn' NAME '(' params ')' block }
 *   stmt     := 'var' NAME ['=' expr] ';' | 'if' '(' expr ')' stmt ['else' stmt]
 *             | 'while' '(' expr ')' stmt | 'for' '(' [simple] ';' [expr] ';' [simple] ')' stmt
 *             | 'return' [expr] ';' | 'break' ';' | 'continue' ';' | block | simple ';'
 *   simple   := expr [('=' | '+=' | '-=' | '*=') expr]
 *   expr     := C-like precedence: || && | ^ & == != < <= > >= << >> + - * / %,
 *               unary - ! ~, calls f(x), indexing a[i], literals 12, "text",
 *               [a, b, c]
 * Values are 64-bit integers (wrapping) or references to arrays and strings.
 * Built-ins: len, array(n, v), push(a, v), pop(a), str(n), concat(a, b),
 * hash(x), emit(x) (folds x into the checksum), min, max, abs.
 *
 * Prints one checksum line. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Utilities
 * ====================================================================== */

static void fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("toyc: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		fatal("out of memory");
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		fatal("out of memory");
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		fatal("out of memory");
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

/* A growable string. */
typedef struct {
	char *p;
	size_t len, cap;
} sbuf;

static void sb_reserve(sbuf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 128;
	while (cap < b->len + more + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

static void sb_putn(sbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_puts(sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_putc(sbuf *b, char c)
{
	sb_putn(b, &c, 1);
}

static void sb_printf(sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		fatal("sb_printf overflow");
	sb_putn(b, tmp, (size_t)n);
}

static void sb_indent(sbuf *b, int depth)
{
	for (int i = 0; i < depth; i++)
		sb_puts(b, "  ");
}

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const uint8_t *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

static uint64_t mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

/* An arena for AST nodes and names: freed all at once per compilation. */
typedef struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
} arena_block;

typedef struct {
	arena_block *head;
	size_t total;
} arena;

static void *arena_alloc(arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!a->head || a->head->used + n > a->head->cap) {
		size_t cap = n > 65536 ? n : 65536;
		arena_block *b = xmalloc(sizeof *b + cap);
		b->next = a->head;
		b->used = 0;
		b->cap = cap;
		a->head = b;
	}
	void *p = a->head->data + a->head->used;
	a->head->used += n;
	a->total += n;
	memset(p, 0, n);
	return p;
}

static char *arena_strndup(arena *a, const char *s, size_t n)
{
	char *d = arena_alloc(a, n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

static void arena_free(arena *a)
{
	while (a->head) {
		arena_block *b = a->head;
		a->head = b->next;
		free(b);
	}
	a->total = 0;
}

/* ======================================================================
 * Lexer
 * ====================================================================== */

typedef enum {
	T_EOF, T_INT, T_STR, T_NAME,
	/* keywords */
	T_VAR, T_FN, T_IF, T_ELSE, T_WHILE, T_FOR, T_RETURN, T_BREAK, T_CONTINUE,
	/* punctuation */
	T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE, T_LBRACK, T_RBRACK,
	T_COMMA, T_SEMI,
	T_ASSIGN, T_PLUSEQ, T_MINUSEQ, T_STAREQ,
	T_OROR, T_ANDAND, T_OR, T_XOR, T_AND,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_SHL, T_SHR,
	T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT,
	T_NOT, T_TILDE,
} tok_kind;

static const char *const tok_names[] = {
	"end of input", "integer", "string", "name",
	"var", "fn", "if", "else", "while", "for", "return", "break", "continue",
	"(", ")", "{", "}", "[", "]", ",", ";",
	"=", "+=", "-=", "*=",
	"||", "&&", "|", "^", "&",
	"==", "!=", "<", "<=", ">", ">=", "<<", ">>",
	"+", "-", "*", "/", "%", "!", "~",
};

typedef struct {
	tok_kind kind;
	const char *start;
	size_t len;
	int64_t ival;
	int line;
} token;

typedef struct {
	const char *src, *p;
	int line;
	token cur, next;
	arena *ar;
	int ntokens;
} lexer;

static int is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const struct {
	const char *word;
	tok_kind kind;
} keywords[] = {
	{ "var", T_VAR }, { "fn", T_FN }, { "if", T_IF }, { "else", T_ELSE },
	{ "while", T_WHILE }, { "for", T_FOR }, { "return", T_RETURN },
	{ "break", T_BREAK }, { "continue", T_CONTINUE },
};

static token lex_one(lexer *lx)
{
	token t;
	const char *p = lx->p;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			if (*p == '\n')
				lx->line++;
			p++;
		}
		if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (p[0] == '/' && p[1] == '*') {
			p += 2;
			while (*p && !(p[0] == '*' && p[1] == '/')) {
				if (*p == '\n')
					lx->line++;
				p++;
			}
			if (!*p)
				fatal("line %d: unterminated comment", lx->line);
			p += 2;
			continue;
		}
		break;
	}
	memset(&t, 0, sizeof t);
	t.start = p;
	t.line = lx->line;
	if (!*p) {
		t.kind = T_EOF;
	} else if (is_digit(*p)) {
		uint64_t v = 0;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
			p += 2;
			for (;;) {
				int d;
				if (is_digit(*p))
					d = *p - '0';
				else if (*p >= 'a' && *p <= 'f')
					d = *p - 'a' + 10;
				else if (*p >= 'A' && *p <= 'F')
					d = *p - 'A' + 10;
				else
					break;
				v = v * 16 + (uint64_t)d;
				p++;
			}
		} else {
			while (is_digit(*p))
				v = v * 10 + (uint64_t)(*p++ - '0');
		}
		t.kind = T_INT;
		t.ival = (int64_t)v;
	} else if (is_alpha(*p)) {
		while (is_alpha(*p) || is_digit(*p))
			p++;
		t.kind = T_NAME;
		for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
			if (strlen(keywords[i].word) == (size_t)(p - t.start) &&
			    memcmp(keywords[i].word, t.start, (size_t)(p - t.start)) == 0)
				t.kind = keywords[i].kind;
	} else if (*p == '"') {
		p++;
		while (*p && *p != '"') {
			if (*p == '\\' && p[1])
				p++;
			if (*p == '\n')
				fatal("line %d: newline in string", lx->line);
			p++;
		}
		if (!*p)
			fatal("line %d: unterminated string", lx->line);
		p++;
		t.kind = T_STR;
	} else {
		char c = *p++;
		switch (c) {
		case '(': t.kind = T_LPAREN; break;
		case ')': t.kind = T_RPAREN; break;
		case '{': t.kind = T_LBRACE; break;
		case '}': t.kind = T_RBRACE; break;
		case '[': t.kind = T_LBRACK; break;
		case ']': t.kind = T_RBRACK; break;
		case ',': t.kind = T_COMMA; break;
		case ';': t.kind = T_SEMI; break;
		case '^': t.kind = T_XOR; break;
		case '~': t.kind = T_TILDE; break;
		case '/': t.kind = T_SLASH; break;
		case '%': t.kind = T_PERCENT; break;
		case '=':
			t.kind = *p == '=' ? (p++, T_EQ) : T_ASSIGN;
			break;
		case '!':
			t.kind = *p == '=' ? (p++, T_NE) : T_NOT;
			break;
		case '<':
			t.kind = *p == '=' ? (p++, T_LE) : *p == '<' ? (p++, T_SHL) : T_LT;
			break;
		case '>':
			t.kind = *p == '=' ? (p++, T_GE) : *p == '>' ? (p++, T_SHR) : T_GT;
			break;
		case '|':
			t.kind = *p == '|' ? (p++, T_OROR) : T_OR;
			break;
		case '&':
			t.kind = *p == '&' ? (p++, T_ANDAND) : T_AND;
			break;
		case '+':
			t.kind = *p == '=' ? (p++, T_PLUSEQ) : T_PLUS;
			break;
		case '-':
			t.kind = *p == '=' ? (p++, T_MINUSEQ) : T_MINUS;
			break;
		case '*':
			t.kind = *p == '=' ? (p++, T_STAREQ) : T_STAR;
			break;
		default:
			fatal("line %d: unexpected character '%c'", lx->line, c);
		}
	}
	t.len = (size_t)(p - t.start);
	lx->p = p;
	lx->ntokens++;
	return t;
}

static void lex_init(lexer *lx, const char *src, arena *ar)
{
	memset(lx, 0, sizeof *lx);
	lx->src = lx->p = src;
	lx->line = 1;
	lx->ar = ar;
	lx->cur = lex_one(lx);
	lx->next = lex_one(lx);
}

static void lex_advance(lexer *lx)
{
	lx->cur = lx->next;
	lx->next = lex_one(lx);
}

static int lex_accept(lexer *lx, tok_kind k)
{
	if (lx->cur.kind != k)
		return 0;
	lex_advance(lx);
	return 1;
}

static void lex_expect(lexer *lx, tok_kind k)
{
	if (!lex_accept(lx, k))
		fatal("line %d: expected '%s' but found '%.*s'", lx->cur.line,
		      tok_names[k], (int)lx->cur.len, lx->cur.start);
}

/* ======================================================================
 * AST
 * ====================================================================== */

typedef enum {
	E_INT, E_STR, E_NAME, E_UNARY, E_BINARY, E_AND, E_OR, E_CALL, E_INDEX,
	E_ARRAY,
} expr_kind;

typedef enum {
	OPK_ADD, OPK_SUB, OPK_MUL, OPK_DIV, OPK_MOD, OPK_SHL, OPK_SHR,
	OPK_BAND, OPK_BOR, OPK_BXOR,
	OPK_EQ, OPK_NE, OPK_LT, OPK_LE, OPK_GT, OPK_GE,
	OPK_NEG, OPK_NOT, OPK_BNOT,
} opkind;

static const char *const opk_text[] = {
	"+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^",
	"==", "!=", "<", "<=", ">", ">=", "-", "!", "~",
};

typedef struct expr expr;
struct expr {
	expr_kind kind;
	int line;
	opkind op;
	int64_t ival;           /* E_INT */
	char *text;             /* E_STR (unescaped), E_NAME, E_CALL callee */
	size_t textlen;
	expr *a, *b;            /* operands; E_INDEX: a[b] */
	expr **args;            /* E_CALL, E_ARRAY */
	int nargs;
	/* Filled by the resolver. */
	int slot;               /* local slot, or -1 */
	int global;             /* global index, or -1 */
	int func;               /* user function, or -1 */
	int builtin;            /* builtin, or -1 */
};

typedef enum {
	S_VAR, S_ASSIGN, S_EXPR, S_IF, S_WHILE, S_FOR, S_RETURN, S_BREAK,
	S_CONTINUE, S_BLOCK,
} stmt_kind;

typedef struct stmt stmt;
struct stmt {
	stmt_kind kind;
	int line;
	char *name;             /* S_VAR */
	int slot;               /* S_VAR after resolution */
	tok_kind assign_op;     /* S_ASSIGN: T_ASSIGN, T_PLUSEQ, ... */
	expr *target, *value;   /* S_ASSIGN target/value; S_VAR/S_EXPR/S_RETURN value */
	expr *cond;
	stmt *then, *els, *body;
	stmt *init, *step;      /* S_FOR */
	stmt **stmts;           /* S_BLOCK */
	int nstmts;
};

typedef struct {
	char *name;
	char **params;
	int nparams;
	stmt *body;
	int nslots;             /* after resolution */
	int line;
} funcdef;

typedef struct {
	char *name;
	expr *init;
	int line;
} globaldef;

typedef struct {
	funcdef *funcs;
	int nfuncs, capfuncs;
	globaldef *globals;
	int nglobals, capglobals;
	arena ar;
	int nodes;
} program;

/* ======================================================================
 * Parser
 * ====================================================================== */

typedef struct {
	lexer lx;
	program *prog;
} parser;

static expr *new_expr(parser *ps, expr_kind k)
{
	expr *e = arena_alloc(&ps->prog->ar, sizeof *e);
	e->kind = k;
	e->line = ps->lx.cur.line;
	e->slot = e->global = e->func = e->builtin = -1;
	ps->prog->nodes++;
	return e;
}

static stmt *new_stmt(parser *ps, stmt_kind k)
{
	stmt *s = arena_alloc(&ps->prog->ar, sizeof *s);
	s->kind = k;
	s->line = ps->lx.cur.line;
	s->slot = -1;
	ps->prog->nodes++;
	return s;
}

static char *take_name(parser *ps)
{
	token t = ps->lx.cur;
	lex_expect(&ps->lx, T_NAME);
	return arena_strndup(&ps->prog->ar, t.start, t.len);
}

static expr *parse_expr(parser *ps);

/* Collects a comma-separated list up to `close` into an arena array. */
static expr **parse_list(parser *ps, tok_kind close, int *count)
{
	expr *tmp[256];
	int n = 0;
	if (!lex_accept(&ps->lx, close)) {
		do {
			if (n == 256)
				fatal("line %d: too many items", ps->lx.cur.line);
			tmp[n++] = parse_expr(ps);
		} while (lex_accept(&ps->lx, T_COMMA));
		lex_expect(&ps->lx, close);
	}
	expr **v = arena_alloc(&ps->prog->ar, sizeof *v * (size_t)(n ? n : 1));
	memcpy(v, tmp, sizeof *v * (size_t)n);
	*count = n;
	return v;
}

static expr *parse_primary(parser *ps)
{
	token t = ps->lx.cur;
	expr *e;
	switch (t.kind) {
	case T_INT:
		lex_advance(&ps->lx);
		e = new_expr(ps, E_INT);
		e->ival = t.ival;
		return e;
	case T_STR: {
		lex_advance(&ps->lx);
		e = new_expr(ps, E_STR);
		char *s = arena_alloc(&ps->prog->ar, t.len);
		size_t n = 0;
		for (size_t i = 1; i + 1 < t.len; i++) {
			char c = t.start[i];
			if (c == '\\') {
				c = t.start[++i];
				c = c == 'n' ? '\n' : c == 't' ? '\t' : c == '0' ? '\0' : c;
			}
			s[n++] = c;
		}
		e->text = s;
		e->textlen = n;
		return e;
	}
	case T_NAME:
		lex_advance(&ps->lx);
		e = new_expr(ps, E_NAME);
		e->text = arena_strndup(&ps->prog->ar, t.start, t.len);
		if (lex_accept(&ps->lx, T_LPAREN)) {
			e->kind = E_CALL;
			e->args = parse_list(ps, T_RPAREN, &e->nargs);
		}
		return e;
	case T_LPAREN:
		lex_advance(&ps->lx);
		e = parse_expr(ps);
		lex_expect(&ps->lx, T_RPAREN);
		return e;
	case T_LBRACK:
		lex_advance(&ps->lx);
		e = new_expr(ps, E_ARRAY);
		e->args = parse_list(ps, T_RBRACK, &e->nargs);
		return e;
	default:
		fatal("line %d: expected an expression but found '%.*s'", t.line,
		      (int)t.len, t.start);
	}
	return NULL;
}

static expr *parse_postfix(parser *ps)
{
	expr *e = parse_primary(ps);
	while (ps->lx.cur.kind == T_LBRACK) {
		lex_advance(&ps->lx);
		expr *ix = new_expr(ps, E_INDEX);
		ix->a = e;
		ix->b = parse_expr(ps);
		lex_expect(&ps->lx, T_RBRACK);
		e = ix;
	}
	return e;
}

static expr *parse_unary(parser *ps)
{
	opkind op;
	switch (ps->lx.cur.kind) {
	case T_MINUS: op = OPK_NEG; break;
	case T_NOT: op = OPK_NOT; break;
	case T_TILDE: op = OPK_BNOT; break;
	default: return parse_postfix(ps);
	}
	expr *e = new_expr(ps, E_UNARY);
	lex_advance(&ps->lx);
	e->op = op;
	e->a = parse_unary(ps);
	return e;
}

/* Binary operators: precedence (higher binds tighter) and AST operator. */
static int binop_info(tok_kind k, opkind *op)
{
	switch (k) {
	case T_OROR: return 1;
	case T_ANDAND: return 2;
	case T_OR: *op = OPK_BOR; return 3;
	case T_XOR: *op = OPK_BXOR; return 4;
	case T_AND: *op = OPK_BAND; return 5;
	case T_EQ: *op = OPK_EQ; return 6;
	case T_NE: *op = OPK_NE; return 6;
	case T_LT: *op = OPK_LT; return 7;
	case T_LE: *op = OPK_LE; return 7;
	case T_GT: *op = OPK_GT; return 7;
	case T_GE: *op = OPK_GE; return 7;
	case T_SHL: *op = OPK_SHL; return 8;
	case T_SHR: *op = OPK_SHR; return 8;
	case T_PLUS: *op = OPK_ADD; return 9;
	case T_MINUS: *op = OPK_SUB; return 9;
	case T_STAR: *op = OPK_MUL; return 10;
	case T_SLASH: *op = OPK_DIV; return 10;
	case T_PERCENT: *op = OPK_MOD; return 10;
	default: return 0;
	}
}

static int opk_prec(const expr *e)
{
	switch (e->kind) {
	case E_OR: return 1;
	case E_AND: return 2;
	case E_BINARY:
		switch (e->op) {
		case OPK_BOR: return 3;
		case OPK_BXOR: return 4;
		case OPK_BAND: return 5;
		case OPK_EQ: case OPK_NE: return 6;
		case OPK_LT: case OPK_LE: case OPK_GT: case OPK_GE: return 7;
		case OPK_SHL: case OPK_SHR: return 8;
		case OPK_ADD: case OPK_SUB: return 9;
		default: return 10;
		}
	case E_UNARY: return 11;
	default: return 12;
	}
}

/* Precedence climbing; all binary operators are left-associative. */
static expr *parse_binary(parser *ps, int min_prec)
{
	expr *lhs = parse_unary(ps);
	for (;;) {
		opkind op = OPK_ADD;
		tok_kind k = ps->lx.cur.kind;
		int prec = binop_info(k, &op);
		if (prec == 0 || prec < min_prec)
			return lhs;
		lex_advance(&ps->lx);
		expr *rhs = parse_binary(ps, prec + 1);
		expr *e = new_expr(ps, k == T_OROR ? E_OR : k == T_ANDAND ? E_AND : E_BINARY);
		e->op = op;
		e->a = lhs;
		e->b = rhs;
		lhs = e;
	}
}

static expr *parse_expr(parser *ps)
{
	return parse_binary(ps, 1);
}

static stmt *parse_stmt(parser *ps);

static stmt *parse_block(parser *ps)
{
	stmt *tmp[512];
	int n = 0;
	stmt *b = new_stmt(ps, S_BLOCK);
	lex_expect(&ps->lx, T_LBRACE);
	while (!lex_accept(&ps->lx, T_RBRACE)) {
		if (ps->lx.cur.kind == T_EOF)
			fatal("line %d: unterminated block", b->line);
		if (n == 512)
			fatal("line %d: block too long", ps->lx.cur.line);
		tmp[n++] = parse_stmt(ps);
	}
	b->stmts = arena_alloc(&ps->prog->ar, sizeof(stmt *) * (size_t)(n ? n : 1));
	memcpy(b->stmts, tmp, sizeof(stmt *) * (size_t)n);
	b->nstmts = n;
	return b;
}

/* An expression statement or an assignment (no trailing ';'). */
static stmt *parse_simple(parser *ps)
{
	expr *e = parse_expr(ps);
	tok_kind k = ps->lx.cur.kind;
	if (k == T_ASSIGN || k == T_PLUSEQ || k == T_MINUSEQ || k == T_STAREQ) {
		if (e->kind != E_NAME && e->kind != E_INDEX)
			fatal("line %d: cannot assign to this expression", e->line);
		lex_advance(&ps->lx);
		stmt *s = new_stmt(ps, S_ASSIGN);
		s->assign_op = k;
		s->target = e;
		s->value = parse_expr(ps);
		return s;
	}
	stmt *s = new_stmt(ps, S_EXPR);
	s->value = e;
	return s;
}

static stmt *parse_stmt(parser *ps)
{
	stmt *s;
	switch (ps->lx.cur.kind) {
	case T_VAR:
		s = new_stmt(ps, S_VAR);
		lex_advance(&ps->lx);
		s->name = take_name(ps);
		if (lex_accept(&ps->lx, T_ASSIGN))
			s->value = parse_expr(ps);
		lex_expect(&ps->lx, T_SEMI);
		return s;
	case T_IF:
		s = new_stmt(ps, S_IF);
		lex_advance(&ps->lx);
		lex_expect(&ps->lx, T_LPAREN);
		s->cond = parse_expr(ps);
		lex_expect(&ps->lx, T_RPAREN);
		s->then = parse_stmt(ps);
		if (lex_accept(&ps->lx, T_ELSE))
			s->els = parse_stmt(ps);
		return s;
	case T_WHILE:
		s = new_stmt(ps, S_WHILE);
		lex_advance(&ps->lx);
		lex_expect(&ps->lx, T_LPAREN);
		s->cond = parse_expr(ps);
		lex_expect(&ps->lx, T_RPAREN);
		s->body = parse_stmt(ps);
		return s;
	case T_FOR:
		s = new_stmt(ps, S_FOR);
		lex_advance(&ps->lx);
		lex_expect(&ps->lx, T_LPAREN);
		if (ps->lx.cur.kind == T_VAR) {
			s->init = parse_stmt(ps); /* eats the ';' */
		} else {
			if (ps->lx.cur.kind != T_SEMI)
				s->init = parse_simple(ps);
			lex_expect(&ps->lx, T_SEMI);
		}
		if (ps->lx.cur.kind != T_SEMI)
			s->cond = parse_expr(ps);
		lex_expect(&ps->lx, T_SEMI);
		if (ps->lx.cur.kind != T_RPAREN)
			s->step = parse_simple(ps);
		lex_expect(&ps->lx, T_RPAREN);
		s->body = parse_stmt(ps);
		return s;
	case T_RETURN:
		s = new_stmt(ps, S_RETURN);
		lex_advance(&ps->lx);
		if (ps->lx.cur.kind != T_SEMI)
			s->value = parse_expr(ps);
		lex_expect(&ps->lx, T_SEMI);
		return s;
	case T_BREAK:
	case T_CONTINUE:
		s = new_stmt(ps, ps->lx.cur.kind == T_BREAK ? S_BREAK : S_CONTINUE);
		lex_advance(&ps->lx);
		lex_expect(&ps->lx, T_SEMI);
		return s;
	case T_LBRACE:
		return parse_block(ps);
	default:
		s = parse_simple(ps);
		lex_expect(&ps->lx, T_SEMI);
		return s;
	}
}

static void parse_program(program *prog, const char *src)
{
	parser ps;
	memset(prog, 0, sizeof *prog);
	ps.prog = prog;
	lex_init(&ps.lx, src, &prog->ar);
	while (ps.lx.cur.kind != T_EOF) {
		if (lex_accept(&ps.lx, T_VAR)) {
			if (prog->nglobals == prog->capglobals) {
				prog->capglobals = prog->capglobals ? prog->capglobals * 2 : 16;
				prog->globals = xrealloc(prog->globals,
					sizeof *prog->globals * (size_t)prog->capglobals);
			}
			globaldef *g = &prog->globals[prog->nglobals++];
			g->line = ps.lx.cur.line;
			g->name = take_name(&ps);
			g->init = lex_accept(&ps.lx, T_ASSIGN) ? parse_expr(&ps) : NULL;
			lex_expect(&ps.lx, T_SEMI);
			continue;
		}
		lex_expect(&ps.lx, T_FN);
		if (prog->nfuncs == prog->capfuncs) {
			prog->capfuncs = prog->capfuncs ? prog->capfuncs * 2 : 16;
			prog->funcs = xrealloc(prog->funcs,
				sizeof *prog->funcs * (size_t)prog->capfuncs);
		}
		funcdef *f = &prog->funcs[prog->nfuncs++];
		memset(f, 0, sizeof *f);
		f->line = ps.lx.cur.line;
		f->name = take_name(&ps);
		lex_expect(&ps.lx, T_LPAREN);
		char *params[64];
		if (!lex_accept(&ps.lx, T_RPAREN)) {
			do {
				if (f->nparams == 64)
					fatal("line %d: too many parameters", f->line);
				params[f->nparams++] = take_name(&ps);
			} while (lex_accept(&ps.lx, T_COMMA));
			lex_expect(&ps.lx, T_RPAREN);
		}
		f->params = arena_alloc(&prog->ar, sizeof(char *) * (size_t)(f->nparams + 1));
		memcpy(f->params, params, sizeof(char *) * (size_t)f->nparams);
		f->body = parse_block(&ps);
	}
}

static void program_free(program *prog)
{
	free(prog->funcs);
	free(prog->globals);
	arena_free(&prog->ar);
}

/* ======================================================================
 * Arithmetic shared by the constant folder and the VM
 * ====================================================================== */

/* Returns 0 (and leaves *out alone) for division by zero. */
static int arith(opkind op, int64_t a, int64_t b, int64_t *out)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
	switch (op) {
	case OPK_ADD: *out = (int64_t)(ua + ub); return 1;
	case OPK_SUB: *out = (int64_t)(ua - ub); return 1;
	case OPK_MUL: *out = (int64_t)(ua * ub); return 1;
	case OPK_DIV:
		if (b == 0)
			return 0;
		*out = b == -1 ? (int64_t)(0 - ua) : a / b;
		return 1;
	case OPK_MOD:
		if (b == 0)
			return 0;
		*out = b == -1 ? 0 : a % b;
		return 1;
	case OPK_SHL: *out = (int64_t)(ua << (ub & 63)); return 1;
	case OPK_SHR: *out = a >> (ub & 63); return 1;
	case OPK_BAND: *out = a & b; return 1;
	case OPK_BOR: *out = a | b; return 1;
	case OPK_BXOR: *out = a ^ b; return 1;
	case OPK_EQ: *out = a == b; return 1;
	case OPK_NE: *out = a != b; return 1;
	case OPK_LT: *out = a < b; return 1;
	case OPK_LE: *out = a <= b; return 1;
	case OPK_GT: *out = a > b; return 1;
	case OPK_GE: *out = a >= b; return 1;
	case OPK_NEG: *out = (int64_t)(0 - ua); return 1;
	case OPK_NOT: *out = a == 0; return 1;
	case OPK_BNOT: *out = ~a; return 1;
	}
	return 0;
}

/* ======================================================================
 * Constant folding and dead-branch removal
 * ====================================================================== */

typedef struct {
	int folded;       /* expressions replaced by constants */
	int branches;     /* if/while statements simplified */
} fold_stats;

static void fold_expr(expr *e, fold_stats *fs)
{
	if (!e)
		return;
	switch (e->kind) {
	case E_UNARY:
		fold_expr(e->a, fs);
		if (e->a->kind == E_INT) {
			int64_t v;
			arith(e->op, e->a->ival, 0, &v);
			e->kind = E_INT;
			e->ival = v;
			fs->folded++;
		}
		break;
	case E_BINARY:
		fold_expr(e->a, fs);
		fold_expr(e->b, fs);
		if (e->a->kind == E_INT && e->b->kind == E_INT) {
			int64_t v;
			if (arith(e->op, e->a->ival, e->b->ival, &v)) {
				e->kind = E_INT;
				e->ival = v;
				fs->folded++;
			}
		} else if (e->b->kind == E_INT && e->b->ival == 0 &&
			   (e->op == OPK_ADD || e->op == OPK_SUB || e->op == OPK_BOR ||
			    e->op == OPK_BXOR || e->op == OPK_SHL || e->op == OPK_SHR) &&
			   (e->a->kind == E_NAME || e->a->kind == E_BINARY)) {
			/* x + 0 -> x when x is certainly an integer expression
			 * or a plain variable (strings would fail either way). */
			if (e->a->kind == E_BINARY) {
				*e = *e->a;
				fs->folded++;
			}
		}
		break;
	case E_AND:
	case E_OR:
		fold_expr(e->a, fs);
		fold_expr(e->b, fs);
		if (e->a->kind == E_INT && e->b->kind == E_INT) {
			int64_t v = e->kind == E_AND ? (e->a->ival && e->b->ival)
						     : (e->a->ival || e->b->ival);
			e->kind = E_INT;
			e->ival = v;
			fs->folded++;
		} else if (e->a->kind == E_INT && e->kind == E_AND && e->a->ival == 0) {
			e->kind = E_INT;
			e->ival = 0;
			fs->folded++;
		} else if (e->a->kind == E_INT && e->kind == E_OR && e->a->ival != 0) {
			e->kind = E_INT;
			e->ival = 1;
			fs->folded++;
		}
		break;
	case E_INDEX:
		fold_expr(e->a, fs);
		fold_expr(e->b, fs);
		break;
	case E_CALL:
	case E_ARRAY:
		for (int i = 0; i < e->nargs; i++)
			fold_expr(e->args[i], fs);
		break;
	default:
		break;
	}
}

static void fold_stmt(stmt *s, fold_stats *fs)
{
	if (!s)
		return;
	switch (s->kind) {
	case S_VAR:
	case S_EXPR:
	case S_RETURN:
		fold_expr(s->value, fs);
		break;
	case S_ASSIGN:
		fold_expr(s->target, fs);
		fold_expr(s->value, fs);
		break;
	case S_IF:
		fold_expr(s->cond, fs);
		fold_stmt(s->then, fs);
		fold_stmt(s->els, fs);
		if (s->cond->kind == E_INT) {
			/* Keep the statement shape (a block) so scoping stays. */
			stmt *taken = s->cond->ival ? s->then : s->els;
			fs->branches++;
			if (taken) {
				*s = *taken;
			} else {
				s->kind = S_BLOCK;
				s->nstmts = 0;
			}
		}
		break;
	case S_WHILE:
		fold_expr(s->cond, fs);
		fold_stmt(s->body, fs);
		if (s->cond->kind == E_INT && s->cond->ival == 0) {
			fs->branches++;
			s->kind = S_BLOCK;
			s->nstmts = 0;
		}
		break;
	case S_FOR:
		fold_stmt(s->init, fs);
		fold_expr(s->cond, fs);
		fold_stmt(s->step, fs);
		fold_stmt(s->body, fs);
		break;
	case S_BLOCK:
		for (int i = 0; i < s->nstmts; i++)
			fold_stmt(s->stmts[i], fs);
		break;
	default:
		break;
	}
}

static void fold_program(program *prog, fold_stats *fs)
{
	for (int i = 0; i < prog->nglobals; i++)
		fold_expr(prog->globals[i].init, fs);
	for (int i = 0; i < prog->nfuncs; i++)
		fold_stmt(prog->funcs[i].body, fs);
}

/* ======================================================================
 * Pretty printer (its output parses back to the same tree)
 * ====================================================================== */

static void print_expr(sbuf *b, const expr *e);

static void print_operand(sbuf *b, const expr *e, int min_prec)
{
	int prec = opk_prec(e);
	if (e->kind == E_INT && e->ival < 0)
		prec = 11;
	if (prec < min_prec) {
		sb_putc(b, '(');
		print_expr(b, e);
		sb_putc(b, ')');
	} else {
		print_expr(b, e);
	}
}

static void print_list(sbuf *b, expr **items, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			sb_puts(b, ", ");
		print_expr(b, items[i]);
	}
}

static void print_expr(sbuf *b, const expr *e)
{
	switch (e->kind) {
	case E_INT:
		if (e->ival < 0)
			sb_printf(b, "-%llu", (unsigned long long)(0 - (uint64_t)e->ival));
		else
			sb_printf(b, "%lld", (long long)e->ival);
		break;
	case E_STR:
		sb_putc(b, '"');
		for (size_t i = 0; i < e->textlen; i++) {
			char c = e->text[i];
			switch (c) {
			case '\n': sb_puts(b, "\\n"); break;
			case '\t': sb_puts(b, "\\t"); break;
			case '\0': sb_puts(b, "\\0"); break;
			case '"': sb_puts(b, "\\\""); break;
			case '\\': sb_puts(b, "\\\\"); break;
			default: sb_putc(b, c);
			}
		}
		sb_putc(b, '"');
		break;
	case E_NAME:
		sb_puts(b, e->text);
		break;
	case E_UNARY:
		sb_puts(b, opk_text[e->op]);
		print_operand(b, e->a, 11);
		break;
	case E_BINARY:
	case E_AND:
	case E_OR: {
		int prec = opk_prec(e);
		print_operand(b, e->a, prec);
		sb_putc(b, ' ');
		sb_puts(b, e->kind == E_AND ? "&&" : e->kind == E_OR ? "||" : opk_text[e->op]);
		sb_putc(b, ' ');
		print_operand(b, e->b, prec + 1);
		break;
	}
	case E_CALL:
		sb_puts(b, e->text);
		sb_putc(b, '(');
		print_list(b, e->args, e->nargs);
		sb_putc(b, ')');
		break;
	case E_INDEX:
		print_operand(b, e->a, 12);
		sb_putc(b, '[');
		print_expr(b, e->b);
		sb_putc(b, ']');
		break;
	case E_ARRAY:
		sb_putc(b, '[');
		print_list(b, e->args, e->nargs);
		sb_putc(b, ']');
		break;
	}
}

static const char *assign_text(tok_kind k)
{
	return k == T_PLUSEQ ? "+=" : k == T_MINUSEQ ? "-=" : k == T_STAREQ ? "*=" : "=";
}

static void print_stmt(sbuf *b, const stmt *s, int depth);

static void print_simple(sbuf *b, const stmt *s)
{
	if (s->kind == S_ASSIGN) {
		print_expr(b, s->target);
		sb_printf(b, " %s ", assign_text(s->assign_op));
		print_expr(b, s->value);
	} else if (s->kind == S_VAR) {
		sb_printf(b, "var %s", s->name);
		if (s->value) {
			sb_puts(b, " = ");
			print_expr(b, s->value);
		}
	} else {
		print_expr(b, s->value);
	}
}

/* Statements nested under if/while/for always print as blocks, so that
 * a dangling else cannot change meaning. */
static void print_body(sbuf *b, const stmt *s, int depth)
{
	if (s->kind == S_BLOCK) {
		print_stmt(b, s, depth);
	} else {
		sb_puts(b, "{\n");
		sb_indent(b, depth + 1);
		print_stmt(b, s, depth + 1);
		sb_puts(b, "\n");
		sb_indent(b, depth);
		sb_puts(b, "}");
	}
}

static void print_stmt(sbuf *b, const stmt *s, int depth)
{
	switch (s->kind) {
	case S_VAR:
	case S_ASSIGN:
	case S_EXPR:
		print_simple(b, s);
		sb_putc(b, ';');
		break;
	case S_IF:
		sb_puts(b, "if (");
		print_expr(b, s->cond);
		sb_puts(b, ") ");
		print_body(b, s->then, depth);
		if (s->els) {
			sb_puts(b, " else ");
			print_body(b, s->els, depth);
		}
		break;
	case S_WHILE:
		sb_puts(b, "while (");
		print_expr(b, s->cond);
		sb_puts(b, ") ");
		print_body(b, s->body, depth);
		break;
	case S_FOR:
		sb_puts(b, "for (");
		if (s->init)
			print_simple(b, s->init);
		sb_puts(b, "; ");
		if (s->cond)
			print_expr(b, s->cond);
		sb_puts(b, "; ");
		if (s->step)
			print_simple(b, s->step);
		sb_puts(b, ") ");
		print_body(b, s->body, depth);
		break;
	case S_RETURN:
		sb_puts(b, "return");
		if (s->value) {
			sb_putc(b, ' ');
			print_expr(b, s->value);
		}
		sb_putc(b, ';');
		break;
	case S_BREAK:
		sb_puts(b, "break;");
		break;
	case S_CONTINUE:
		sb_puts(b, "continue;");
		break;
	case S_BLOCK:
		sb_puts(b, "{");
		for (int i = 0; i < s->nstmts; i++) {
			sb_putc(b, '\n');
			sb_indent(b, depth + 1);
			print_stmt(b, s->stmts[i], depth + 1);
		}
		sb_putc(b, '\n');
		sb_indent(b, depth);
		sb_putc(b, '}');
		break;
	}
}

static void print_program(sbuf *b, const program *prog)
{
	for (int i = 0; i < prog->nglobals; i++) {
		sb_printf(b, "var %s", prog->globals[i].name);
		if (prog->globals[i].init) {
			sb_puts(b, " = ");
			print_expr(b, prog->globals[i].init);
		}
		sb_puts(b, ";\n");
	}
	for (int i = 0; i < prog->nfuncs; i++) {
		const funcdef *f = &prog->funcs[i];
		sb_printf(b, "\nfn %s(", f->name);
		for (int k = 0; k < f->nparams; k++)
			sb_printf(b, "%s%s", k ? ", " : "", f->params[k]);
		sb_puts(b, ") ");
		print_stmt(b, f->body, 0);
		sb_putc(b, '\n');
	}
}

/* ======================================================================
 * Name table: string -> int, open addressing
 * ====================================================================== */

typedef struct {
	const char **keys;
	int *vals;
	uint32_t cap, count;
} names;

static uint32_t name_hash(const char *s)
{
	return (uint32_t)hash_bytes(s, strlen(s), 1469598103934665603ull);
}

static void names_put(names *t, const char *key, int val);

static void names_grow(names *t)
{
	names old = *t;
	t->cap = old.cap ? old.cap * 2 : 64;
	t->count = 0;
	t->keys = xcalloc(t->cap, sizeof *t->keys);
	t->vals = xcalloc(t->cap, sizeof *t->vals);
	for (uint32_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			names_put(t, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

static void names_put(names *t, const char *key, int val)
{
	if ((t->count + 1) * 2 > t->cap)
		names_grow(t);
	uint32_t i = name_hash(key) & (t->cap - 1);
	while (t->keys[i] && strcmp(t->keys[i], key) != 0)
		i = (i + 1) & (t->cap - 1);
	if (!t->keys[i])
		t->count++;
	t->keys[i] = key;
	t->vals[i] = val;
}

static int names_get(const names *t, const char *key)
{
	if (!t->cap)
		return -1;
	uint32_t i = name_hash(key) & (t->cap - 1);
	while (t->keys[i]) {
		if (strcmp(t->keys[i], key) == 0)
			return t->vals[i];
		i = (i + 1) & (t->cap - 1);
	}
	return -1;
}

static void names_free(names *t)
{
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof *t);
}

/* ======================================================================
 * Bytecode
 * ====================================================================== */

typedef enum {
	OP_NOP, OP_CONST, OP_STR, OP_LOADL, OP_STOREL, OP_LOADG, OP_STOREG,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_SHL, OP_SHR,
	OP_BAND, OP_BOR, OP_BXOR,
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_NEG, OP_NOT, OP_BNOT,
	OP_JMP, OP_JZ, OP_JNZ,
	OP_CALL, OP_CALLB, OP_RET, OP_RET0,
	OP_INDEX, OP_SETINDEX, OP_NEWARR, OP_POP, OP_DUP2, OP_HALT,
	/* superinstructions made by the peephole pass */
	OP_INCL,      /* local a += k */
	OP_ADDLK,     /* push local a + k */
	OP_LOADL2,    /* push local a, push local b */
	OP_JCMPLK,    /* if !(local a <cmp c> k) goto b */
	OP_JCMPLL,    /* if !(local a <cmp c> local k) goto b */
	OP_INDEXL,    /* push local a [ local b ] */
	OP_COUNT_
} opcode;

static const char *const op_names[OP_COUNT_] = {
	"nop", "const", "str", "loadl", "storel", "loadg", "storeg",
	"add", "sub", "mul", "div", "mod", "shl", "shr", "band", "bor", "bxor",
	"eq", "ne", "lt", "le", "gt", "ge", "neg", "not", "bnot",
	"jmp", "jz", "jnz", "call", "callb", "ret", "ret0",
	"index", "setindex", "newarr", "pop", "dup2", "halt",
	"incl", "addlk", "loadl2", "jcmplk", "jcmpll", "indexl",
};

typedef struct {
	int32_t op, a, b, c;
	int64_t k;
} insn;

/* opkind of a binary/unary opcode, in the same order. */
static opkind op_to_opk(int op)
{
	return (opkind)(op - OP_ADD);
}

static int is_cmp_op(int op)
{
	return op >= OP_EQ && op <= OP_GE;
}

typedef struct {
	const char *name;
	int nargs; /* -1: any */
} builtin_def;

enum { B_LEN, B_ARRAY, B_PUSH, B_POP, B_STR, B_CONCAT, B_HASH, B_EMIT,
       B_MIN, B_MAX, B_ABS, B_SUBSTR, B_COUNT_ };

static const builtin_def builtins[B_COUNT_] = {
	{ "len", 1 }, { "array", 2 }, { "push", 2 }, { "pop", 1 }, { "str", 1 },
	{ "concat", 2 }, { "hash", 1 }, { "emit", 1 }, { "min", 2 }, { "max", 2 },
	{ "abs", 1 }, { "substr", 3 },
};

typedef struct {
	insn *code;
	int n, cap;
	int *func_entry;       /* per function: index of its first insn */
	int *func_nslots;
	int *func_nparams;
	int nfuncs;
	int nglobals;
	char **strings;        /* string constants */
	size_t *string_lens;
	int nstrings, capstrings;
	int main_func;
	int entry;             /* first insn of the global initialiser */
} bytecode;

static int emit(bytecode *bc, int op, int a, int b, int64_t k)
{
	if (bc->n == bc->cap) {
		bc->cap = bc->cap ? bc->cap * 2 : 1024;
		bc->code = xrealloc(bc->code, sizeof *bc->code * (size_t)bc->cap);
	}
	insn *i = &bc->code[bc->n];
	i->op = op;
	i->a = a;
	i->b = b;
	i->c = 0;
	i->k = k;
	return bc->n++;
}

static void bytecode_free(bytecode *bc)
{
	for (int i = 0; i < bc->nstrings; i++)
		free(bc->strings[i]);
	free(bc->strings);
	free(bc->string_lens);
	free(bc->code);
	free(bc->func_entry);
	free(bc->func_nslots);
	free(bc->func_nparams);
	memset(bc, 0, sizeof *bc);
}

/* ======================================================================
 * Resolver and code generator
 * ====================================================================== */

typedef struct {
	const char *name;
	int slot;
} local_var;

typedef struct loop_ctx {
	struct loop_ctx *outer;
	int breaks[64], nbreaks;
	int conts[64], nconts;
} loop_ctx;

typedef struct {
	program *prog;
	bytecode *bc;
	names funcs, globals, builtin_names;
	local_var locals[256];
	int nlocals;
	int next_slot, max_slot;
	loop_ctx *loop;
	const funcdef *fn;
} codegen;

static int lookup_local(codegen *cg, const char *name)
{
	for (int i = cg->nlocals - 1; i >= 0; i--)
		if (strcmp(cg->locals[i].name, name) == 0)
			return cg->locals[i].slot;
	return -1;
}

static int declare_local(codegen *cg, const char *name, int line)
{
	if (cg->nlocals == 256)
		fatal("line %d: too many locals", line);
	int slot = cg->next_slot++;
	if (cg->next_slot > cg->max_slot)
		cg->max_slot = cg->next_slot;
	cg->locals[cg->nlocals].name = name;
	cg->locals[cg->nlocals].slot = slot;
	cg->nlocals++;
	return slot;
}

static void gen_expr(codegen *cg, expr *e);

static void gen_load_name(codegen *cg, expr *e)
{
	int slot = lookup_local(cg, e->text);
	if (slot >= 0) {
		e->slot = slot;
		emit(cg->bc, OP_LOADL, slot, 0, 0);
		return;
	}
	int g = names_get(&cg->globals, e->text);
	if (g < 0)
		fatal("line %d: unknown name '%s'", e->line, e->text);
	e->global = g;
	emit(cg->bc, OP_LOADG, g, 0, 0);
}

static void gen_store_name(codegen *cg, expr *e)
{
	int slot = lookup_local(cg, e->text);
	if (slot >= 0) {
		emit(cg->bc, OP_STOREL, slot, 0, 0);
		return;
	}
	int g = names_get(&cg->globals, e->text);
	if (g < 0)
		fatal("line %d: unknown name '%s'", e->line, e->text);
	emit(cg->bc, OP_STOREG, g, 0, 0);
}

static int add_string(bytecode *bc, const char *s, size_t len)
{
	if (bc->nstrings == bc->capstrings) {
		bc->capstrings = bc->capstrings ? bc->capstrings * 2 : 16;
		bc->strings = xrealloc(bc->strings, sizeof(char *) * (size_t)bc->capstrings);
		bc->string_lens = xrealloc(bc->string_lens, sizeof(size_t) * (size_t)bc->capstrings);
	}
	bc->strings[bc->nstrings] = xstrndup(s, len);
	bc->string_lens[bc->nstrings] = len;
	return bc->nstrings++;
}

static void gen_expr(codegen *cg, expr *e)
{
	bytecode *bc = cg->bc;
	switch (e->kind) {
	case E_INT:
		emit(bc, OP_CONST, 0, 0, e->ival);
		break;
	case E_STR:
		emit(bc, OP_STR, add_string(bc, e->text, e->textlen), 0, 0);
		break;
	case E_NAME:
		gen_load_name(cg, e);
		break;
	case E_UNARY:
		gen_expr(cg, e->a);
		emit(bc, OP_NEG + (int)(e->op - OPK_NEG), 0, 0, 0);
		break;
	case E_BINARY:
		gen_expr(cg, e->a);
		gen_expr(cg, e->b);
		emit(bc, OP_ADD + (int)e->op, 0, 0, 0);
		break;
	case E_AND:
	case E_OR: {
		/* a && b: a; jz F; b; jz F; 1; jmp E; F: 0; E:
		 * a || b: a; jnz T; b; jnz T; 0; jmp E; T: 1; E: */
		int jop = e->kind == E_AND ? OP_JZ : OP_JNZ;
		gen_expr(cg, e->a);
		int j1 = emit(bc, jop, 0, 0, 0);
		gen_expr(cg, e->b);
		int j2 = emit(bc, jop, 0, 0, 0);
		emit(bc, OP_CONST, 0, 0, e->kind == E_AND);
		int j3 = emit(bc, OP_JMP, 0, 0, 0);
		bc->code[j1].a = bc->code[j2].a = bc->n;
		emit(bc, OP_CONST, 0, 0, e->kind != E_AND);
		bc->code[j3].a = bc->n;
		break;
	}
	case E_CALL: {
		for (int i = 0; i < e->nargs; i++)
			gen_expr(cg, e->args[i]);
		int f = names_get(&cg->funcs, e->text);
		if (f >= 0) {
			if (cg->prog->funcs[f].nparams != e->nargs)
				fatal("line %d: %s takes %d arguments, not %d", e->line,
				      e->text, cg->prog->funcs[f].nparams, e->nargs);
			e->func = f;
			emit(bc, OP_CALL, f, e->nargs, 0);
			break;
		}
		int b = names_get(&cg->builtin_names, e->text);
		if (b < 0)
			fatal("line %d: unknown function '%s'", e->line, e->text);
		if (builtins[b].nargs != e->nargs)
			fatal("line %d: %s takes %d arguments", e->line, e->text,
			      builtins[b].nargs);
		e->builtin = b;
		emit(bc, OP_CALLB, b, e->nargs, 0);
		break;
	}
	case E_INDEX:
		gen_expr(cg, e->a);
		gen_expr(cg, e->b);
		emit(bc, OP_INDEX, 0, 0, 0);
		break;
	case E_ARRAY:
		for (int i = 0; i < e->nargs; i++)
			gen_expr(cg, e->args[i]);
		emit(bc, OP_NEWARR, e->nargs, 0, 0);
		break;
	}
}

static void gen_stmt(codegen *cg, stmt *s);

static void gen_assign(codegen *cg, stmt *s)
{
	bytecode *bc = cg->bc;
	int op = s->assign_op == T_PLUSEQ ? OP_ADD : s->assign_op == T_MINUSEQ ? OP_SUB
		: s->assign_op == T_STAREQ ? OP_MUL : -1;
	if (s->target->kind == E_NAME) {
		if (op >= 0)
			gen_load_name(cg, s->target);
		gen_expr(cg, s->value);
		if (op >= 0)
			emit(bc, op, 0, 0, 0);
		gen_store_name(cg, s->target);
		return;
	}
	/* a[i] op= v: a; i; [dup2; index; v; op] or [v]; setindex */
	gen_expr(cg, s->target->a);
	gen_expr(cg, s->target->b);
	if (op >= 0) {
		emit(bc, OP_DUP2, 0, 0, 0);
		emit(bc, OP_INDEX, 0, 0, 0);
	}
	gen_expr(cg, s->value);
	if (op >= 0)
		emit(bc, op, 0, 0, 0);
	emit(bc, OP_SETINDEX, 0, 0, 0);
}

static void gen_loop_body(codegen *cg, stmt *body, loop_ctx *lc, int cont_target_known)
{
	(void)cont_target_known;
	lc->outer = cg->loop;
	cg->loop = lc;
	gen_stmt(cg, body);
	cg->loop = lc->outer;
}

static void gen_stmt(codegen *cg, stmt *s)
{
	bytecode *bc = cg->bc;
	switch (s->kind) {
	case S_VAR:
		if (s->value)
			gen_expr(cg, s->value);
		else
			emit(bc, OP_CONST, 0, 0, 0);
		s->slot = declare_local(cg, s->name, s->line);
		emit(bc, OP_STOREL, s->slot, 0, 0);
		break;
	case S_ASSIGN:
		gen_assign(cg, s);
		break;
	case S_EXPR:
		gen_expr(cg, s->value);
		emit(bc, OP_POP, 0, 0, 0);
		break;
	case S_IF: {
		gen_expr(cg, s->cond);
		int jf = emit(bc, OP_JZ, 0, 0, 0);
		int save = cg->nlocals;
		gen_stmt(cg, s->then);
		cg->nlocals = save;
		if (s->els) {
			int je = emit(bc, OP_JMP, 0, 0, 0);
			bc->code[jf].a = bc->n;
			gen_stmt(cg, s->els);
			cg->nlocals = save;
			bc->code[je].a = bc->n;
		} else {
			bc->code[jf].a = bc->n;
		}
		break;
	}
	case S_WHILE: {
		loop_ctx lc = { 0 };
		int top = bc->n;
		gen_expr(cg, s->cond);
		int jf = emit(bc, OP_JZ, 0, 0, 0);
		int save = cg->nlocals;
		gen_loop_body(cg, s->body, &lc, 1);
		cg->nlocals = save;
		emit(bc, OP_JMP, top, 0, 0);
		bc->code[jf].a = bc->n;
		for (int i = 0; i < lc.nbreaks; i++)
			bc->code[lc.breaks[i]].a = bc->n;
		for (int i = 0; i < lc.nconts; i++)
			bc->code[lc.conts[i]].a = top;
		break;
	}
	case S_FOR: {
		loop_ctx lc = { 0 };
		int save = cg->nlocals;
		if (s->init)
			gen_stmt(cg, s->init);
		int top = bc->n, jf = -1;
		if (s->cond) {
			gen_expr(cg, s->cond);
			jf = emit(bc, OP_JZ, 0, 0, 0);
		}
		int save2 = cg->nlocals;
		gen_loop_body(cg, s->body, &lc, 0);
		cg->nlocals = save2;
		int cont = bc->n;
		if (s->step)
			gen_stmt(cg, s->step);
		emit(bc, OP_JMP, top, 0, 0);
		if (jf >= 0)
			bc->code[jf].a = bc->n;
		for (int i = 0; i < lc.nbreaks; i++)
			bc->code[lc.breaks[i]].a = bc->n;
		for (int i = 0; i < lc.nconts; i++)
			bc->code[lc.conts[i]].a = cont;
		cg->nlocals = save;
		break;
	}
	case S_RETURN:
		if (s->value) {
			gen_expr(cg, s->value);
			emit(bc, OP_RET, 0, 0, 0);
		} else {
			emit(bc, OP_RET0, 0, 0, 0);
		}
		break;
	case S_BREAK:
	case S_CONTINUE: {
		loop_ctx *lc = cg->loop;
		if (!lc)
			fatal("line %d: break or continue outside a loop", s->line);
		int j = emit(bc, OP_JMP, 0, 0, 0);
		if (s->kind == S_BREAK) {
			if (lc->nbreaks == 64)
				fatal("line %d: too many breaks", s->line);
			lc->breaks[lc->nbreaks++] = j;
		} else {
			if (lc->nconts == 64)
				fatal("line %d: too many continues", s->line);
			lc->conts[lc->nconts++] = j;
		}
		break;
	}
	case S_BLOCK: {
		int save = cg->nlocals;
		for (int i = 0; i < s->nstmts; i++)
			gen_stmt(cg, s->stmts[i]);
		cg->nlocals = save;
		break;
	}
	}
}

static void codegen_program(program *prog, bytecode *bc)
{
	codegen cg;
	memset(&cg, 0, sizeof cg);
	memset(bc, 0, sizeof *bc);
	cg.prog = prog;
	cg.bc = bc;
	for (int i = 0; i < B_COUNT_; i++)
		names_put(&cg.builtin_names, builtins[i].name, i);
	for (int i = 0; i < prog->nfuncs; i++) {
		if (names_get(&cg.funcs, prog->funcs[i].name) >= 0)
			fatal("line %d: function %s defined twice", prog->funcs[i].line,
			      prog->funcs[i].name);
		names_put(&cg.funcs, prog->funcs[i].name, i);
	}
	for (int i = 0; i < prog->nglobals; i++)
		names_put(&cg.globals, prog->globals[i].name, i);
	bc->nfuncs = prog->nfuncs;
	bc->nglobals = prog->nglobals;
	bc->func_entry = xcalloc((size_t)prog->nfuncs, sizeof(int));
	bc->func_nslots = xcalloc((size_t)prog->nfuncs, sizeof(int));
	bc->func_nparams = xcalloc((size_t)prog->nfuncs, sizeof(int));
	bc->main_func = names_get(&cg.funcs, "main");
	if (bc->main_func < 0)
		fatal("no main function");

	/* The global initialiser runs first, then main, then halts. */
	bc->entry = bc->n;
	for (int i = 0; i < prog->nglobals; i++) {
		if (!prog->globals[i].init)
			continue;
		gen_expr(&cg, prog->globals[i].init);
		emit(bc, OP_STOREG, i, 0, 0);
	}
	emit(bc, OP_CALL, bc->main_func, 0, 0);
	emit(bc, OP_HALT, 0, 0, 0);

	for (int i = 0; i < prog->nfuncs; i++) {
		funcdef *f = &prog->funcs[i];
		cg.fn = f;
		cg.nlocals = 0;
		cg.next_slot = 0;
		cg.max_slot = 0;
		for (int k = 0; k < f->nparams; k++)
			declare_local(&cg, f->params[k], f->line);
		bc->func_entry[i] = bc->n;
		gen_stmt(&cg, f->body);
		emit(bc, OP_RET0, 0, 0, 0);
		f->nslots = cg.max_slot;
		bc->func_nslots[i] = cg.max_slot;
		bc->func_nparams[i] = f->nparams;
	}
	names_free(&cg.funcs);
	names_free(&cg.globals);
	names_free(&cg.builtin_names);
}

/* ======================================================================
 * Peephole optimizer
 * ====================================================================== */

typedef struct {
	int fused, threaded, removed;
} peep_stats;

static int is_jump(int op)
{
	return op == OP_JMP || op == OP_JZ || op == OP_JNZ || op == OP_JCMPLK ||
	       op == OP_JCMPLL;
}

/* The jump target of insn i (its a, or b for the compare jumps). */
static int *jump_target(insn *i)
{
	return i->op == OP_JCMPLK || i->op == OP_JCMPLL ? &i->b : &i->a;
}

/* The next non-NOP instruction after i, or n. */
static int next_real(const insn *c, int n, int i)
{
	int j = i + 1;
	while (j < n && c[j].op == OP_NOP)
		j++;
	return j;
}

static void peephole(bytecode *bc, peep_stats *st)
{
	insn *c = bc->code;
	int n = bc->n;
	/* Instructions that are jump targets must not be fused away. */
	uint8_t *target = xcalloc((size_t)n + 1, 1);
	for (int i = 0; i < n; i++)
		if (is_jump(c[i].op))
			target[*jump_target(&c[i])] = 1;
	for (int i = 0; i < bc->nfuncs; i++)
		target[bc->func_entry[i]] = 1;
	target[bc->entry] = 1;

#define NEXT(i) next_real(c, n, i)
	for (int i = 0; i < n; i++) {
		if (c[i].op == OP_NOP)
			continue;
		int i1 = NEXT(i), i2 = i1 < n ? NEXT(i1) : n, i3 = i2 < n ? NEXT(i2) : n;
		int free1 = i1 < n && !target[i1], free2 = free1 && i2 < n && !target[i2];
		int free3 = free2 && i3 < n && !target[i3];
		/* loadl a; const k; add; storel a  ->  incl a k */
		if (free3 && c[i].op == OP_LOADL && c[i1].op == OP_CONST &&
		    (c[i2].op == OP_ADD || c[i2].op == OP_SUB) &&
		    c[i3].op == OP_STOREL && c[i3].a == c[i].a) {
			int64_t k = c[i2].op == OP_ADD ? c[i1].k : (int64_t)(0 - (uint64_t)c[i1].k);
			c[i].op = OP_INCL;
			c[i].k = k;
			c[i1].op = c[i2].op = c[i3].op = OP_NOP;
			st->fused++;
			continue;
		}
		/* loadl a; const k; cmp; jz t  ->  jcmplk a k cmp t */
		if (free3 && c[i].op == OP_LOADL && c[i1].op == OP_CONST &&
		    is_cmp_op(c[i2].op) && c[i3].op == OP_JZ) {
			c[i].op = OP_JCMPLK;
			c[i].c = c[i2].op;
			c[i].k = c[i1].k;
			c[i].b = c[i3].a;
			c[i1].op = c[i2].op = c[i3].op = OP_NOP;
			st->fused++;
			continue;
		}
		/* loadl a; loadl b; cmp; jz t  ->  jcmpll a b cmp t */
		if (free3 && c[i].op == OP_LOADL && c[i1].op == OP_LOADL &&
		    is_cmp_op(c[i2].op) && c[i3].op == OP_JZ) {
			c[i].op = OP_JCMPLL;
			c[i].c = c[i2].op;
			c[i].k = c[i1].a;
			c[i].b = c[i3].a;
			c[i1].op = c[i2].op = c[i3].op = OP_NOP;
			st->fused++;
			continue;
		}
		/* loadl a; loadl b; index  ->  indexl a b */
		if (free2 && c[i].op == OP_LOADL && c[i1].op == OP_LOADL &&
		    c[i2].op == OP_INDEX) {
			c[i].op = OP_INDEXL;
			c[i].b = c[i1].a;
			c[i1].op = c[i2].op = OP_NOP;
			st->fused++;
			continue;
		}
		/* loadl a; const k; add  ->  addlk a k */
		if (free2 && c[i].op == OP_LOADL && c[i1].op == OP_CONST &&
		    c[i2].op == OP_ADD) {
			c[i].op = OP_ADDLK;
			c[i].k = c[i1].k;
			c[i1].op = c[i2].op = OP_NOP;
			st->fused++;
			continue;
		}
		/* const k; jz/jnz t  ->  jmp t or nothing */
		if (free1 && c[i].op == OP_CONST && (c[i1].op == OP_JZ || c[i1].op == OP_JNZ)) {
			int taken = (c[i1].op == OP_JZ) == (c[i].k == 0);
			c[i].op = taken ? OP_JMP : OP_NOP;
			c[i].a = c[i1].a;
			c[i1].op = OP_NOP;
			st->removed++;
			continue;
		}
		/* not; jz t  ->  jnz t (and the reverse) */
		if (free1 && c[i].op == OP_NOT && (c[i1].op == OP_JZ || c[i1].op == OP_JNZ)) {
			c[i].op = c[i1].op == OP_JZ ? OP_JNZ : OP_JZ;
			c[i].a = c[i1].a;
			c[i1].op = OP_NOP;
			st->removed++;
			continue;
		}
		/* loadl a; loadl b  ->  loadl2 a b */
		if (free1 && c[i].op == OP_LOADL && c[i1].op == OP_LOADL) {
			c[i].op = OP_LOADL2;
			c[i].b = c[i1].a;
			c[i1].op = OP_NOP;
			st->fused++;
			continue;
		}
	}
#undef NEXT

	/* Jump threading: a jump to an unconditional jump goes to its target;
	 * a jump to the next real instruction disappears. */
	for (int i = 0; i < n; i++) {
		if (!is_jump(c[i].op))
			continue;
		int *t = jump_target(&c[i]);
		for (int hops = 0; hops < 8; hops++) {
			int j = *t;
			while (j < n && c[j].op == OP_NOP)
				j++;
			if (j < n && c[j].op == OP_JMP && c[j].a != *t) {
				*t = c[j].a;
				st->threaded++;
			} else {
				*t = j;
				break;
			}
		}
		if (c[i].op == OP_JMP) {
			int j = i + 1;
			while (j < n && c[j].op == OP_NOP)
				j++;
			if (j == c[i].a) {
				c[i].op = OP_NOP;
				st->removed++;
			}
		}
	}

	/* Compaction: drop NOPs and renumber targets and entries. */
	int *map = xmalloc(sizeof(int) * ((size_t)n + 1));
	int m = 0;
	for (int i = 0; i < n; i++) {
		map[i] = m;
		if (c[i].op != OP_NOP)
			m++;
	}
	map[n] = m;
	for (int i = 0; i < n; i++) {
		if (c[i].op == OP_NOP)
			continue;
		if (is_jump(c[i].op))
			*jump_target(&c[i]) = map[*jump_target(&c[i])];
		c[map[i]] = c[i];
	}
	for (int i = 0; i < bc->nfuncs; i++)
		bc->func_entry[i] = map[bc->func_entry[i]];
	bc->entry = map[bc->entry];
	bc->n = m;
	free(map);
	free(target);
}

/* A disassembly hash: exercises the opcode table and pins the optimizer's
 * output in the checksum. */
static uint64_t disasm_hash(const bytecode *bc)
{
	sbuf b = { 0 };
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < bc->n; i++) {
		const insn *in = &bc->code[i];
		b.len = 0;
		sb_printf(&b, "%5d %-8s %d %d %d %lld\n", i, op_names[in->op], in->a,
			  in->b, in->c, (long long)in->k);
		h = hash_bytes(b.p, b.len, h);
	}
	free(b.p);
	return h;
}

/* ======================================================================
 * Runtime: values, heap objects, garbage collector
 * ====================================================================== */

typedef enum { O_ARRAY, O_STRING } obj_kind;

typedef struct obj obj;

typedef struct {
	obj *ref;      /* NULL for integers */
	int64_t i;
} value;

struct obj {
	obj *next;     /* all objects, for the sweep */
	uint8_t kind, marked;
	uint32_t len, cap;
	union {
		value *items;
		char *bytes;
	} u;
};

typedef struct {
	int ret_pc, base, func;
} frame;

#define STACK_VALUES (1 << 16)
#define MAX_FRAMES 4000

typedef struct {
	const bytecode *bc;
	value *stack;
	value *sp;           /* valid when the collector may run */
	value *globals;
	frame *frames;
	int nframes;
	obj *objects;
	size_t live_bytes, next_gc;
	uint64_t collections, allocated, freed;
	uint64_t checksum;   /* folded by emit() */
	uint64_t steps;
	obj **mark_stack;
	size_t mark_cap;
} vm;

/* The collector's accounting: a fixed model of an object's size rather
 * than sizeof, so that collections happen at the same points on 32- and
 * 64-bit targets and the checksum does not depend on the target. */
static size_t obj_bytes(const obj *o)
{
	return 32 + (o->kind == O_ARRAY ? 16 : 1) * (size_t)o->cap;
}

static void mark_value(vm *m, value v, size_t *top)
{
	if (!v.ref || v.ref->marked)
		return;
	v.ref->marked = 1;
	if (v.ref->kind != O_ARRAY)
		return;
	if (*top == m->mark_cap) {
		m->mark_cap = m->mark_cap ? m->mark_cap * 2 : 1024;
		m->mark_stack = xrealloc(m->mark_stack, sizeof(obj *) * m->mark_cap);
	}
	m->mark_stack[(*top)++] = v.ref;
}

static void collect(vm *m)
{
	size_t top = 0;
	for (value *p = m->stack; p < m->sp; p++)
		mark_value(m, *p, &top);
	for (int i = 0; i < m->bc->nglobals; i++)
		mark_value(m, m->globals[i], &top);
	while (top) {
		obj *o = m->mark_stack[--top];
		for (uint32_t i = 0; i < o->len; i++)
			mark_value(m, o->u.items[i], &top);
	}
	obj **link = &m->objects;
	while (*link) {
		obj *o = *link;
		if (o->marked) {
			o->marked = 0;
			link = &o->next;
			continue;
		}
		*link = o->next;
		m->live_bytes -= obj_bytes(o);
		m->freed++;
		free(o->u.items);
		free(o);
	}
	m->collections++;
	m->next_gc = m->live_bytes * 2 > (1u << 20) ? m->live_bytes * 2 : (1u << 20);
}

static obj *new_obj(vm *m, obj_kind kind, uint32_t len)
{
	if (m->live_bytes > m->next_gc)
		collect(m);
	obj *o = xmalloc(sizeof *o);
	o->kind = (uint8_t)kind;
	o->marked = 0;
	o->len = len;
	o->cap = len ? len : 4;
	if (kind == O_ARRAY)
		o->u.items = xcalloc(o->cap, sizeof(value));
	else
		o->u.bytes = xcalloc(o->cap + 1, 1);
	o->next = m->objects;
	m->objects = o;
	m->live_bytes += obj_bytes(o);
	m->allocated++;
	return o;
}

static obj *new_string(vm *m, const char *s, size_t n)
{
	obj *o = new_obj(m, O_STRING, (uint32_t)n);
	memcpy(o->u.bytes, s, n);
	return o;
}

static void array_push(vm *m, obj *a, value v)
{
	if (a->len == a->cap) {
		m->live_bytes -= obj_bytes(a);
		a->cap *= 2;
		a->u.items = xrealloc(a->u.items, sizeof(value) * a->cap);
		m->live_bytes += obj_bytes(a);
	}
	a->u.items[a->len++] = v;
}

static value vint(int64_t i)
{
	value v = { NULL, i };
	return v;
}

static value vref(obj *o)
{
	value v = { o, 0 };
	return v;
}

static int64_t want_int(value v, const char *what)
{
	if (v.ref)
		fatal("%s: expected an integer", what);
	return v.i;
}

static int values_equal(value a, value b)
{
	if (!a.ref || !b.ref)
		return !a.ref && !b.ref && a.i == b.i;
	if (a.ref == b.ref)
		return 1;
	if (a.ref->kind == O_STRING && b.ref->kind == O_STRING)
		return a.ref->len == b.ref->len &&
		       memcmp(a.ref->u.bytes, b.ref->u.bytes, a.ref->len) == 0;
	return 0;
}

static uint64_t value_hash(value v)
{
	if (!v.ref)
		return mix64((uint64_t)v.i);
	if (v.ref->kind == O_STRING)
		return hash_bytes(v.ref->u.bytes, v.ref->len, 1469598103934665603ull);
	uint64_t h = v.ref->len;
	for (uint32_t i = 0; i < v.ref->len; i++)
		h = h * 31 + value_hash(v.ref->u.items[i]);
	return h;
}

static value call_builtin(vm *m, int b, value *args)
{
	switch (b) {
	case B_LEN:
		if (!args[0].ref)
			fatal("len of an integer");
		return vint(args[0].ref->len);
	case B_ARRAY: {
		int64_t n = want_int(args[0], "array");
		if (n < 0 || n > (1 << 24))
			fatal("array: bad size %lld", (long long)n);
		obj *o = new_obj(m, O_ARRAY, (uint32_t)n);
		for (int64_t i = 0; i < n; i++)
			o->u.items[i] = args[1];
		return vref(o);
	}
	case B_PUSH:
		if (!args[0].ref || args[0].ref->kind != O_ARRAY)
			fatal("push: not an array");
		array_push(m, args[0].ref, args[1]);
		return args[0];
	case B_POP:
		if (!args[0].ref || args[0].ref->kind != O_ARRAY || !args[0].ref->len)
			fatal("pop: empty or not an array");
		return args[0].ref->u.items[--args[0].ref->len];
	case B_STR: {
		char tmp[32];
		int n = snprintf(tmp, sizeof tmp, "%lld", (long long)want_int(args[0], "str"));
		return vref(new_string(m, tmp, (size_t)n));
	}
	case B_CONCAT: {
		if (!args[0].ref || !args[1].ref || args[0].ref->kind != O_STRING ||
		    args[1].ref->kind != O_STRING)
			fatal("concat: not strings");
		uint32_t la = args[0].ref->len, lb = args[1].ref->len;
		/* The collector may run in new_obj: both inputs are still on
		 * the VM stack, so they stay alive. */
		obj *o = new_obj(m, O_STRING, la + lb);
		memcpy(o->u.bytes, args[0].ref->u.bytes, la);
		memcpy(o->u.bytes + la, args[1].ref->u.bytes, lb);
		return vref(o);
	}
	case B_HASH:
		return vint((int64_t)(value_hash(args[0]) >> 1));
	case B_EMIT:
		m->checksum = (m->checksum ^ value_hash(args[0])) * 1099511628211ull;
		return vint(0);
	case B_MIN: {
		int64_t a = want_int(args[0], "min"), b2 = want_int(args[1], "min");
		return vint(a < b2 ? a : b2);
	}
	case B_MAX: {
		int64_t a = want_int(args[0], "max"), b2 = want_int(args[1], "max");
		return vint(a > b2 ? a : b2);
	}
	case B_ABS: {
		int64_t a = want_int(args[0], "abs");
		return vint(a < 0 ? (int64_t)(0 - (uint64_t)a) : a);
	}
	case B_SUBSTR: {
		if (!args[0].ref || args[0].ref->kind != O_STRING)
			fatal("substr: not a string");
		int64_t from = want_int(args[1], "substr"), n = want_int(args[2], "substr");
		int64_t len = args[0].ref->len;
		if (from < 0)
			from = 0;
		if (from > len)
			from = len;
		if (n < 0)
			n = 0;
		if (n > len - from)
			n = len - from;
		obj *o = new_obj(m, O_STRING, (uint32_t)n);
		memcpy(o->u.bytes, args[0].ref->u.bytes + from, (size_t)n);
		return vref(o);
	}
	}
	fatal("unknown builtin %d", b);
	return vint(0);
}

static value index_get(value a, value i)
{
	if (!a.ref)
		fatal("indexing an integer");
	int64_t k = want_int(i, "index");
	if (k < 0 || k >= a.ref->len)
		fatal("index %lld out of range 0..%u", (long long)k, a.ref->len);
	if (a.ref->kind == O_ARRAY)
		return a.ref->u.items[k];
	return vint((uint8_t)a.ref->u.bytes[k]);
}

static void index_set(value a, value i, value v)
{
	if (!a.ref)
		fatal("indexing an integer");
	int64_t k = want_int(i, "index");
	if (k < 0 || k >= a.ref->len)
		fatal("index %lld out of range 0..%u", (long long)k, a.ref->len);
	if (a.ref->kind == O_ARRAY)
		a.ref->u.items[k] = v;
	else
		a.ref->u.bytes[k] = (char)want_int(v, "string store");
}

static int truthy(value v)
{
	return v.ref != NULL || v.i != 0;
}

static int compare(int op, value a, value b)
{
	if (op == OP_EQ)
		return values_equal(a, b);
	if (op == OP_NE)
		return !values_equal(a, b);
	int64_t x = want_int(a, "compare"), y = want_int(b, "compare"), r;
	arith(op_to_opk(op), x, y, &r);
	return (int)r;
}

static void vm_init(vm *m, const bytecode *bc)
{
	memset(m, 0, sizeof *m);
	m->bc = bc;
	m->stack = xcalloc(STACK_VALUES, sizeof(value));
	m->globals = xcalloc((size_t)(bc->nglobals ? bc->nglobals : 1), sizeof(value));
	m->frames = xcalloc(MAX_FRAMES, sizeof(frame));
	m->next_gc = 1u << 20;
	m->checksum = 1469598103934665603ull;
}

static void vm_free(vm *m)
{
	while (m->objects) {
		obj *o = m->objects;
		m->objects = o->next;
		free(o->u.items);
		free(o);
	}
	free(m->stack);
	free(m->globals);
	free(m->frames);
	free(m->mark_stack);
}

static void vm_run(vm *m)
{
	const bytecode *bc = m->bc;
	const insn *code = bc->code;
	value *sp = m->stack, *base = m->stack;
	value *limit = m->stack + STACK_VALUES - 1024;
	int pc = bc->entry;
	uint64_t steps = 0;
	m->nframes = 0;
	for (;;) {
		const insn *in = &code[pc++];
		value a, b;
		int64_t r;
		steps++;
		switch ((opcode)in->op) {
		case OP_NOP:
			break;
		case OP_CONST:
			*sp++ = vint(in->k);
			break;
		case OP_STR:
			m->sp = sp;
			*sp = vref(new_string(m, bc->strings[in->a], bc->string_lens[in->a]));
			sp++;
			break;
		case OP_LOADL:
			*sp++ = base[in->a];
			break;
		case OP_STOREL:
			base[in->a] = *--sp;
			break;
		case OP_LOADG:
			*sp++ = m->globals[in->a];
			break;
		case OP_STOREG:
			m->globals[in->a] = *--sp;
			break;
		case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
		case OP_SHL: case OP_SHR: case OP_BAND: case OP_BOR: case OP_BXOR:
			b = *--sp;
			a = sp[-1];
			if (a.ref || b.ref)
				fatal("arithmetic on a reference (%s)", op_names[in->op]);
			if (!arith(op_to_opk(in->op), a.i, b.i, &r))
				fatal("division by zero");
			sp[-1] = vint(r);
			break;
		case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
			b = *--sp;
			sp[-1] = vint(compare(in->op, sp[-1], b));
			break;
		case OP_NEG:
			sp[-1] = vint((int64_t)(0 - (uint64_t)want_int(sp[-1], "neg")));
			break;
		case OP_NOT:
			sp[-1] = vint(!truthy(sp[-1]));
			break;
		case OP_BNOT:
			sp[-1] = vint(~want_int(sp[-1], "bnot"));
			break;
		case OP_JMP:
			pc = in->a;
			break;
		case OP_JZ:
			if (!truthy(*--sp))
				pc = in->a;
			break;
		case OP_JNZ:
			if (truthy(*--sp))
				pc = in->a;
			break;
		case OP_CALL: {
			int f = in->a;
			if (m->nframes == MAX_FRAMES || sp >= limit)
				fatal("stack overflow");
			frame *fr = &m->frames[m->nframes++];
			fr->ret_pc = pc;
			fr->base = (int)(base - m->stack);
			fr->func = f;
			base = sp - in->b;
			int nslots = bc->func_nslots[f];
			for (value *p = base + in->b; p < base + nslots; p++)
				*p = vint(0);
			sp = base + nslots;
			pc = bc->func_entry[f];
			break;
		}
		case OP_CALLB: {
			m->sp = sp;
			value v = call_builtin(m, in->a, sp - in->b);
			sp -= in->b;
			*sp++ = v;
			break;
		}
		case OP_RET:
		case OP_RET0: {
			value v = in->op == OP_RET ? sp[-1] : vint(0);
			frame *fr = &m->frames[--m->nframes];
			sp = base;
			*sp++ = v;
			base = m->stack + fr->base;
			pc = fr->ret_pc;
			break;
		}
		case OP_INDEX:
			b = *--sp;
			sp[-1] = index_get(sp[-1], b);
			break;
		case OP_SETINDEX: {
			value v = *--sp;
			b = *--sp;
			a = *--sp;
			index_set(a, b, v);
			break;
		}
		case OP_NEWARR: {
			m->sp = sp;
			obj *o = new_obj(m, O_ARRAY, (uint32_t)in->a);
			sp -= in->a;
			memcpy(o->u.items, sp, sizeof(value) * (size_t)in->a);
			*sp++ = vref(o);
			break;
		}
		case OP_POP:
			sp--;
			break;
		case OP_DUP2:
			sp[0] = sp[-2];
			sp[1] = sp[-1];
			sp += 2;
			break;
		case OP_HALT:
			m->steps += steps;
			m->sp = sp;
			return;
		case OP_INCL:
			base[in->a] = vint((int64_t)((uint64_t)want_int(base[in->a], "+=") +
						     (uint64_t)in->k));
			break;
		case OP_ADDLK:
			*sp++ = vint((int64_t)((uint64_t)want_int(base[in->a], "+") +
					       (uint64_t)in->k));
			break;
		case OP_LOADL2:
			sp[0] = base[in->a];
			sp[1] = base[in->b];
			sp += 2;
			break;
		case OP_JCMPLK:
			if (!compare(in->c, base[in->a], vint(in->k)))
				pc = in->b;
			break;
		case OP_JCMPLL:
			if (!compare(in->c, base[in->a], base[in->k]))
				pc = in->b;
			break;
		case OP_INDEXL:
			*sp++ = index_get(base[in->a], base[in->b]);
			break;
		default:
			fatal("bad opcode %d", in->op);
		}
	}
}

/* ======================================================================
 * Programs written in the toy language
 * ====================================================================== */

static const char toy_library[] =
	"// Shared library: sorting, hashing, strings, a hash map.\n"
	"var seed = 12345;\n"
	"var primes_found = 0;\n"
	"fn rand() {\n"
	"  seed = (seed * 1103515245 + 12345) & 0x7fffffff;\n"
	"  return seed >> 4;\n"
	"}\n"
	"fn fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }\n"
	"fn gcd(a, b) { while (b != 0) { var t = a % b; a = b; b = t; } return a; }\n"
	"fn sieve(n) {\n"
	"  var comp = array(n + 1, 0);\n"
	"  var count = 0;\n"
	"  for (var i = 2; i <= n; i += 1) {\n"
	"    if (comp[i]) continue;\n"
	"    count += 1;\n"
	"    for (var j = i * i; j <= n; j += i) comp[j] = 1;\n"
	"  }\n"
	"  primes_found = count;\n"
	"  return count;\n"
	"}\n"
	"fn swap(a, i, j) { var t = a[i]; a[i] = a[j]; a[j] = t; }\n"
	"fn quicksort(a, lo, hi) {\n"
	"  while (lo < hi) {\n"
	"    var p = a[(lo + hi) / 2];\n"
	"    var i = lo; var j = hi;\n"
	"    while (i <= j) {\n"
	"      while (a[i] < p) i += 1;\n"
	"      while (a[j] > p) j -= 1;\n"
	"      if (i <= j) { swap(a, i, j); i += 1; j -= 1; }\n"
	"    }\n"
	"    if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }\n"
	"    else { quicksort(a, i, hi); hi = j; }\n"
	"  }\n"
	"}\n"
	"fn is_sorted(a) {\n"
	"  for (var i = 1; i < len(a); i += 1) if (a[i - 1] > a[i]) return 0;\n"
	"  return 1;\n"
	"}\n"
	"fn checksum(a) {\n"
	"  var h = 0;\n"
	"  for (var i = 0; i < len(a); i += 1) h = (h * 31 + a[i]) & 0xffffffffffff;\n"
	"  return h;\n"
	"}\n"
	"fn queens(n, row, cols, d1, d2) {\n"
	"  if (row == n) return 1;\n"
	"  var count = 0;\n"
	"  for (var c = 0; c < n; c += 1) {\n"
	"    var bit = 1 << c;\n"
	"    if ((cols & bit) || (d1 & (bit << row)) || (d2 & (bit << (n - row)))) continue;\n"
	"    count += queens(n, row + 1, cols | bit, d1 | (bit << row), d2 | (bit << (n - row)));\n"
	"  }\n"
	"  return count;\n"
	"}\n"
	"// Hash map: parallel arrays, open addressing, keys are strings or ints.\n"
	"fn map_new(cap) { return [array(cap, 0), array(cap, 0), array(cap, 0), 0]; }\n"
	"fn map_slot(m, key) {\n"
	"  var keys = m[0]; var used = m[2];\n"
	"  var mask = len(keys) - 1;\n"
	"  var i = hash(key) & mask;\n"
	"  while (used[i] && keys[i] != key) i = (i + 1) & mask;\n"
	"  return i;\n"
	"}\n"
	"fn map_grow(m) {\n"
	"  var old_keys = m[0]; var old_vals = m[1]; var old_used = m[2];\n"
	"  var cap = len(old_keys) * 2;\n"
	"  m[0] = array(cap, 0); m[1] = array(cap, 0); m[2] = array(cap, 0); m[3] = 0;\n"
	"  for (var i = 0; i < len(old_keys); i += 1)\n"
	"    if (old_used[i]) map_put(m, old_keys[i], old_vals[i]);\n"
	"}\n"
	"fn map_put(m, key, v) {\n"
	"  if ((m[3] + 1) * 4 > len(m[0]) * 3) map_grow(m);\n"
	"  var i = map_slot(m, key);\n"
	"  if (!m[2][i]) { m[2][i] = 1; m[0][i] = key; m[3] += 1; }\n"
	"  m[1][i] = v;\n"
	"}\n"
	"fn map_get(m, key, dflt) {\n"
	"  var i = map_slot(m, key);\n"
	"  if (m[2][i]) return m[1][i];\n"
	"  return dflt;\n"
	"}\n"
	"fn word(n) {\n"
	"  var s = \"\";\n"
	"  var syll = [\"ka\", \"lo\", \"mi\", \"nu\", \"pe\", \"ra\", \"so\", \"tu\"];\n"
	"  while (n > 0) { s = concat(s, syll[n & 7]); n = n >> 3; }\n"
	"  return s;\n"
	"}\n"
	"fn reverse(s) {\n"
	"  var r = substr(s, 0, len(s));\n"
	"  for (var i = 0; i < len(s); i += 1) r[i] = s[len(s) - 1 - i];\n"
	"  return r;\n"
	"}\n"
	"// A little stack machine written in the toy language: programs are\n"
	"// arrays of [op, arg] pairs.\n"
	"fn run_machine(prog, input) {\n"
	"  var stack = array(64, 0); var sp = 0; var pc = 0; var acc = input;\n"
	"  var steps = 0;\n"
	"  while (pc < len(prog)) {\n"
	"    var op = prog[pc]; var arg = prog[pc + 1];\n"
	"    pc += 2; steps += 1;\n"
	"    if (op == 0) { stack[sp] = arg; sp += 1; }\n"
	"    else if (op == 1) { sp -= 1; stack[sp - 1] = stack[sp - 1] + stack[sp]; }\n"
	"    else if (op == 2) { sp -= 1; stack[sp - 1] = stack[sp - 1] * stack[sp]; }\n"
	"    else if (op == 3) { stack[sp] = acc; sp += 1; }\n"
	"    else if (op == 4) { sp -= 1; acc = stack[sp]; }\n"
	"    else if (op == 5) { acc -= 1; if (acc > 0) pc = arg; }\n"
	"    else if (op == 6) { sp -= 1; stack[sp - 1] = stack[sp - 1] % (stack[sp] | 1); }\n"
	"    else { return -1; }\n"
	"  }\n"
	"  return acc * 1000 + steps + stack[0];\n"
	"}\n";

static const char toy_main[] =
	"fn main() {\n"
	"  emit(fib(22));\n"
	"  emit(sieve(60000));\n"
	"  var g = 0;\n"
	"  for (var i = 1; i < 3000; i += 1) g += gcd(i * 7919, 104729 + i);\n"
	"  emit(g);\n"
	"  for (var round = 0; round < 3; round += 1) {\n"
	"    var a = array(20000, 0);\n"
	"    for (var i = 0; i < len(a); i += 1) a[i] = rand() % 100000;\n"
	"    quicksort(a, 0, len(a) - 1);\n"
	"    if (!is_sorted(a)) emit(\"unsorted\");\n"
	"    emit(checksum(a));\n"
	"  }\n"
	"  emit(queens(7, 0, 0, 0, 0));\n"
	"  var m = map_new(16);\n"
	"  for (var i = 0; i < 6000; i += 1) {\n"
	"    var w = word(rand() % 4000 + 1);\n"
	"    map_put(m, w, map_get(m, w, 0) + 1);\n"
	"    map_put(m, i * 7, i);\n"
	"  }\n"
	"  emit(m[3]);\n"
	"  var total = 0;\n"
	"  for (var i = 1; i < 4000; i += 1) total += map_get(m, word(i), 0) * i;\n"
	"  emit(total);\n"
	"  var s = \"\";\n"
	"  for (var i = 0; i < 300; i += 1) s = concat(s, str(i % 17));\n"
	"  emit(s);\n"
	"  emit(reverse(s));\n"
	"  var prog = [0, 0, 3, 0, 0, 3, 2, 0, 0, 7, 1, 0, 0, 1000, 6, 0, 1, 0, 5, 2];\n"
	"  var msum = 0;\n"
	"  for (var i = 1; i < 200; i += 1) msum += run_machine(prog, i);\n"
	"  emit(msum);\n"
	"  emit(primes_found);\n"
	"}\n";

/* ======================================================================
 * Random program generator
 * ====================================================================== */

typedef struct {
	uint64_t state;
	sbuf out;
	int nfuncs;
	const char *vars[16];
	int nvars;
	int depth;
	int loop_depth;
	int tmp_counter;
} generator;

static uint32_t gen_rand(generator *g, uint32_t n)
{
	g->state = g->state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(g->state >> 33) % n;
}

static void gen_emit_expr(generator *g, int depth)
{
	sbuf *b = &g->out;
	uint32_t k = depth <= 0 ? gen_rand(g, 3) : gen_rand(g, 12);
	switch (k) {
	case 0:
		sb_printf(b, "%u", gen_rand(g, 1000));
		break;
	case 1:
	case 2:
		sb_puts(b, g->vars[gen_rand(g, (uint32_t)g->nvars)]);
		break;
	case 3:
	case 4:
	case 5:
	case 6: {
		static const char *const ops[] = { "+", "-", "*", "^", "&", "|", "<<", ">>",
			"<", "==", "!=", ">=", "&&", "||" };
		uint32_t op = gen_rand(g, 14);
		sb_putc(b, '(');
		gen_emit_expr(g, depth - 1);
		sb_printf(b, " %s ", ops[op]);
		if (op == 6 || op == 7) {
			sb_printf(b, "%u", gen_rand(g, 13));
		} else {
			gen_emit_expr(g, depth - 1);
		}
		sb_putc(b, ')');
		break;
	}
	case 7:
		/* Division and modulo by a value made odd, so never zero. */
		sb_putc(b, '(');
		gen_emit_expr(g, depth - 1);
		sb_puts(b, gen_rand(g, 2) ? " / (" : " % (");
		gen_emit_expr(g, depth - 1);
		sb_puts(b, " | 1))");
		break;
	case 8:
		sb_puts(b, gen_rand(g, 2) ? "-" : "~");
		sb_putc(b, '(');
		gen_emit_expr(g, depth - 1);
		sb_putc(b, ')');
		break;
	case 9: {
		static const char *const fns[] = { "min", "max" };
		sb_printf(b, "%s(", fns[gen_rand(g, 2)]);
		gen_emit_expr(g, depth - 1);
		sb_puts(b, ", ");
		gen_emit_expr(g, depth - 1);
		sb_putc(b, ')');
		break;
	}
	case 10:
		sb_puts(b, "t[(");
		gen_emit_expr(g, depth - 1);
		sb_puts(b, ") & 7]");
		break;
	default:
		/* Constant subexpressions give the folder work. */
	{
		/* One call per statement: argument evaluation order is
		 * unspecified, and gcc and clang differ. */
		uint32_t x = gen_rand(g, 50);
		uint32_t y = gen_rand(g, 50);
		uint32_t z = gen_rand(g, 9);
		sb_printf(b, "(%u * %u + %u)", x, y, z);
		break;
	}
	}
}

static void gen_emit_stmts(generator *g, int n, int indent, int fn_index, int *calls);

static void gen_emit_stmt(generator *g, int indent, int fn_index, int *calls)
{
	sbuf *b = &g->out;
	sb_indent(b, indent);
	uint32_t k = gen_rand(g, 10);
	if (g->depth >= 3 && k >= 5)
		k = gen_rand(g, 5);
	switch (k) {
	case 0:
	case 1:
	case 2: {
		const char *v = g->vars[3 + gen_rand(g, (uint32_t)(g->nvars - 3))];
		static const char *const aops[] = { "=", "+=", "-=", "*=" };
		sb_printf(b, "%s %s ", v, aops[gen_rand(g, 4)]);
		gen_emit_expr(g, 3);
		sb_puts(b, ";\n");
		break;
	}
	case 3:
		sb_puts(b, "t[(");
		gen_emit_expr(g, 2);
		sb_puts(b, ") & 7] = ");
		gen_emit_expr(g, 3);
		sb_puts(b, ";\n");
		break;
	case 4:
		if (*calls == 0 && fn_index > 0 && g->loop_depth == 0) {
			/* At most one call per function, outside loops, to an
			 * earlier function: the run time stays polynomial. */
			int callee = fn_index - 1 - (int)gen_rand(g, (uint32_t)(fn_index < 6 ? fn_index : 6));
			++*calls;
			const char *v = g->vars[3 + gen_rand(g, (uint32_t)(g->nvars - 3))];
			sb_printf(b, "%s = f%d(", v, callee);
			gen_emit_expr(g, 2);
			sb_puts(b, ", ");
			gen_emit_expr(g, 2);
			sb_puts(b, ", ");
			gen_emit_expr(g, 1);
			sb_puts(b, ");\n");
		} else {
			sb_puts(b, "emit(");
			gen_emit_expr(g, 2);
			sb_puts(b, ");\n");
		}
		break;
	case 5:
	case 6:
		sb_puts(b, "if (");
		gen_emit_expr(g, 2);
		sb_puts(b, ") {\n");
		g->depth++;
		gen_emit_stmts(g, 1 + (int)gen_rand(g, 3), indent + 1, fn_index, calls);
		sb_indent(b, indent);
		if (gen_rand(g, 2)) {
			sb_puts(b, "} else {\n");
			gen_emit_stmts(g, 1 + (int)gen_rand(g, 2), indent + 1, fn_index, calls);
			sb_indent(b, indent);
		}
		g->depth--;
		sb_puts(b, "}\n");
		break;
	case 7:
	case 8: {
		/* A counted loop with a small trip count. */
		int id = g->tmp_counter++;
		sb_printf(b, "for (var i%d = 0; i%d < (", id, id);
		gen_emit_expr(g, 1);
		sb_printf(b, ") %% 9 + 4; i%d += 1) {\n", id);
		g->depth++;
		g->loop_depth++;
		gen_emit_stmts(g, 2 + (int)gen_rand(g, 3), indent + 1, fn_index, calls);
		if (gen_rand(g, 4) == 0) {
			sb_indent(b, indent + 1);
			sb_puts(b, "if (");
			gen_emit_expr(g, 1);
			sb_puts(b, gen_rand(g, 2) ? ") break;\n" : ") continue;\n");
		}
		g->loop_depth--;
		g->depth--;
		sb_indent(b, indent);
		sb_puts(b, "}\n");
		break;
	}
	default: {
		/* while loop with an explicit counter. */
		int id = g->tmp_counter++;
		sb_printf(b, "var w%d = 0;\n", id);
		sb_indent(b, indent);
		sb_printf(b, "while (w%d < %u) {\n", id, 3 + gen_rand(g, 6));
		g->depth++;
		g->loop_depth++;
		sb_indent(b, indent + 1);
		sb_printf(b, "w%d += 1;\n", id);
		gen_emit_stmts(g, 1 + (int)gen_rand(g, 3), indent + 1, fn_index, calls);
		g->loop_depth--;
		g->depth--;
		sb_indent(b, indent);
		sb_puts(b, "}\n");
		break;
	}
	}
}

static void gen_emit_stmts(generator *g, int n, int indent, int fn_index, int *calls)
{
	for (int i = 0; i < n; i++)
		gen_emit_stmt(g, indent, fn_index, calls);
}

/* Writes a program of nfuncs functions f0..f{n-1}(a, b, c) and a main that
 * calls each of them `rounds` times. */
static void generate_program(generator *g, uint64_t seed, int nfuncs, int rounds)
{
	static const char *const base_vars[] = { "a", "b", "c", "x", "y", "z" };
	memset(g, 0, sizeof *g);
	g->state = seed;
	sb_puts(&g->out, "// generated\nvar calls = 0;\n");
	for (int f = 0; f < nfuncs; f++) {
		int calls = 0;
		g->nvars = 6;
		for (int i = 0; i < 6; i++)
			g->vars[i] = base_vars[i];
		sb_printf(&g->out, "fn f%d(a, b, c) {\n", f);
		sb_puts(&g->out, "  var x = a + 1; var y = b ^ c; var z = 7;\n");
		sb_puts(&g->out, "  var t = array(8, 0);\n  calls += 1;\n");
		gen_emit_stmts(g, 4 + (int)gen_rand(g, 5), 1, f, &calls);
		sb_puts(&g->out, "  return (x + y * 3 + z * 5 + t[0] + t[7]) & 0xffffffffff;\n}\n");
	}
	sb_puts(&g->out, "fn main() {\n  var acc = 0;\n");
	sb_printf(&g->out, "  for (var r = 0; r < %d; r += 1) {\n", rounds);
	for (int f = 0; f < nfuncs; f++)
		sb_printf(&g->out, "    acc = (acc * 31 + f%d(r, %d, acc & 1023)) & 0xffffffffffff;\n",
			  f, f * 17 + 3);
	sb_puts(&g->out, "  }\n  emit(acc);\n  emit(calls);\n}\n");
}

/* ======================================================================
 * Driver
 * ====================================================================== */

typedef struct {
	uint64_t sum;
	uint64_t insns, steps, collections, nodes, tokens;
} totals;

static void fold_in(totals *t, uint64_t v)
{
	t->sum = (t->sum ^ v) * 1099511628211ull + 0x9e3779b97f4a7c15ull;
}

/* Parse, fold, print/reparse check, compile, optimize, run. */
static void compile_and_run(const char *src, totals *t)
{
	program p1, p2;
	fold_stats fs = { 0, 0 };
	parse_program(&p1, src);
	fold_program(&p1, &fs);
	sbuf text1 = { 0 }, text2 = { 0 };
	print_program(&text1, &p1);
	parse_program(&p2, text1.p);
	fold_stats fs2 = { 0, 0 };
	fold_program(&p2, &fs2);
	print_program(&text2, &p2);
	if (text1.len != text2.len || memcmp(text1.p, text2.p, text1.len) != 0)
		fatal("pretty printer round trip differs");
	fold_in(t, hash_bytes(text1.p, text1.len, 1469598103934665603ull));
	fold_in(t, (uint64_t)fs.folded * 1000 + (uint64_t)fs.branches);
	t->nodes += (uint64_t)p1.nodes;

	bytecode bc;
	peep_stats ps = { 0, 0, 0 };
	codegen_program(&p2, &bc);
	int before = bc.n;
	peephole(&bc, &ps);
	fold_in(t, (uint64_t)before * 100000 + (uint64_t)bc.n);
	fold_in(t, disasm_hash(&bc));
	t->insns += (uint64_t)bc.n;

	vm m;
	vm_init(&m, &bc);
	vm_run(&m);
	fold_in(t, m.checksum);
	fold_in(t, m.allocated - m.freed);
	t->steps += m.steps;
	t->collections += m.collections;
	vm_free(&m);

	bytecode_free(&bc);
	free(text1.p);
	free(text2.p);
	program_free(&p1);
	program_free(&p2);
}

int main(void)
{
	totals t;
	memset(&t, 0, sizeof t);
	t.sum = 1469598103934665603ull;

	/* The hand-written programs. */
	sbuf src = { 0 };
	sb_puts(&src, toy_library);
	sb_puts(&src, toy_main);
	compile_and_run(src.p, &t);
	free(src.p);

	/* Generated programs: many small compilations, then a few big ones
	 * that run longer. */
	for (int i = 0; i < 40; i++) {
		generator g;
		generate_program(&g, 1000 + (uint64_t)i, 30 + i % 7, 2);
		compile_and_run(g.out.p, &t);
		free(g.out.p);
	}
	for (int i = 0; i < 2; i++) {
		generator g;
		generate_program(&g, 77 + (uint64_t)i, 250, 2);
		compile_and_run(g.out.p, &t);
		free(g.out.p);
	}
	printf("toyc %llu %llu %llu\n", (unsigned long long)t.sum,
	       (unsigned long long)t.insns, (unsigned long long)t.steps);
	return 0;
}
