/* Picking an image, checking what describes it, unpacking it. */
#include "rootfs/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>

#include "common/cleanup.h"
#include "common/etc_users.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "oci-spec/default_config.h"
#include "rootfs/layer.h"

#define DOCUMENT_MAX (4u << 20) /* index.json, manifests, configs */
#define READ_CHUNK   (256u << 10)

/* SRC, SRC:REF or SRC@sha256:...: the leftmost prefix that exists is the
 * source (a path may hold ':'), the rest names the image. */
static int parse_spec(const char *spec, char **path, char **ref, struct error **err)
{
	struct stat st;
	*ref = NULL;
	if (stat(spec, &st) == 0) {
		*path = xstrdup(spec);
		return 0;
	}
	for (const char *p = spec; *p != '\0'; p++) {
		if (*p != ':' && *p != '@')
			continue;
		char *prefix = xstrndup(spec, (size_t)(p - spec));
		if (stat(prefix, &st) == 0 && p[1] != '\0') {
			*path = prefix;
			*ref = xstrdup(p + 1);
			return 0;
		}
		free(prefix);
	}
	return error_set(err, ENOENT, "image %s", spec);
}

static const char *runtime_arch(void)
{
	static struct utsname u;
	if (uname(&u) < 0)
		return "amd64";
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return u.machine;
}

static void blob_name(const char *digest, char *out, size_t size)
{
	snprintf(out, size, "blobs/sha256/%s", digest + 7);
}

/* A document blob, read whole and checked against its descriptor. */
static int read_blob(const struct image_source *src, const struct image_descriptor *d, char **text,
		     struct error **err)
{
	char name[128], got[DIGEST_TEXT_LEN + 1];
	size_t len;
	if (!digest_valid(d->digest))
		return error_set_kind(err, EINVAL, "image %s: `%s` is not a sha256 digest",
				      src->path, d->digest);
	blob_name(d->digest, name, sizeof(name));
	struct error *e = NULL;
	if (image_source_read(src, name, DOCUMENT_MAX, text, &len, &e) < 0) {
		bool missing = e->errnum == ENOENT;
		error_release(&e);
		return missing ? error_set_kind(err, ENOENT, "image %s: blob %s is missing",
						src->path, d->digest)
			       : error_set_kind(err, EIO,
						"image %s: blob %s: unreadable or over %u bytes",
						src->path, d->digest, DOCUMENT_MAX);
	}
	digest_of(*text, len, got);
	if ((int64_t)len != d->size || strcmp(got, d->digest) != 0) {
		free(*text);
		*text = NULL;
		if ((int64_t)len != d->size)
			return error_set_kind(
				err, EINVAL,
				"image %s: blob %s has %zu bytes, its descriptor says %lld",
				src->path, d->digest, len, (long long)d->size);
		return error_set_kind(
			err, EINVAL,
			"image %s: blob %s does not match its digest (its content hashes "
			"to %s)",
			src->path, d->digest, got);
	}
	return 0;
}

static bool is_index(const char *media_type)
{
	return media_type != NULL && (strcmp(media_type, MEDIA_OCI_INDEX) == 0 ||
				      strcmp(media_type, MEDIA_DOCKER_LIST) == 0);
}

/* Whether `ref` names descriptor `d`: its digest, or its ref.name (a tag
 * alone matches "name:tag" too). */
static bool ref_matches(const struct image_descriptor *d, const char *ref)
{
	if (strncmp(ref, "sha256:", 7) == 0)
		return strcmp(d->digest, ref) == 0;
	for (size_t i = 0; i < d->annotations.len; i++) {
		const struct oci_strmap_entry *a = &d->annotations.items[i];
		if (strcmp(a->key, ANNOTATION_REF_NAME) != 0)
			continue;
		size_t n = strlen(a->value), r = strlen(ref);
		if (strcmp(a->value, ref) == 0 ||
		    (n > r && a->value[n - r - 1] == ':' && strcmp(a->value + n - r, ref) == 0))
			return true;
	}
	return false;
}

static void list_refs(const struct image_index *index, char *out, size_t size)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < index->manifests.len; i++) {
		const struct image_descriptor *d = &index->manifests.items[i];
		const char *name = d->digest;
		for (size_t j = 0; j < d->annotations.len; j++)
			if (strcmp(d->annotations.items[j].key, ANNOTATION_REF_NAME) == 0)
				name = d->annotations.items[j].value;
		int n = snprintf(out + len, size - len, "%s%s", i ? ", " : "", name);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
}

/* The manifest descriptor `ref` names in index.json (any, when the
 * layout holds one), through an image index to this machine's platform. */
