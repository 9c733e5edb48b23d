/* libFuzzer target: a hostile image layer (rootfs/layer.c).  The input is
 * the tar stream; it is applied to a fresh root each time.  Nothing may
 * crash, leak or read out of bounds, and nothing beside the root may
 * change (fuzz_tree.h): a path with `..`, an absolute one, a symlink or a
 * hardlink that led out would show there. */
#include "tests/fuzz/fuzz_tree.h"

#include <archive.h>
#include <stdint.h>

#include "rootfs/layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct fuzz_tree tree;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_tree_init(&tree);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layer_target t;
	struct error *err = NULL;
	fuzz_tree_reset(&tree);
	int root = open(tree.work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		abort();
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_filter_none(a);
	if (archive_read_open_memory(a, data, size) == ARCHIVE_OK) {
		layer_target_init(&t, root);
		layer_apply(&t, a, &err);
		error_release(&err);
		layer_target_release(&t);
	}
	archive_read_free(a);
	close(root);
	fuzz_tree_check(&tree);
	return 0;
}
