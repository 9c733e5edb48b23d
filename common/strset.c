/* FNV-1a hashing, linear probing, at most half full. */
#include "common/strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static size_t find(char *const *slots, size_t cap, const char *s)
{
	size_t i = (size_t)hash(s) & (cap - 1);
	while (slots[i] != NULL && strcmp(slots[i], s) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static void grow(struct strset *set)
{
	size_t cap = set->cap == 0 ? 64 : set->cap * 2;
	char **slots = xcalloc(cap, sizeof(char *));
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i] != NULL)
			slots[find(slots, cap, set->slots[i])] = set->slots[i];
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
}

bool strset_add(struct strset *set, const char *s)
{
	if ((set->len + 1) * 2 > set->cap)
		grow(set);
	size_t i = find(set->slots, set->cap, s);
	if (set->slots[i] != NULL)
		return false;
	set->slots[i] = xstrdup(s);
	set->len++;
	return true;
}

bool strset_has(const struct strset *set, const char *s)
{
	return set->cap > 0 && set->slots[find(set->slots, set->cap, s)] != NULL;
}

void strset_clear(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	*set = (struct strset){0};
}