static int pick_manifest(const struct image_source *src, const char *ref,
			 struct image_descriptor *out, char **manifest_text, struct error **err)
{
	cleanup_free char *text = NULL;
	struct image_index index = {0};
	if (image_source_read(src, "index.json", DOCUMENT_MAX, &text, NULL, err) < 0)
		return -1;
	if (image_index_parse(text, &index, err) < 0)
		return error_wrap(err, "image %s: index.json", src->path);
	const struct image_descriptor *pick = NULL;
	size_t matches = 0;
	for (size_t i = 0; i < index.manifests.len; i++) {
		if (ref == NULL || ref_matches(&index.manifests.items[i], ref)) {
			pick = pick == NULL ? &index.manifests.items[i] : pick;
			matches++;
		}
	}
	if (matches != 1) {
		char names[1024];
		list_refs(&index, names, sizeof(names));
		if (index.manifests.len == 0)
			error_set_kind(err, ENOENT, "image %s: index.json lists no images",
				       src->path);
		else if (ref == NULL)
			error_set_kind(
				err, ENOENT,
				"image %s: several images: name one with :TAG or @sha256:DIGEST "
				"(it has: %s)",
				src->path, names);
		else
			error_set_kind(err, ENOENT, "image %s: %s `%s` (it has: %s)", src->path,
				       matches == 0 ? "no image" : "more than one image named", ref,
				       names);
		image_index_release(&index);
		return -1;
	}
	struct image_descriptor chosen = *pick;
	int ret = read_blob(src, &chosen, manifest_text, err);
	/* An image index: the manifest for this machine. */
	if (ret == 0 && is_index(chosen.media_type)) {
		struct image_index sub = {0};
		const char *arch = runtime_arch();
		const struct image_descriptor *m = NULL;
		if (image_index_parse(*manifest_text, &sub, err) < 0) {
			ret = error_wrap(err, "image %s: index %s", src->path, chosen.digest);
		} else {
			for (size_t i = 0; i < sub.manifests.len && m == NULL; i++) {
				const struct image_platform *p = sub.manifests.items[i].platform;
				if (p == NULL ||
				    (p->os != NULL && strcmp(p->os, "linux") == 0 &&
				     p->architecture != NULL && strcmp(p->architecture, arch) == 0))
					m = &sub.manifests.items[i];
			}
			free(*manifest_text);
			*manifest_text = NULL;
			ret = m == NULL ? error_set_kind(err, ENOENT,
							 "image %s: index %s has no linux/%s image",
							 src->path, chosen.digest, arch)
					: read_blob(src, m, manifest_text, err);
			if (ret == 0) {
				out->digest = xstrdup(m->digest);
				out->media_type = m->media_type ? xstrdup(m->media_type) : NULL;
				out->size = m->size;
			}
			image_index_release(&sub);
		}
		image_index_release(&index);
		return ret;
	}
	if (ret == 0) {
		out->digest = xstrdup(chosen.digest);
		out->media_type = chosen.media_type ? xstrdup(chosen.media_type) : NULL;
		out->size = chosen.size;
	}
	image_index_release(&index);
	return ret;
}

static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	NULL,
};

static int open_oci(struct image *img, const char *ref, struct error **err)
{
	struct image_descriptor chosen = {0};
	cleanup_free char *manifest_text = NULL, *config_text = NULL;
	struct image_manifest m = {0};
	if (pick_manifest(&img->src, ref, &chosen, &manifest_text, err) < 0)
		return -1;
	snprintf(img->id, sizeof(img->id), "%s", chosen.digest);
	free(chosen.digest);
	free(chosen.media_type);
	if (image_manifest_parse(manifest_text, &m, err) < 0)
		return error_wrap(err, "image %s: manifest %s", img->src.path, img->id);
	int ret = read_blob(&img->src, &m.config, &config_text, err);
	if (ret == 0 && image_config_parse(config_text, &img->config, err) < 0)
		ret = error_wrap(err, "image %s: config %s", img->src.path, m.config.digest);
	img->layers = xcalloc(m.layers.len + 1, sizeof(*img->layers));
	for (size_t i = 0; ret == 0 && i < m.layers.len; i++) {
		const struct image_descriptor *d = &m.layers.items[i];
		size_t t = 0;
		while (layer_types[t] != NULL &&
		       (d->media_type == NULL || strcmp(layer_types[t], d->media_type) != 0))
			t++;
		if (layer_types[t] == NULL) {
			ret = error_set_kind(
				err, EINVAL, "image %s: layer %s: unknown media type %s",
				img->src.path, d->digest, d->media_type ? d->media_type : "(none)");
			break;
		}
		if (!digest_valid(d->digest) || d->size < 0) {
			ret = error_set_kind(err, EINVAL, "image %s: layer %zu: bad digest `%s`",
					     img->src.path, i + 1, d->digest);
			break;
		}
		char name[128];
		blob_name(d->digest, name, sizeof(name));
		img->layers[i] = (struct image_layer){xstrdup(name), xstrdup(d->digest), d->size,
						      xstrdup(d->media_type)};
		img->nlayers = i + 1;
	}
	image_manifest_release(&m);
	return ret;
}

