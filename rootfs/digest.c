/* sha256 through libcrypto's EVP interface. */
#include "rootfs/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

bool digest_valid(const char *text)
{
	if (strncmp(text, "sha256:", 7) != 0 || strlen(text) != DIGEST_TEXT_LEN)
		return false;
	for (const char *p = text + 7; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

void digester_init(struct digester *d)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		abort();
	d->ctx = ctx;
	d->size = 0;
}

void digester_update(struct digester *d, const void *data, size_t len)
{
	if (EVP_DigestUpdate(d->ctx, data, len) != 1)
		abort();
	d->size += len;
}

void digester_final(struct digester *d, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (EVP_DigestFinal_ex(d->ctx, md, &len) != 1 || len != DIGEST_HEX_LEN / 2)
		abort();
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < len; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	digester_discard(d);
}

void digester_discard(struct digester *d)
{
	EVP_MD_CTX_free(d->ctx);
	d->ctx = NULL;
}

void digest_of(const void *data, size_t len, char *out)
{
	struct digester d;
	digester_init(&d);
	digester_update(&d, data, len);
	digester_final(&d, out);
}
