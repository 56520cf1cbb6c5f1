//===- npy.cpp - read and write .npy files
//---------------------------------===//
//
// NumPy's format: "\x93NUMPY", version (1.0: u16 header length; 2.0/3.0: u32),
// then a Python dict literal {'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), } padded with spaces to a multiple of 64 bytes, then data.
//
//===----------------------------------------------------------------------===//

#include "runtime/npy.h"
#include "runtime/Internal.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>

using namespace mrt;

namespace {

struct File {
  FILE *f = nullptr;
  ~File() {
    if (f)
      std::fclose(f);
  }
};

// Finds `'key':` in the header dict and returns the position after the colon.
bool findKey(const std::string &h, const char *key, size_t &pos) {
  std::string k1 = std::string("'") + key + "'";
  std::string k2 = std::string("\"") + key + "\"";
  size_t p = h.find(k1);
  if (p == std::string::npos)
    p = h.find(k2);
  if (p == std::string::npos)
    return false;
  p += k1.size();
  while (p < h.size() && h[p] == ' ')
    ++p;
  if (p >= h.size() || h[p] != ':')
    return false;
  ++p;
  while (p < h.size() && h[p] == ' ')
    ++p;
  pos = p;
  return true;
}

} // namespace

extern "C" mrt_status mrt_npy_load(const char *path, mrt_tensor *out) {
  clearError();
  if (!path || !out)
    return fail(MRT_INVALID_ARGUMENT, "mrt_npy_load: NULL argument");
  std::memset(out, 0, sizeof(*out));
  std::string p = path;
  auto bad = [&](const std::string &m) {
    return fail(MRT_BAD_FORMAT, "'" + p + "' is not a valid .npy file: " + m);
  };
  File file;
  file.f = std::fopen(path, "rb");
  if (!file.f) {
    int err = errno;
    return fail(MRT_IO_ERROR, "cannot open '" + p + "': " + std::strerror(err));
  }
  // A regular file's size bounds what its header may claim (nothing is
  // allocated for data that is not there); a pipe is read as it comes.
  struct stat st;
  bool sized = fstat(fileno(file.f), &st) == 0 && S_ISREG(st.st_mode);
  uint64_t fileSize = sized ? static_cast<uint64_t>(st.st_size) : 0;
  unsigned char pre[10];
  size_t got = std::fread(pre, 1, 8, file.f);
  if (got < 8 || std::memcmp(pre, "\x93NUMPY", 6) != 0)
    return bad("missing the \\x93NUMPY magic");
  int major = pre[6];
  uint32_t hlen = 0;
  if (major == 1) {
    if (std::fread(pre + 8, 1, 2, file.f) != 2)
      return bad("truncated header");
    hlen = pre[8] | (uint32_t(pre[9]) << 8);
  } else if (major == 2 || major == 3) {
    unsigned char l[4];
    if (std::fread(l, 1, 4, file.f) != 4)
      return bad("truncated header");
    hlen = l[0] | (uint32_t(l[1]) << 8) | (uint32_t(l[2]) << 16) |
           (uint32_t(l[3]) << 24);
  } else {
    return bad("unsupported format version " + std::to_string(major));
  }
  uint64_t headerEnd = (major == 1 ? 10 : 12) + uint64_t(hlen);
  if (hlen > (1u << 24))
    return bad("header too large");
  if (sized && headerEnd > fileSize)
    return bad("truncated header");
  std::string h(hlen, '\0');
  if (hlen && std::fread(&h[0], 1, hlen, file.f) != hlen)
    return bad("truncated header");

  // descr
  size_t pos;
  if (!findKey(h, "descr", pos) || pos >= h.size() ||
      (h[pos] != '\'' && h[pos] != '"'))
    return bad("header has no 'descr' string (structured dtypes are not "
               "supported)");
  char q = h[pos];
  size_t e = h.find(q, pos + 1);
  if (e == std::string::npos)
    return bad("unterminated 'descr'");
  std::string descr = h.substr(pos + 1, e - pos - 1);
  int32_t dtype;
  int itemsize;
  bool fromI64 = false;
  if (descr == "<f4") {
    dtype = MRT_F32;
    itemsize = 4;
  } else if (descr == "<i4") {
    dtype = MRT_I32;
    itemsize = 4;
  } else if (descr == "<i8") {
    dtype = MRT_I32;
    itemsize = 8;
    fromI64 = true;
  } else {
    std::string why = !descr.empty() && descr[0] == '>'
                          ? " (big-endian data is not supported)"
                          : "";
    return fail(MRT_DTYPE_MISMATCH,
                "'" + p + "' has dtype '" + descr + "'" + why +
                    "; supported: float32 '<f4', int32 '<i4' (int64 '<i8' is "
                    "converted to int32 when it fits)");
  }

  // fortran_order
  if (!findKey(h, "fortran_order", pos))
    return bad("header has no 'fortran_order'");
  if (h.compare(pos, 4, "True") == 0)
    return fail(MRT_BAD_FORMAT, "'" + p +
                                    "' is in Fortran order; only C order is "
                                    "supported (use numpy.ascontiguousarray)");
  if (h.compare(pos, 5, "False") != 0)
    return bad("bad 'fortran_order' value");

  // shape
  if (!findKey(h, "shape", pos) || pos >= h.size() || h[pos] != '(')
    return bad("header has no 'shape' tuple");
  size_t close = h.find(')', pos);
  if (close == std::string::npos)
    return bad("unterminated 'shape'");
  std::string tuple = h.substr(pos + 1, close - pos - 1);
  int32_t rank = 0;
  int64_t dims[MRT_MAX_RANK] = {0};
  int64_t elems = 1;
  size_t i = 0;
  while (true) {
    while (i < tuple.size() && (tuple[i] == ' ' || tuple[i] == ','))
      ++i;
    if (i >= tuple.size())
      break;
    if (tuple[i] < '0' || tuple[i] > '9')
      return bad("bad 'shape' tuple '(" + tuple + ")'");
    int64_t v = 0;
    while (i < tuple.size() && tuple[i] >= '0' && tuple[i] <= '9') {
      v = v * 10 + (tuple[i] - '0');
      if (v > (int64_t(1) << 40))
        return bad("dimension too large");
      ++i;
    }
    if (rank >= MRT_MAX_RANK)
      return bad("rank above " + std::to_string(MRT_MAX_RANK));
    dims[rank++] = v;
    if (v != 0 && elems > (int64_t(1) << 40) / v)
      return bad("too many elements");
    elems *= v;
  }

  size_t bytes = static_cast<size_t>(elems) * itemsize;
  auto truncated = [&] {
    return bad("data truncated: expected " + std::to_string(bytes) +
               " bytes for shape " + dimsString(dims, rank));
  };
  if (sized && bytes > fileSize - headerEnd)
    return truncated();
  void *data = alignedAlloc(bytes);
  if (!data)
    return fail(MRT_IO_ERROR, "out of memory reading '" + p + "'");
  if (bytes && std::fread(data, 1, bytes, file.f) != bytes) {
    alignedFree(data);
    return truncated();
  }
  if (fromI64) {
    // In place: int32 k (bytes 4k..4k+4) never overwrites an unread int64.
    unsigned char *raw = static_cast<unsigned char *>(data);
    for (int64_t k = 0; k < elems; ++k) {
      int64_t v;
      std::memcpy(&v, raw + 8 * k, 8);
      if (v < INT32_MIN || v > INT32_MAX) {
        alignedFree(data);
        return fail(MRT_DTYPE_MISMATCH,
                    "'" + p + "' is int64 and element " + std::to_string(k) +
                        " (" + std::to_string(v) + ") does not fit in int32");
      }
      int32_t narrow = static_cast<int32_t>(v);
      std::memcpy(raw + 4 * k, &narrow, 4);
    }
  }
  out->name = nullptr;
  out->dtype = dtype;
  out->rank = rank;
  for (int32_t k = 0; k < rank; ++k)
    out->dims[k] = dims[k];
  out->data = data;
  return MRT_OK;
}