/* docker-archive: "<hex>.json" or "blobs/sha256/<hex>" name their digest. */
static bool digest_of_name(const char *name, char *out)
{
	const char *hex = strncmp(name, "blobs/sha256/", 13) == 0 ? name + 13 : name;
	char text[DIGEST_TEXT_LEN + 8];
	snprintf(text, sizeof(text), "sha256:%.*s", DIGEST_HEX_LEN, hex);
	const char *rest = hex + (strlen(hex) >= DIGEST_HEX_LEN ? DIGEST_HEX_LEN : strlen(hex));
	if (!digest_valid(text) || !(rest[0] == '\0' || strcmp(rest, ".json") == 0))
		return false;
	strcpy(out, text);
	return true;
}

static bool tag_matches(const struct oci_strings *tags, const char *ref)
{
	for (size_t i = 0; i < tags->len; i++) {
		size_t n = strlen(tags->items[i]), r = strlen(ref);
		if (strcmp(tags->items[i], ref) == 0 ||
		    (n > r && strchr(":/", tags->items[i][n - r - 1]) != NULL &&
		     strcmp(tags->items[i] + n - r, ref) == 0))
			return true;
	}
	return false;
}

static int open_docker(struct image *img, const char *ref, struct error **err)
{
	cleanup_free char *text = NULL, *config_text = NULL;
	docker_image_list images = {0};
	size_t len;
	if (image_source_read(&img->src, "manifest.json", DOCUMENT_MAX, &text, NULL, err) < 0)
		return -1;
	if (docker_manifest_parse(text, &images, err) < 0)
		return error_wrap(err, "image %s: manifest.json", img->src.path);
	const struct docker_image *pick = NULL;
	size_t matches = 0;
	char id[DIGEST_TEXT_LEN + 1];
	for (size_t i = 0; i < images.len; i++)
		if (ref == NULL ||
		    (strncmp(ref, "sha256:", 7) == 0
			     ? digest_of_name(images.items[i].config, id) && strcmp(id, ref) == 0
			     : tag_matches(&images.items[i].repo_tags, ref))) {
			pick = pick ? pick : &images.items[i];
			matches++;
		}
	int ret = 0;
	char got[DIGEST_TEXT_LEN + 1];
	if (matches != 1) {
		ret = error_set_kind(
			err, ENOENT,
			matches == 0 ? "image %s: no image %s in manifest.json"
				     : "image %s: several images: name one with :NAME:TAG%s",
			img->src.path, ref ? ref : "");
	} else if (!digest_of_name(pick->config, img->id)) {
		ret = error_set_kind(err, EINVAL,
				     "image %s: config `%s` is not named by its digest",
				     img->src.path, pick->config);
	} else if (image_source_read(&img->src, pick->config, DOCUMENT_MAX, &config_text, &len,
				     err) < 0) {
		ret = -1;
	} else if (digest_of(config_text, len, got), strcmp(got, img->id) != 0) {
		ret = error_set_kind(err, EINVAL,
				     "image %s: config %s does not match its digest (its content "
				     "hashes to %s)",
				     img->src.path, pick->config, got);
	} else if (image_config_parse(config_text, &img->config, err) < 0) {
		ret = error_wrap(err, "image %s: config %s", img->src.path, pick->config);
	} else if (img->config.rootfs.diff_ids.len != pick->layers.len) {
		ret = error_set_kind(
			err, EINVAL, "image %s: %zu layers, but its config lists %zu diff_ids",
			img->src.path, pick->layers.len, img->config.rootfs.diff_ids.len);
	}
	img->layers = xcalloc(ret == 0 ? pick->layers.len + 1 : 1, sizeof(*img->layers));
	/* docker save stores layers as plain tars: diff_id is their digest. */
	for (size_t i = 0; ret == 0 && i < pick->layers.len; i++) {
		const char *diff_id = img->config.rootfs.diff_ids.items[i];
		if (!digest_valid(diff_id)) {
			ret = error_set_kind(err, EINVAL, "image %s: diff_id `%s` is not a digest",
					     img->src.path, diff_id);
			break;
		}
		img->layers[i] = (struct image_layer){xstrdup(pick->layers.items[i]),
						      xstrdup(diff_id), -1, NULL};
		img->nlayers = i + 1;
	}
	docker_manifest_release(&images);
	return ret;
}

int image_open(const char *spec, struct image *img, struct error **err)
{
	cleanup_free char *path = NULL, *ref = NULL;
	*img = (struct image){.src.dirfd = -1};
	if (parse_spec(spec, &path, &ref, err) < 0 || image_source_open(path, &img->src, err) < 0)
		return -1;
	int ret = img->src.kind == IMAGE_DOCKER_ARCHIVE ? open_docker(img, ref, err)
							: open_oci(img, ref, err);
	if (ret < 0)
		image_close(img);
	return ret;
}

