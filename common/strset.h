/* A set of strings (open addressing, grows as it fills): membership in
 * O(1), memory in proportion to what was added. */
#ifndef VRUN_COMMON_STRSET_H
#define VRUN_COMMON_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct strset {
	char **slots;
	size_t cap, len;
};

/* Adds a copy of s; false when it was there already. */
bool strset_add(struct strset *set, const char *s);
bool strset_has(const struct strset *set, const char *s);
/* Empties the set and frees what it holds. */
void strset_clear(struct strset *set);

#endif
