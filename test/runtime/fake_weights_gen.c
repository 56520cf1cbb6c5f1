/* fake_weights_gen.c - writes safetensors files for the fake model (and
 * broken variants for the error-path tests).
 *
 *   fake_weights_gen OUT [good|missing|misshaped|wrongdtype|truncated|
 *                         garbage|badjson|unaligned|empty]
 *
 * embed[v][j] = 10 * v + j, bias[j] = 0.5 * j. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_u64(FILE *f, unsigned long long v) {
  for (int i = 0; i < 8; ++i)
    fputc((int)((v >> (8 * i)) & 0xFF), f);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s OUT [variant]\n", argv[0]);
    return 2;
  }
  const char *variant = argc > 2 ? argv[2] : "good";
  FILE *f = fopen(argv[1], "wb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  if (!strcmp(variant, "garbage")) {
    fputs("this is not a safetensors file at all\n", f);
    return fclose(f) != 0;
  }
  if (!strcmp(variant, "empty"))
    return fclose(f) != 0;

  float embed[16 * 4], bias[5];
  for (int v = 0; v < 16; ++v)
    for (int j = 0; j < 4; ++j)
      embed[v * 4 + j] = 10.0f * v + j;
  for (int j = 0; j < 5; ++j)
    bias[j] = 0.5f * j;
  int bias_elems = !strcmp(variant, "misshaped") ? 5 : 4;
  const char *bias_dtype = !strcmp(variant, "wrongdtype") ? "I32" : "F32";
  size_t eb = sizeof embed, bb = bias_elems * sizeof(float);

  char header[1024];
  if (!strcmp(variant, "missing"))
    snprintf(header, sizeof header,
             "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"a \\\"quoted\\\" "
             "\\u00e9 value\"},"
             "\"embed\":{\"dtype\":\"F32\",\"shape\":[16,4],"
             "\"data_offsets\":[0,%zu]}}",
             eb);
  else if (!strcmp(variant, "badjson"))
    snprintf(header, sizeof header,
             "{\"embed\":{\"dtype\":\"F32\",\"shape\":[16,4],"
             "\"data_offsets\":[0,%zu]},,}",
             eb);
  else
    snprintf(header, sizeof header,
             "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"a \\\"quoted\\\" "
             "\\u00e9 value\"},"
             "\"embed\":{\"dtype\":\"F32\",\"shape\":[16,4],"
             "\"data_offsets\":[0,%zu]},"
             "\"bias\":{\"dtype\":\"%s\",\"shape\":[%d],"
             "\"data_offsets\":[%zu,%zu]},"
             "\"unused_extra\":{\"dtype\":\"F16\",\"shape\":[2],"
             "\"data_offsets\":[%zu,%zu]}}",
             eb, bias_dtype, bias_elems, eb, eb + bb, eb + bb, eb + bb + 4);
  size_t n = strlen(header);
  /* Pad to 8 bytes (data aligned), or to 8k+2 for the unaligned variant. */
  size_t target = (n + 7) / 8 * 8;
  if (!strcmp(variant, "unaligned"))
    target = (n + 7) / 8 * 8 + 2;
  while (n < target)
    header[n++] = ' ';
  header[n] = '\0';
  write_u64(f, n);
  fwrite(header, 1, n, f);
  fwrite(embed, 1, eb, f);
  if (strcmp(variant, "missing") != 0) {
    fwrite(bias, 1, bb, f);
    unsigned char f16[4] = {0, 0x3c, 0, 0x40};
    fwrite(f16, 1, 4, f);
  }
  long size = ftell(f);
  if (fclose(f) != 0)
    return 1;
  if (!strcmp(variant, "truncated")) {
    /* Keep the header, lose most of the data. */
    FILE *g = fopen(argv[1], "r+b");
    if (!g)
      return 1;
    fclose(g);
    if (truncate(argv[1], size - 100) != 0) {
      perror("truncate");
      return 1;
    }
  }
  return 0;
}