extern "C" mrt_status mrt_npy_save(const char *path, const mrt_tensor *t) {
  clearError();
  if (!path || !t)
    return fail(MRT_INVALID_ARGUMENT, "mrt_npy_save: NULL argument");
  if (t->dtype != MRT_F32 && t->dtype != MRT_I32)
    return fail(MRT_DTYPE_MISMATCH, "mrt_npy_save: only f32 and i32");
  if (t->rank < 0 || t->rank > MRT_MAX_RANK)
    return fail(MRT_INVALID_ARGUMENT, "mrt_npy_save: bad rank");
  int64_t bytes64;
  if (!checkedBytes(t->dims, t->rank, 4, bytes64))
    return fail(MRT_INVALID_ARGUMENT,
                "mrt_npy_save: dims " + dimsString(t->dims, t->rank) +
                    " are negative or overflow int64 bytes");
  if (!t->data && bytes64 > 0)
    return fail(MRT_INVALID_ARGUMENT, "mrt_npy_save: the tensor has no data");
  std::string shape = "(";
  for (int32_t k = 0; k < t->rank; ++k) {
    shape += std::to_string(t->dims[k]);
    if (t->rank == 1 || k + 1 < t->rank)
      shape += ",";
    if (k + 1 < t->rank)
      shape += " ";
  }
  shape += ")";
  std::string h = std::string("{'descr': '") +
                  (t->dtype == MRT_F32 ? "<f4" : "<i4") +
                  "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + h.size() + 1;
  size_t padded = (total + 63) / 64 * 64;
  h.append(padded - total, ' ');
  h += '\n';
  if (h.size() > 65535)
    return fail(MRT_INVALID_ARGUMENT, "mrt_npy_save: header too long");
  File file;
  file.f = std::fopen(path, "wb");
  if (!file.f) {
    int err = errno;
    return fail(MRT_IO_ERROR, std::string("cannot write '") + path +
                                  "': " + std::strerror(err));
  }
  unsigned char pre[10] = {0x93,
                           'N',
                           'U',
                           'M',
                           'P',
                           'Y',
                           1,
                           0,
                           static_cast<unsigned char>(h.size() & 0xFF),
                           static_cast<unsigned char>(h.size() >> 8)};
  size_t bytes = static_cast<size_t>(bytes64);
  bool ok = std::fwrite(pre, 1, 10, file.f) == 10 &&
            std::fwrite(h.data(), 1, h.size(), file.f) == h.size() &&
            (bytes == 0 || std::fwrite(t->data, 1, bytes, file.f) == bytes);
  ok = (std::fclose(file.f) == 0) && ok;
  file.f = nullptr;
  if (!ok)
    return fail(MRT_IO_ERROR, std::string("error writing '") + path + "'");
  return MRT_OK;
}
