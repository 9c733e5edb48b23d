/* libFuzzer target: config.json text from the fuzzer through the parser and
 * validator.  Whatever parses must write out and parse back to the same
 * text; nothing may crash, leak or read out of bounds (ASan, UBSan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-spec/config.h"
#include "runtime/statedir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct oci_config *config)
{
	struct oci_config again;
	struct error *err = NULL;
	char *first = oci_config_to_json(config);
	if (oci_config_parse(first, strlen(first), "written", &again, &err) < 0)
		abort(); /* the writer produced something the parser refuses */
	char *second = oci_config_to_json(&again);
	if (strcmp(first, second) != 0)
		abort();
	free(first);
	free(second);
	oci_config_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct oci_config config;
	struct container_record record;
	struct error *err = NULL;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (oci_config_parse(text, size, "config.json", &config, &err) == 0) {
		check_round_trip(&config);
		oci_config_release(&config);
	}
	error_release(&err);
	if (container_record_parse(text, &record, &err) == 0)
		container_record_release(&record);
	error_release(&err);
	free(text);
	return 0;
}
