/* hashtab.c -- memory-heavy: an open-addressing hash table (linear
 * probing, backward-shift deletion, growth by rehash) with 64-bit keys, and
 * a chained table of generated string keys with malloc'ed nodes; many
 * inserts, lookups and deletes.  One checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- open addressing, uint64 -> uint64 ------------------------------- */

struct otab {
	uint64_t *keys, *vals; /* key 0 marks an empty slot */
	uint32_t cap, count;
};

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

static void otab_init(struct otab *t, uint32_t cap)
{
	t->cap = cap;
	t->count = 0;
	t->keys = calloc(cap, sizeof *t->keys);
	t->vals = calloc(cap, sizeof *t->vals);
	if (!t->keys || !t->vals)
		exit(2);
}

static void otab_put(struct otab *t, uint64_t k, uint64_t v);

static void otab_grow(struct otab *t)
{
	struct otab old = *t;
	otab_init(t, old.cap * 2);
	for (uint32_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			otab_put(t, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

static void otab_put(struct otab *t, uint64_t k, uint64_t v)
{
	if ((t->count + 1) * 4 > t->cap * 3)
		otab_grow(t);
	uint32_t mask = t->cap - 1, i = (uint32_t)mix(k) & mask;
	while (t->keys[i] && t->keys[i] != k)
		i = (i + 1) & mask;
	if (!t->keys[i])
		t->count++;
	t->keys[i] = k;
	t->vals[i] = v;
}

static uint64_t *otab_get(struct otab *t, uint64_t k)
{
	uint32_t mask = t->cap - 1, i = (uint32_t)mix(k) & mask;
	while (t->keys[i]) {
		if (t->keys[i] == k)
			return &t->vals[i];
		i = (i + 1) & mask;
	}
	return NULL;
}

static int otab_del(struct otab *t, uint64_t k)
{
	uint32_t mask = t->cap - 1, i = (uint32_t)mix(k) & mask;
	while (t->keys[i] && t->keys[i] != k)
		i = (i + 1) & mask;
	if (!t->keys[i])
		return 0;
	/* Backward-shift: pull later members of the cluster into the hole
	 * when their home slot does not lie between the hole and them. */
	uint32_t hole = i;
	for (uint32_t j = (i + 1) & mask; t->keys[j]; j = (j + 1) & mask) {
		uint32_t home = (uint32_t)mix(t->keys[j]) & mask;
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			t->keys[hole] = t->keys[j];
			t->vals[hole] = t->vals[j];
			hole = j;
		}
	}
	t->keys[hole] = 0;
	t->count--;
	return 1;
}

/* ---- chaining, string -> int ----------------------------------------- */

struct node {
	struct node *next;
	uint32_t hash;
	int value;
	char key[];
};

struct ctab {
	struct node **buckets;
	uint32_t nbuckets, count;
};

static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static struct node **ctab_find(struct ctab *t, const char *key, uint32_t h)
{
	struct node **p = &t->buckets[h & (t->nbuckets - 1)];
	while (*p && ((*p)->hash != h || strcmp((*p)->key, key) != 0))
		p = &(*p)->next;
	return p;
}

static void ctab_add(struct ctab *t, const char *key, int delta)
{
	uint32_t h = fnv(key);
	struct node **p = ctab_find(t, key, h);
	if (*p) {
		(*p)->value += delta;
		return;
	}
	size_t len = strlen(key);
	struct node *n = malloc(sizeof *n + len + 1);
	if (!n)
		exit(2);
	n->next = NULL;
	n->hash = h;
	n->value = delta;
	memcpy(n->key, key, len + 1);
	*p = n;
	if (++t->count > t->nbuckets) {
		uint32_t nb = t->nbuckets * 2;
		struct node **b = calloc(nb, sizeof *b);
		if (!b)
			exit(2);
		for (uint32_t i = 0; i < t->nbuckets; i++)
			for (struct node *q = t->buckets[i], *nx; q; q = nx) {
				nx = q->next;
				q->next = b[q->hash & (nb - 1)];
				b[q->hash & (nb - 1)] = q;
			}
		free(t->buckets);
		t->buckets = b;
		t->nbuckets = nb;
	}
}

static const char *syll[16] = {
	"ka", "lo", "mi", "nu", "pe", "ra", "si", "to",
	"an", "el", "in", "or", "ub", "qu", "ve", "zy",
};

int main(void)
{
	uint64_t sum = 0, x = 0x9e3779b97f4a7c15ull;
	struct otab t;
	otab_init(&t, 16);
	for (int round = 0; round < 4; round++) {
		for (uint32_t i = 0; i < 400000; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t k = (x >> 20) % 600000 + 1;
			uint64_t *v = otab_get(&t, k);
			if (v)
				*v += i;
			else
				otab_put(&t, k, i);
			if ((i & 3) == 0)
				sum += otab_del(&t, ((x >> 7) % 600000) + 1);
		}
		sum = sum * 31 + t.count;
		for (uint64_t k = 1; k <= 600000; k += 13) {
			uint64_t *v = otab_get(&t, k);
			sum = sum * 31 + (v ? *v : 7);
		}
	}

	struct ctab c = { calloc(8, sizeof(struct node *)), 8, 0 };
	char key[32];
	uint32_t s = 1;
	for (int i = 0; i < 300000; i++) {
		s = s * 1664525 + 1013904223;
		int len = 2 + (s >> 28) % 4, p = 0;
		uint32_t r = s;
		for (int k = 0; k < len; k++, r = r * 69069 + 1) {
			memcpy(key + p, syll[(r >> 24) & 15], 2);
			p += 2;
		}
		key[p] = 0;
		ctab_add(&c, key, (int)(s % 7) - 3);
	}
	uint64_t csum = 0;
	uint32_t longest = 0;
	for (uint32_t i = 0; i < c.nbuckets; i++) {
		uint32_t chain = 0;
		for (struct node *q = c.buckets[i]; q; q = q->next) {
			csum += (uint64_t)(q->value + 1000) * fnv(q->key);
			chain++;
		}
		if (chain > longest)
			longest = chain;
	}
	sum = sum * 31 + csum + c.count * 7 + longest;
	printf("hashtab %llu\n", (unsigned long long)sum);
	return 0;
}