void image_close(struct image *img)
{
	for (size_t i = 0; i < img->nlayers; i++) {
		free(img->layers[i].name);
		free(img->layers[i].digest);
		free(img->layers[i].media_type);
	}
	free(img->layers);
	image_config_release(&img->config);
	image_source_close(&img->src);
	*img = (struct image){.src.dirfd = -1};
}

/* A layer as libarchive reads it: from the source, through the digest,
 * with a progress line. */
struct layer_reader {
	struct image_stream stream;
	struct digester digest;
	char *buf;
	bool progress;
	size_t index, count;
	const struct image_layer *layer;
	struct timespec shown;
};

static void show_progress(struct layer_reader *r, bool last)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms =
		(now.tv_sec - r->shown.tv_sec) * 1000 + (now.tv_nsec - r->shown.tv_nsec) / 1000000;
	if (!last && ms < 100)
		return;
	r->shown = now;
	double total = (double)(r->layer->size >= 0 ? r->layer->size : r->stream.size);
	fprintf(stderr, "\rlayer %zu/%zu %.19s  %.1f / %.1f MiB%s", r->index + 1, r->count,
		r->layer->digest, (double)r->digest.size / (1 << 20), total / (1 << 20),
		last ? "\n" : "");
}

static la_ssize_t layer_read(struct archive *a, void *opaque, const void **buf)
{
	struct layer_reader *r = opaque;
	ssize_t n = image_stream_read(&r->stream, r->buf, READ_CHUNK);
	if (n < 0) {
		archive_set_error(a, errno, "read layer: %s", strerror(errno));
		return -1;
	}
	digester_update(&r->digest, r->buf, (size_t)n);
	if (r->progress)
		show_progress(r, false);
	*buf = r->buf;
	return n;
}

static int unpack_layer(struct image *img, size_t i, struct layer_target *t, bool progress,
			struct error **err)
{
	const struct image_layer *l = &img->layers[i];
	struct layer_reader r = {
		.progress = progress, .index = i, .count = img->nlayers, .layer = l};
	char got[DIGEST_TEXT_LEN + 1];
	struct error *e = NULL;
	if (image_stream_open(&img->src, l->name, &r.stream, &e) < 0) {
		bool missing = e->errnum == ENOENT;
		error_release(&e);
		return missing ? error_set_kind(err, ENOENT, "image %s: layer %s is missing",
						img->src.path, l->digest)
			       : error_set_kind(err, EIO, "image %s: layer %s: unreadable",
						img->src.path, l->digest);
	}
	r.buf = xcalloc(1, READ_CHUNK);
	digester_init(&r.digest);
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	int ret = 0;
	if (archive_read_open(a, &r, NULL, layer_read, NULL) != ARCHIVE_OK)
		ret = error_set_kind(err, EINVAL, "not a tar stream: %s", archive_error_string(a));
	else
		ret = layer_apply(t, a, err);
	/* What libarchive left unread (end-of-archive blocks, padding) counts
	 * for the digest too; after a failure it tells a corrupt blob (the
	 * real cause) from a well-formed but hostile layer. */
	ssize_t n;
	while ((n = image_stream_read(&r.stream, r.buf, READ_CHUNK)) > 0)
		digester_update(&r.digest, r.buf, (size_t)n);
	archive_read_free(a);
	if (progress)
		show_progress(&r, true);
	uint64_t size = r.digest.size;
	digester_final(&r.digest, got);
	image_stream_close(&r.stream);
	free(r.buf);
	bool mismatch = strcmp(got, l->digest) != 0 || (l->size >= 0 && size != (uint64_t)l->size);
	if (ret < 0 && !mismatch)
		return error_wrap(err, "image %s: layer %s", img->src.path, l->digest);
	error_release(err);
	if (l->size >= 0 && size != (uint64_t)l->size)
		return error_set_kind(
			err, EINVAL, "image %s: layer %s has %llu bytes, its descriptor says %lld",
			img->src.path, l->digest, (unsigned long long)size, (long long)l->size);
	if (strcmp(got, l->digest) != 0)
		return error_set_kind(err, EINVAL,
				      "image %s: layer %s does not match its digest (its content "
				      "hashes to %s)",
				      img->src.path, l->digest, got);
	return 0;
}

int image_unpack_rootfs(struct image *img, int root, bool progress, struct error **err)
{
	struct layer_target t;
	layer_target_init(&t, root);
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < img->nlayers; i++)
		ret = unpack_layer(img, i, &t, progress, err);
	layer_target_release(&t);
	return ret;
}
