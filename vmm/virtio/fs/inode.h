/* The FUSE server's inode table: each node the guest knows (by nodeid) is
 * an O_PATH file descriptor inside the export, with the guest's lookup
 * count.  A file reached twice (hard links, lookups from two parents) is
 * one node, found by device and inode number.  Node ids are slot numbers
 * plus a generation, so a forgotten id never names a new node. */
#ifndef VRUN_VMM_VIRTIO_FS_INODE_H
#define VRUN_VMM_VIRTIO_FS_INODE_H

#include <stdint.h>
#include <sys/types.h>

struct fs_node {
	uint64_t id;
	int fd; /* O_PATH | O_NOFOLLOW */
	dev_t dev;
	ino_t ino;
	mode_t type; /* S_IFMT bits: a node never changes type */
	uint64_t lookups;
	struct fs_node *hash_next;
};

struct fs_inode_table {
	struct fs_node **slots; /* by slot number; NULL when free */
	uint32_t *generation;	/* per slot, bumped when a slot is freed */
	uint32_t nr_slots, nr_used;
	uint32_t *free_slots;
	uint32_t nr_free;
	struct fs_node **buckets; /* by dev/ino */
	uint32_t nr_buckets;
};

void fs_inodes_init(struct fs_inode_table *t);
void fs_inodes_release(struct fs_inode_table *t);

struct fs_node *fs_inode_get(struct fs_inode_table *t, uint64_t id);
struct fs_node *fs_inode_find(struct fs_inode_table *t, dev_t dev, ino_t ino);
/* Adds a node owning `fd` with one lookup. */
struct fs_node *fs_inode_add(struct fs_inode_table *t, int fd, dev_t dev, ino_t ino, mode_t type);
/* Drops `count` lookups; the node goes (and its fd closes) at zero.  The
 * root (id 1) is never dropped. */
void fs_inode_forget(struct fs_inode_table *t, uint64_t id, uint64_t count);

#endif
