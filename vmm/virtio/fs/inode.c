/* Inode table: slots for ids, a chained hash for dev/ino. */
#include "vmm/virtio/fs/inode.h"

#include <stdlib.h>
#include <unistd.h>

#include "common/xalloc.h"

#define ROOT_ID 1

/* An id is (generation << 32) | (slot + 1); slot 0 is the root, id 1. */
static uint64_t make_id(uint32_t slot, uint32_t generation)
{
	return ((uint64_t)generation << 32) | (uint64_t)(slot + 1);
}

static uint32_t hash(const struct fs_inode_table *t, dev_t dev, ino_t ino)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;
	return (uint32_t)(h >> 32) & (t->nr_buckets - 1);
}

void fs_inodes_init(struct fs_inode_table *t)
{
	*t = (struct fs_inode_table){0};
	t->nr_buckets = 1024;
	t->buckets = xcalloc(t->nr_buckets, sizeof(*t->buckets));
}

void fs_inodes_release(struct fs_inode_table *t)
{
	for (uint32_t i = 0; i < t->nr_slots; i++) {
		if (t->slots[i] != NULL) {
			close(t->slots[i]->fd);
			free(t->slots[i]);
		}
	}
	free(t->slots);
	free(t->generation);
	free(t->free_slots);
	free(t->buckets);
	*t = (struct fs_inode_table){0};
}

struct fs_node *fs_inode_get(struct fs_inode_table *t, uint64_t id)
{
	uint64_t low = id & 0xffffffffu;
	if (low == 0 || low > t->nr_slots)
		return NULL;
	struct fs_node *n = t->slots[low - 1];
	return n != NULL && n->id == id ? n : NULL;
}

struct fs_node *fs_inode_find(struct fs_inode_table *t, dev_t dev, ino_t ino)
{
	for (struct fs_node *n = t->buckets[hash(t, dev, ino)]; n != NULL; n = n->hash_next)
		if (n->dev == dev && n->ino == ino)
			return n;
	return NULL;
}

static void rehash(struct fs_inode_table *t)
{
	uint32_t old = t->nr_buckets;
	struct fs_node **buckets = t->buckets;
	t->nr_buckets *= 2;
	t->buckets = xcalloc(t->nr_buckets, sizeof(*t->buckets));
	for (uint32_t i = 0; i < old; i++) {
		for (struct fs_node *n = buckets[i], *next; n != NULL; n = next) {
			next = n->hash_next;
			uint32_t b = hash(t, n->dev, n->ino);
			n->hash_next = t->buckets[b];
			t->buckets[b] = n;
		}
	}
	free(buckets);
}

static uint32_t take_slot(struct fs_inode_table *t)
{
	if (t->nr_free > 0)
		return t->free_slots[--t->nr_free];
	uint32_t slot = t->nr_slots++;
	t->slots = xrealloc(t->slots, t->nr_slots * sizeof(*t->slots));
	t->generation = xrealloc(t->generation, t->nr_slots * sizeof(*t->generation));
	t->free_slots = xrealloc(t->free_slots, t->nr_slots * sizeof(*t->free_slots));
	t->generation[slot] = 0;
	return slot;
}

struct fs_node *fs_inode_add(struct fs_inode_table *t, int fd, dev_t dev, ino_t ino, mode_t type)
{
	if (t->nr_used >= t->nr_buckets)
		rehash(t);
	uint32_t slot = take_slot(t);
	struct fs_node *n = xcalloc(1, sizeof(*n));
	*n = (struct fs_node){make_id(slot, t->generation[slot]), fd, dev, ino, type, 1, NULL};
	t->slots[slot] = n;
	uint32_t b = hash(t, dev, ino);
	n->hash_next = t->buckets[b];
	t->buckets[b] = n;
	t->nr_used++;
	return n;
}

static void unhash(struct fs_inode_table *t, struct fs_node *n)
{
	for (struct fs_node **p = &t->buckets[hash(t, n->dev, n->ino)]; *p != NULL;
	     p = &(*p)->hash_next) {
		if (*p == n) {
			*p = n->hash_next;
			return;
		}
	}
}

void fs_inode_forget(struct fs_inode_table *t, uint64_t id, uint64_t count)
{
	struct fs_node *n = fs_inode_get(t, id);
	if (n == NULL || id == ROOT_ID)
		return;
	n->lookups = count >= n->lookups ? 0 : n->lookups - count;
	if (n->lookups > 0)
		return;
	uint32_t slot = (uint32_t)(id & 0xffffffffu) - 1;
	unhash(t, n);
	close(n->fd);
	free(n);
	t->slots[slot] = NULL;
	t->generation[slot]++;
	t->free_slots[t->nr_free++] = slot;
	t->nr_used--;
}
