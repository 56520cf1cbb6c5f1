//===- SafetensorsWriter.cpp - a safetensors file, written in pieces ------===//
#include "frontend/SafetensorsWriter.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <numeric>
#include <unistd.h>

using namespace llvm;

namespace modelc::frontend {
namespace {

/// "572.5 GiB", "781.4 KiB": bytes in the largest unit that keeps them >= 1.
std::string humanBytes(uint64_t bytes) {
  const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u ? formatv("{0:f1} {1}", v, units[u]).str()
           : formatv("{0} bytes", bytes).str();
}

/// The header text, padded with spaces so the data starts on a cache line
/// (64 bytes; the format asks for 8);
/// `dataBytes` gets the size of the data section.
mlir::FailureOr<std::string>
headerText(ArrayRef<TensorEntry> tensors,
           const std::map<std::string, std::string> &metadata,
           uint64_t &dataBytes, std::string &err) {
  json::Object header;
  if (!metadata.empty()) {
    json::Object meta;
    for (const auto &[k, v] : metadata)
      meta[k] = v;
    header["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  StringSet<> seen;
  for (const TensorEntry &t : tensors) {
    if (t.name == "__metadata__" || !seen.insert(t.name).second) {
      err = "duplicate tensor name '" + t.name + "'";
      return mlir::failure();
    }
    uint64_t bytes = t.int8 ? 1 : sizeof(float);
    json::Array shape;
    for (int64_t d : t.shape) {
      if (d < 0 || (d && bytes > UINT64_MAX / 2 / uint64_t(d))) {
        err = "tensor '" + t.name + "' has a negative or too large dimension";
        return mlir::failure();
      }
      bytes *= d;
      shape.push_back(d);
    }
    if (offset > UINT64_MAX / 2 - bytes) {
      err = "the tensors hold more than 2^63 bytes";
      return mlir::failure();
    }
    header[t.name] =
        json::Object{{"dtype", t.int8 ? "I8" : "F32"},
                     {"shape", std::move(shape)},
                     {"data_offsets", json::Array{offset, offset + bytes}}};
    offset += bytes;
  }
  dataBytes = offset;
  std::string text = formatv("{0}", json::Value(std::move(header))).str();
  text.append((kDataAlign - (8 + text.size()) % kDataAlign) % kDataAlign, ' ');
  return text;
}

/// Reserves [0, bytes) of `fd` so that writing it cannot run out of space.
/// Filesystems without fallocate() are written without a reservation.
mlir::LogicalResult reserve(int fd, StringRef path, uint64_t bytes,
                            std::string &err) {
  if (::fallocate(fd, 0, 0, off_t(bytes)) == 0 || errno == EOPNOTSUPP ||
      errno == ENOSYS)
    return mlir::success();
  int e = errno;
  // A failed fallocate may keep what it got: give it back before measuring.
  (void)::ftruncate(fd, 0);
  err = formatv("cannot reserve {0} bytes ({1}) for '{2}': {3}", bytes,
                humanBytes(bytes), sys::path::filename(path), std::strerror(e))
            .str();
  if (e == ENOSPC)
    if (auto space = sys::fs::disk_space(sys::path::parent_path(path)))
      err += formatv(" ({0} free on that filesystem)",
                     humanBytes(space->available))
                 .str();
  return mlir::failure();
}
} // namespace

std::unique_ptr<SafetensorsWriter>
SafetensorsWriter::create(StringRef path, ArrayRef<TensorEntry> tensors,
                          const std::map<std::string, std::string> &metadata,
                          std::string &err) {
  uint64_t dataBytes = 0;
  auto text = headerText(tensors, metadata, dataBytes, err);
  if (failed(text))
    return nullptr;
  uint64_t total = 8 + text->size() + dataBytes;
  int fd;
  if (std::error_code ec = sys::fs::openFileForWrite(path, fd)) {
    err = "cannot create '" + path.str() + "': " + ec.message();
    return nullptr;
  }
  std::unique_ptr<SafetensorsWriter> w(
      new SafetensorsWriter(path.str(), fd, total));
  char length[8];
  support::endian::write64le(length, text->size());
  if (failed(reserve(fd, path, total, err)) || failed(w->put(length, 8, err)) ||
      failed(w->put(text->data(), text->size(), err)))
    return nullptr;
  return w;
}

std::vector<size_t>
SafetensorsWriter::alignedOrder(ArrayRef<TensorEntry> tensors) {
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_partition(order.begin(), order.end(), [&](size_t i) {
    uint64_t bytes = tensors[i].int8 ? 1 : sizeof(float);
    for (int64_t d : tensors[i].shape)
      bytes *= uint64_t(d);
    return bytes % kDataAlign == 0;
  });
  return order;
}

SafetensorsWriter::~SafetensorsWriter() {
  if (fd >= 0)
    ::close(fd);
}

mlir::LogicalResult SafetensorsWriter::put(const void *data, size_t size,
                                           std::string &err) {
  if (size > total - hash.length()) {
    err = "'" + path + "': more data than its header declares";
    return mlir::failure();
  }
  // Hash and write in L2-sized steps, so the bytes come from memory once.
  constexpr size_t kStep = 256 << 10;
  const char *p = static_cast<const char *>(data);
  for (size_t done = 0; done < size;) {
    size_t n = std::min(kStep, size - done);
    hash.update(p + done, n);
    for (size_t w = 0; w < n;) {
      ssize_t r = ::write(fd, p + done + w, n - w);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0) {
        err = "cannot write '" + path +
              "': " + (r < 0 ? std::strerror(errno) : "no progress");
        return mlir::failure();
      }
      w += size_t(r);
    }
    done += n;
  }
  return mlir::success();
}

mlir::LogicalResult SafetensorsWriter::write(const float *data, size_t count,
                                             std::string &err) {
  // Little-endian hosts only (x86, the targets here): floats as they are.
  return put(data, count * sizeof(float), err);
}

mlir::LogicalResult SafetensorsWriter::write(const int8_t *data, size_t count,
                                             std::string &err) {
  return put(data, count, err);
}

mlir::LogicalResult SafetensorsWriter::finish(std::string &err) {
  if (hash.length() != total) {
    err = formatv("'{0}': {1} of its {2} bytes were written", path,
                  hash.length(), total)
              .str();
    return mlir::failure();
  }
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) {
    err = "cannot write '" + path + "': " + std::strerror(errno);
    return mlir::failure();
  }
  return mlir::success();
}

} // namespace modelc::frontend
