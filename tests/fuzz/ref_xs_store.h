/* SPDX-License-Identifier: MIT */
/* The reference XenStore for fuzz_xs_store (see ref_xs_store.c). */
#ifndef XENNET_REF_XS_STORE_H
#define XENNET_REF_XS_STORE_H
#include <stdbool.h>
#include <stdint.h>

struct ref_store;
struct ref_store *ref_store_new(void);
void ref_store_free(struct ref_store *s);
/* One store for every input of a fuzz run: ref_store_reset() makes s what
 * ref_store_new() makes (no transaction, no listener) but for the memory it
 * can keep; ref_store_clear() frees what s holds but that memory, and s is
 * of no use until the next ref_store_reset().  (An input that leaves memory
 * allocated is run again by libFuzzer, to look for a leak.) */
void ref_store_reset(struct ref_store *s);
void ref_store_clear(struct ref_store *s);
int ref_store_read(struct ref_store *s, uint32_t tx, const char *path, char **val, unsigned int *len);
int ref_store_write(struct ref_store *s, uint32_t tx, const char *path, const char *val, unsigned int len);
int ref_store_mkdir(struct ref_store *s, uint32_t tx, const char *path);
int ref_store_rm(struct ref_store *s, uint32_t tx, const char *path);
int ref_store_directory(struct ref_store *s, uint32_t tx, const char *path, char ***names, unsigned int *num);
int ref_store_tx_start(struct ref_store *s, uint32_t *tx);
int ref_store_tx_end(struct ref_store *s, uint32_t tx, bool commit);
typedef void (*ref_store_listener_fn)(void *ctx, const char *path);
int ref_store_add_listener(struct ref_store *s, ref_store_listener_fn fn, void *ctx);
void ref_store_fail_next_commits(struct ref_store *s, unsigned int n);
void ref_store_walk(struct ref_store *s, void (*fn)(void *ctx, const char *path, const char *val, unsigned int len), void *ctx);
bool ref_store_valid_path(const char *path);

#endif
