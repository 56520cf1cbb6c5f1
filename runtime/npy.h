/*===- npy.h - .npy tensor files for the modelc runtime ------------------===*
 *
 * Part of libmodelrt (C API, errors through mrt_last_error()).
 *
 *===----------------------------------------------------------------------===*/
#ifndef MODELRT_NPY_H
#define MODELRT_NPY_H

#include "modelrt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- .npy files -------------------------------------------------------------
 * Reads version 1/2/3 headers, little-endian '<f4' and '<i4' ('<i8' is
 * converted to int32 when every value fits), C order only. The data is
 * allocated (64-byte aligned) and released with mrt_tensor_release. */
MRT_API mrt_status mrt_npy_load(const char *path, mrt_tensor *out);
/* Writes '<f4' or '<i4' (by t->dtype), version 1 header. */
MRT_API mrt_status mrt_npy_save(const char *path, const mrt_tensor *t);
#ifdef __cplusplus
}
#endif

#endif /* MODELRT_NPY_H */
